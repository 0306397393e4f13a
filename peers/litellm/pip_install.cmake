# Installs exactly what one hash-locked requirements file of peers/litellm pins (the LiteLLM
# proxy, `litellm[proxy]==VERSION`, and every dependency) into a virtual environment in a folder
# of the build tree, so the source tree and the system Python stay clean.
#   cmake -DPYTHON=/usr/bin/python3 -DLOCK=peers/litellm/requirements-1.85.0.txt \
#         -DINSTALL_DIR=build/peers/litellm-1.85.0 -P peers/litellm/pip_install.cmake
# The venv is INSTALL_DIR/venv (the proxy: INSTALL_DIR/venv/bin/litellm). pip runs with
# --require-hashes --no-deps --only-binary :all:, so nothing outside the lock is resolved, no
# sdist is built and no package's build code runs. A copy of the installed lock is the stamp: a
# second run with the same lock does nothing, a changed lock reinstalls from a fresh venv. A file
# lock keeps two installs into one INSTALL_DIR from running at once. Fails with a clear message,
# never a silent pass.
foreach(var PYTHON LOCK INSTALL_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "litellm_pip_install: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${LOCK}")
  message(FATAL_ERROR "litellm_pip_install: the lock ${LOCK} does not exist")
endif()

file(READ "${LOCK}" wanted)
# The version the lock pins, and a refusal of the two compromised releases whatever the lock says.
if(NOT wanted MATCHES "\nlitellm==([0-9][0-9a-z.]*)")
  message(FATAL_ERROR "litellm_pip_install: ${LOCK} pins no litellm==VERSION")
endif()
set(version "${CMAKE_MATCH_1}")
if(version STREQUAL "1.82.7" OR version STREQUAL "1.82.8")
  message(FATAL_ERROR "litellm_pip_install: ${LOCK} pins litellm ${version}, a compromised release that must never be installed")
endif()

file(MAKE_DIRECTORY "${INSTALL_DIR}")
file(LOCK "${INSTALL_DIR}/.midstream-pip-install.lock" GUARD PROCESS TIMEOUT 900 RESULT_VARIABLE lock_result)
if(NOT lock_result STREQUAL "0")
  message(FATAL_ERROR "litellm_pip_install: cannot lock ${INSTALL_DIR}/.midstream-pip-install.lock: ${lock_result}")
endif()

set(venv "${INSTALL_DIR}/venv")
set(stamp "${INSTALL_DIR}/.midstream-installed-requirements.txt")
set(entry "${venv}/bin/litellm")
if(EXISTS "${stamp}" AND EXISTS "${entry}")
  file(READ "${stamp}" have)
  if(have STREQUAL wanted)
    message(STATUS "litellm_pip_install: litellm ${version} already installed in ${venv}")
    return()
  endif()
endif()
file(REMOVE "${stamp}")

# The locks are resolved for CPython 3.11 on x86_64 Linux (see peers/litellm/README.md).
execute_process(COMMAND "${PYTHON}" -c "import sys; print('%d.%d' % sys.version_info[:2])"
  RESULT_VARIABLE result OUTPUT_VARIABLE python_version ERROR_VARIABLE python_error
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT result STREQUAL "0")
  message(FATAL_ERROR "litellm_pip_install: cannot run ${PYTHON} (${result}): ${python_error}")
endif()
if(NOT python_version STREQUAL "3.11")
  message(FATAL_ERROR "litellm_pip_install: ${PYTHON} is Python ${python_version}; ${LOCK} is resolved for Python 3.11 (Debian 12's python3)")
endif()

file(REMOVE_RECURSE "${venv}")
execute_process(COMMAND "${PYTHON}" -m venv "${venv}"
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result STREQUAL "0" OR NOT EXISTS "${venv}/bin/python")
  message("${output}")
  message(FATAL_ERROR "litellm_pip_install: `${PYTHON} -m venv ${venv}` failed (${result}); on Debian install python3-venv")
endif()

set(log "${INSTALL_DIR}/pip-install.log")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
          "${venv}/bin/python" -m pip install --require-hashes --no-deps --only-binary :all:
          --retries 1 --timeout 60 -r "${LOCK}"
  RESULT_VARIABLE result
  OUTPUT_FILE "${log}"
  ERROR_FILE "${log}"
  TIMEOUT 900)
if(NOT result STREQUAL "0")
  file(READ "${log}" output)
  message("${output}")
  if(output MATCHES "NewConnectionError|Max retries exceeded|Name or service not known|Temporary failure in name resolution|Connection refused|Network is unreachable|ReadTimeoutError|ConnectTimeoutError")
    message(FATAL_ERROR "litellm_pip_install: pip install -r ${LOCK} failed: the package registry could not be reached, so the pinned LiteLLM proxy could not be installed (full log: ${log})")
  endif()
  if(output MATCHES "THESE PACKAGES DO NOT MATCH THE HASHES")
    message(FATAL_ERROR "litellm_pip_install: pip install -r ${LOCK} failed: a downloaded file does not match the hash in the lock; nothing was trusted (full log: ${log})")
  endif()
  message(FATAL_ERROR "litellm_pip_install: pip install -r ${LOCK} failed (${result}); pip's output is above (full log: ${log})")
endif()

# --no-deps trusts the lock to be complete: pip check proves it.
execute_process(COMMAND "${venv}/bin/python" -m pip check --disable-pip-version-check
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result STREQUAL "0")
  message(FATAL_ERROR "litellm_pip_install: ${LOCK} is incomplete or inconsistent (pip check):\n${output}")
endif()
execute_process(COMMAND "${venv}/bin/python" -c "import importlib.metadata as m; print(m.version('litellm'))"
  RESULT_VARIABLE result OUTPUT_VARIABLE installed ERROR_VARIABLE error OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT result STREQUAL "0" OR NOT installed STREQUAL version OR NOT EXISTS "${entry}")
  message(FATAL_ERROR "litellm_pip_install: pip succeeded but litellm ${version} is not in ${venv} (found '${installed}' ${error})")
endif()
file(COPY_FILE "${LOCK}" "${stamp}")
message(STATUS "litellm_pip_install: litellm ${version} in ${venv}")
