# The sdk_python_pip_install ctest fixture: installs exactly what tests/sdk/python/requirements.txt
# pins (the official `openai` and `anthropic` Python SDKs and every dependency) into a virtual
# environment in a folder of the build tree, so the source tree and the system Python stay clean.
#   cmake -DPYTHON=/usr/bin/python3 -DLOCK=tests/sdk/python/requirements.txt \
#         -DINSTALL_DIR=build/tests/sdk/python -P tests/sdk/python/pip_install.cmake
# The venv is INSTALL_DIR/venv. pip runs with --require-hashes --no-deps --only-binary :all:, so
# nothing outside the lock is resolved, no sdist is built and no package's build code runs; then
# `pip check` proves the lock complete and each SDK's installed version is read back. A copy of
# the installed lock is the stamp: a second run with the same lock does nothing, a changed lock
# reinstalls into a fresh venv. A file lock keeps two installs into one INSTALL_DIR apart.
# (The same steps as peers/litellm/pip_install.cmake, which is specific to the LiteLLM proxy.)
# Fails with a clear message, never a silent pass.
foreach(var PYTHON LOCK INSTALL_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "sdk_python_pip_install: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${LOCK}")
  message(FATAL_ERROR "sdk_python_pip_install: the lock ${LOCK} does not exist")
endif()

file(READ "${LOCK}" wanted)
set(packages openai anthropic)
foreach(package IN LISTS packages)
  if(NOT wanted MATCHES "(^|\n)${package}==([0-9][0-9a-z.]*)")
    message(FATAL_ERROR "sdk_python_pip_install: ${LOCK} pins no ${package}==VERSION")
  endif()
  set(version_${package} "${CMAKE_MATCH_2}")
endforeach()

file(MAKE_DIRECTORY "${INSTALL_DIR}")
file(LOCK "${INSTALL_DIR}/.midstream-pip-install.lock" GUARD PROCESS TIMEOUT 900 RESULT_VARIABLE lock_result)
if(NOT lock_result STREQUAL "0")
  message(FATAL_ERROR "sdk_python_pip_install: cannot lock ${INSTALL_DIR}/.midstream-pip-install.lock: ${lock_result}")
endif()

set(venv "${INSTALL_DIR}/venv")
set(stamp "${INSTALL_DIR}/.midstream-installed-requirements.txt")
if(EXISTS "${stamp}" AND EXISTS "${venv}/bin/python")
  file(READ "${stamp}" have)
  if(have STREQUAL wanted)
    message(STATUS "sdk_python_pip_install: openai ${version_openai} and anthropic ${version_anthropic} already installed in ${venv}")
    return()
  endif()
endif()
file(REMOVE "${stamp}")

# The lock is resolved for CPython 3.11 on x86_64 Linux (Debian 12's python3; tests/sdk/README.md).
execute_process(COMMAND "${PYTHON}" -c "import sys; print('%d.%d' % sys.version_info[:2])"
  RESULT_VARIABLE result OUTPUT_VARIABLE python_version ERROR_VARIABLE python_error
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT result STREQUAL "0")
  message(FATAL_ERROR "sdk_python_pip_install: cannot run ${PYTHON} (${result}): ${python_error}")
endif()
if(NOT python_version STREQUAL "3.11")
  message(FATAL_ERROR "sdk_python_pip_install: ${PYTHON} is Python ${python_version}; ${LOCK} is resolved for Python 3.11 (Debian 12's python3)")
endif()

file(REMOVE_RECURSE "${venv}")
execute_process(COMMAND "${PYTHON}" -m venv "${venv}"
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result STREQUAL "0" OR NOT EXISTS "${venv}/bin/python")
  message("${output}")
  message(FATAL_ERROR "sdk_python_pip_install: `${PYTHON} -m venv ${venv}` failed (${result}); on Debian install python3-venv (scripts/setup does)")
endif()

set(log "${INSTALL_DIR}/pip-install.log")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
          "${venv}/bin/python" -m pip install --require-hashes --no-deps --only-binary :all:
          --retries 1 --timeout 60 -r "${LOCK}"
  RESULT_VARIABLE result
  OUTPUT_FILE "${log}"
  ERROR_FILE "${log}"
  TIMEOUT 600)
if(NOT result STREQUAL "0")
  file(READ "${log}" output)
  message("${output}")
  if(output MATCHES "NewConnectionError|Max retries exceeded|Name or service not known|Temporary failure in name resolution|Connection refused|Network is unreachable|ReadTimeoutError|ConnectTimeoutError")
    message(FATAL_ERROR "sdk_python_pip_install: pip install -r ${LOCK} failed: the package registry could not be reached, so the pinned Python SDKs could not be installed and the Python SDK tests cannot run (full log: ${log})")
  endif()
  if(output MATCHES "THESE PACKAGES DO NOT MATCH THE HASHES")
    message(FATAL_ERROR "sdk_python_pip_install: pip install -r ${LOCK} failed: a downloaded file does not match the hash in the lock; nothing was trusted (full log: ${log})")
  endif()
  message(FATAL_ERROR "sdk_python_pip_install: pip install -r ${LOCK} failed (${result}); pip's output is above (full log: ${log})")
endif()

# --no-deps trusts the lock to be complete: pip check proves it.
execute_process(COMMAND "${venv}/bin/python" -m pip check --disable-pip-version-check
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result STREQUAL "0")
  message(FATAL_ERROR "sdk_python_pip_install: ${LOCK} is incomplete or inconsistent (pip check):\n${output}")
endif()
foreach(package IN LISTS packages)
  execute_process(COMMAND "${venv}/bin/python" -c "import importlib.metadata as m; print(m.version('${package}'))"
    RESULT_VARIABLE result OUTPUT_VARIABLE installed ERROR_VARIABLE error OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT result STREQUAL "0" OR NOT installed STREQUAL version_${package})
    message(FATAL_ERROR "sdk_python_pip_install: pip succeeded but ${package} ${version_${package}} is not in ${venv} (found '${installed}' ${error})")
  endif()
endforeach()
file(COPY_FILE "${LOCK}" "${stamp}")
message(STATUS "sdk_python_pip_install: openai ${version_openai} and anthropic ${version_anthropic} in ${venv}")
