# The official OpenAI and Anthropic Python SDKs as real clients (tests/sdk/README.md, "Python").
# Included by tests/CMakeLists.txt. sdk_python_pip_install installs what
# tests/sdk/python/requirements.txt pins into a venv under the build tree; then each
# tests/sdk/python/test_*.py is one ctest test, run by that venv's Python (unittest, verbose)
# against the midstream binary. No Python 3 with venv: one test that fails and says why, never a
# quiet skip. Debian's /usr/bin/python3 first (the lock is resolved for Debian 12's Python 3.11).
set(MIDSTREAM_SDK_PYTHON_SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR})
set(MIDSTREAM_SDK_PYTHON_INSTALL_DIR ${CMAKE_CURRENT_BINARY_DIR}/sdk/python)
file(MAKE_DIRECTORY ${MIDSTREAM_SDK_PYTHON_INSTALL_DIR})
find_program(MIDSTREAM_SDK_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(MIDSTREAM_SDK_PYTHON3 python3)
file(GLOB MIDSTREAM_SDK_PYTHON_TESTS CONFIGURE_DEPENDS ${MIDSTREAM_SDK_PYTHON_SOURCE_DIR}/test_*.py)

# `python3 -m venv` needs ensurepip, which Debian ships apart in python3-venv.
set(midstream_sdk_python_problem "")
if(NOT MIDSTREAM_SDK_PYTHON3)
  set(midstream_sdk_python_problem "no python3 was found")
else()
  execute_process(COMMAND ${MIDSTREAM_SDK_PYTHON3} -c "import venv, ensurepip"
    RESULT_VARIABLE midstream_sdk_python_result OUTPUT_QUIET ERROR_QUIET)
  if(NOT midstream_sdk_python_result STREQUAL "0")
    set(midstream_sdk_python_problem "${MIDSTREAM_SDK_PYTHON3} has no venv/ensurepip module (Debian: python3-venv)")
  endif()
endif()

if(midstream_sdk_python_problem STREQUAL "")
  add_test(NAME sdk_python_pip_install
    COMMAND ${CMAKE_COMMAND} -DPYTHON=${MIDSTREAM_SDK_PYTHON3}
            -DLOCK=${MIDSTREAM_SDK_PYTHON_SOURCE_DIR}/requirements.txt
            -DINSTALL_DIR=${MIDSTREAM_SDK_PYTHON_INSTALL_DIR}
            -P ${MIDSTREAM_SDK_PYTHON_SOURCE_DIR}/pip_install.cmake)
  set_tests_properties(sdk_python_pip_install PROPERTIES
    FIXTURES_SETUP midstream_sdk_python_packages TIMEOUT 900)
  foreach(test_file IN LISTS MIDSTREAM_SDK_PYTHON_TESTS)
    get_filename_component(test_name ${test_file} NAME_WE)
    string(REGEX REPLACE "^test_" "" test_name ${test_name})
    string(MAKE_C_IDENTIFIER "sdk_python_${test_name}" test_name)
    # The venv's python exists only once the fixture ran, so cmake -E chdir starts it (ctest
    # looks a test's executable up when it lists tests). -B and PYTHONDONTWRITEBYTECODE: no
    # __pycache__ in the source tree.
    add_test(NAME ${test_name}
      COMMAND ${CMAKE_COMMAND} -E chdir ${MIDSTREAM_SDK_PYTHON_INSTALL_DIR}
              ${MIDSTREAM_SDK_PYTHON_INSTALL_DIR}/venv/bin/python -B ${test_file})
    set_tests_properties(${test_name} PROPERTIES
      FIXTURES_REQUIRED midstream_sdk_python_packages
      TIMEOUT 300
      ENVIRONMENT "MIDSTREAM_BINARY=$<TARGET_FILE:midstream>;PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1")
  endforeach()
else()
  message(WARNING "Python SDK tests (tests/sdk/python) will fail: ${midstream_sdk_python_problem}; install Debian's python3 and python3-venv (scripts/setup)")
  file(WRITE ${MIDSTREAM_SDK_PYTHON_INSTALL_DIR}/python-missing.cmake
    "message(FATAL_ERROR \"sdk python tests: ${midstream_sdk_python_problem}. Python 3.11 with the venv module is required to install the pinned openai and anthropic Python SDKs and run them against midstream (tests/sdk/README.md). Install Debian's python3 and python3-venv (scripts/setup), then re-run cmake.\")\n")
  add_test(NAME sdk_python_missing COMMAND ${CMAKE_COMMAND} -P ${MIDSTREAM_SDK_PYTHON_INSTALL_DIR}/python-missing.cmake)
endif()
