# midstream_pip_install(LABEL LOCK INSTALL_DIR PYTHON PACKAGES WHAT): installs exactly what a
# hash-locked requirements file pins into INSTALL_DIR/venv, a folder of the build tree, so the
# source tree and the system Python stay clean. pip runs with --require-hashes --no-deps
# --only-binary :all:, so nothing outside the lock is resolved, no sdist is built and no package's
# build code runs; `pip check` then proves the lock complete and each of PACKAGES is read back at
# the version the lock pins. A copy of the installed lock is the stamp: a second run with the same
# lock does nothing, a changed lock reinstalls into a fresh venv. A file lock keeps two installs
# into one INSTALL_DIR apart. Every failure is a FATAL_ERROR starting with "LABEL: ", never a
# silent pass. WHAT names what could not be installed, for the registry-unreachable message.
# Used by peers/litellm/pip_install.cmake and tests/sdk/python/pip_install.cmake; the locks are
# resolved for CPython 3.11 on x86_64 Linux (Debian 12's python3).
function(midstream_pip_install label lock install_dir python packages what)
  if(NOT EXISTS "${lock}")
    message(FATAL_ERROR "${label}: the lock ${lock} does not exist")
  endif()
  file(READ "${lock}" wanted)
  set(versions "")
  foreach(package IN LISTS packages)
    if(NOT wanted MATCHES "(^|\n)${package}==([0-9][0-9a-z.]*)")
      message(FATAL_ERROR "${label}: ${lock} pins no ${package}==VERSION")
    endif()
    set(version_${package} "${CMAKE_MATCH_2}")
    list(APPEND versions "${package} ${CMAKE_MATCH_2}")
  endforeach()
  list(JOIN versions ", " versions)

  file(MAKE_DIRECTORY "${install_dir}")
  file(LOCK "${install_dir}/.midstream-pip-install.lock" GUARD FUNCTION TIMEOUT 900 RESULT_VARIABLE lock_result)
  if(NOT lock_result STREQUAL "0")
    message(FATAL_ERROR "${label}: cannot lock ${install_dir}/.midstream-pip-install.lock: ${lock_result}")
  endif()
  set(venv "${install_dir}/venv")
  set(stamp "${install_dir}/.midstream-installed-requirements.txt")
  if(EXISTS "${stamp}" AND EXISTS "${venv}/bin/python")
    file(READ "${stamp}" have)
    if(have STREQUAL wanted)
      message(STATUS "${label}: ${versions} already installed in ${venv}")
      return()
    endif()
  endif()
  file(REMOVE "${stamp}")

  execute_process(COMMAND "${python}" -c "import sys; print('%d.%d' % sys.version_info[:2])"
    RESULT_VARIABLE result OUTPUT_VARIABLE python_version ERROR_VARIABLE python_error
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT result STREQUAL "0")
    message(FATAL_ERROR "${label}: cannot run ${python} (${result}): ${python_error}")
  endif()
  if(NOT python_version STREQUAL "3.11")
    message(FATAL_ERROR "${label}: ${python} is Python ${python_version}; ${lock} is resolved for Python 3.11 (Debian 12's python3)")
  endif()
  file(REMOVE_RECURSE "${venv}")
  execute_process(COMMAND "${python}" -m venv "${venv}" RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result STREQUAL "0" OR NOT EXISTS "${venv}/bin/python")
    message("${output}")
    message(FATAL_ERROR "${label}: `${python} -m venv ${venv}` failed (${result}); on Debian install python3-venv (scripts/setup does)")
  endif()

  set(log "${install_dir}/pip-install.log")
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
            "${venv}/bin/python" -m pip install --require-hashes --no-deps --only-binary :all:
            --retries 1 --timeout 60 -r "${lock}"
    RESULT_VARIABLE result OUTPUT_FILE "${log}" ERROR_FILE "${log}" TIMEOUT 900)
  if(NOT result STREQUAL "0")
    file(READ "${log}" output)
    message("${output}")
    if(output MATCHES "NewConnectionError|Max retries exceeded|Name or service not known|Temporary failure in name resolution|Connection refused|Network is unreachable|ReadTimeoutError|ConnectTimeoutError")
      message(FATAL_ERROR "${label}: pip install -r ${lock} failed: the package registry could not be reached, so ${what} could not be installed (full log: ${log})")
    endif()
    if(output MATCHES "THESE PACKAGES DO NOT MATCH THE HASHES")
      message(FATAL_ERROR "${label}: pip install -r ${lock} failed: a downloaded file does not match the hash in the lock; nothing was trusted (full log: ${log})")
    endif()
    message(FATAL_ERROR "${label}: pip install -r ${lock} failed (${result}); pip's output is above (full log: ${log})")
  endif()

  # --no-deps trusts the lock to be complete: pip check proves it.
  execute_process(COMMAND "${venv}/bin/python" -m pip check --disable-pip-version-check
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result STREQUAL "0")
    message(FATAL_ERROR "${label}: ${lock} is incomplete or inconsistent (pip check):\n${output}")
  endif()
  foreach(package IN LISTS packages)
    execute_process(COMMAND "${venv}/bin/python" -c "import importlib.metadata as m; print(m.version('${package}'))"
      RESULT_VARIABLE result OUTPUT_VARIABLE installed ERROR_VARIABLE error OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT result STREQUAL "0" OR NOT installed STREQUAL version_${package})
      message(FATAL_ERROR "${label}: pip succeeded but ${package} ${version_${package}} is not in ${venv} (found '${installed}' ${error})")
    endif()
  endforeach()
  file(COPY_FILE "${lock}" "${stamp}")
  message(STATUS "${label}: ${versions} in ${venv}")
endfunction()
