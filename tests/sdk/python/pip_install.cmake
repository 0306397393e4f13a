# The sdk_python_pip_install ctest fixture: installs exactly what tests/sdk/python/requirements.txt
# pins (the official `openai` and `anthropic` Python SDKs and every dependency) into a virtual
# environment in a folder of the build tree, so the source tree and the system Python stay clean.
#   cmake -DPYTHON=/usr/bin/python3 -DLOCK=tests/sdk/python/requirements.txt \
#         -DINSTALL_DIR=build/tests/sdk/python -P tests/sdk/python/pip_install.cmake
# The venv is INSTALL_DIR/venv; how it is installed (hashes, wheels only, pip check, each SDK's
# version read back, the stamp, the lock) is cmake/pip_install.cmake.
foreach(var PYTHON LOCK INSTALL_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "sdk_python_pip_install: -D${var}=... is required")
  endif()
endforeach()
include("${CMAKE_CURRENT_LIST_DIR}/../../../cmake/pip_install.cmake")
midstream_pip_install(sdk_python_pip_install "${LOCK}" "${INSTALL_DIR}" "${PYTHON}" "openai;anthropic"
                      "the pinned Python SDKs (the Python SDK tests cannot run)")
