# Included by the top-level CMakeLists.txt before any library when MIDSTREAM_FUZZ is ON: every
# library is built with libFuzzer's coverage instrumentation and ASan + UBSan (an undefined
# behaviour report stops the run, like a crash), so the fuzz targets see inside them.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "MIDSTREAM_FUZZ needs clang with libFuzzer (the 'fuzz' preset uses clang++-14); "
                      "the compiler is ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER}")
endif()
set(MIDSTREAM_SANITIZERS address,undefined)
add_compile_options(-fsanitize=fuzzer-no-link,${MIDSTREAM_SANITIZERS} -fno-sanitize-recover=all
                    -fno-omit-frame-pointer)
add_link_options(-fsanitize=${MIDSTREAM_SANITIZERS})
