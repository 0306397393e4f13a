# midstream_npm_ci(LABEL INSTALL_DIR UNREACHABLE): `npm ci` of the package.json and
# package-lock.json already copied into INSTALL_DIR, failing within about a minute when the
# registry does not answer. On failure it prints npm's output and stops with a clear message:
# UNREACHABLE when npm's output shows a network error, "LABEL failed (status)" otherwise.
# Included by the ctest fixture scripts tests/sdk/npm_ci.cmake and peers/portkey/npm_ci.cmake;
# expects NPM to be set.
function(midstream_npm_ci label install_dir unreachable)
  # --ignore-scripts: nothing midstream installs needs an install script to run.
  execute_process(
    COMMAND "${NPM}" ci --no-audit --no-fund --ignore-scripts --no-update-notifier
            --fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=10000
            --fetch-timeout=60000
    WORKING_DIRECTORY "${install_dir}"
    RESULT_VARIABLE result
    OUTPUT_VARIABLE output
    ERROR_VARIABLE output
    TIMEOUT 300)
  if(NOT result STREQUAL "0")
    message("${output}")
    set(network_errors "ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|ENETUNREACH|EHOSTUNREACH|network|request to [^ ]+ failed")
    if(output MATCHES "${network_errors}")
      message(FATAL_ERROR "${unreachable}")
    endif()
    message(FATAL_ERROR "${label} failed (${result}) in ${install_dir}; npm's output is above.")
  endif()
endfunction()
