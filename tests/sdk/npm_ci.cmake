# The sdk_npm_ci ctest fixture: installs exactly the packages tests/sdk/package-lock.json pins
# into a folder of the build tree, so the source tree stays clean.
#   cmake -DNPM=/usr/bin/npm -DSOURCE_DIR=tests/sdk -DINSTALL_DIR=build/tests/sdk -P npm_ci.cmake
# Fails with a clear message when npm fails, and says so plainly when the registry cannot be
# reached: never a silent pass.
foreach(var NPM SOURCE_DIR INSTALL_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "sdk_npm_ci: -D${var}=... is required")
  endif()
endforeach()

file(MAKE_DIRECTORY "${INSTALL_DIR}")
file(COPY "${SOURCE_DIR}/package.json" "${SOURCE_DIR}/package-lock.json"
     DESTINATION "${INSTALL_DIR}")

# Fail in about a minute, not several, when the registry does not answer.
execute_process(
  COMMAND "${NPM}" ci --no-audit --no-fund --ignore-scripts --no-update-notifier
          --fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=10000
          --fetch-timeout=60000
  WORKING_DIRECTORY "${INSTALL_DIR}"
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output
  TIMEOUT 300)

if(NOT result STREQUAL "0")
  message("${output}")
  set(network_errors "ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|ENETUNREACH|EHOSTUNREACH|network|request to [^ ]+ failed")
  if(output MATCHES "${network_errors}")
    message(FATAL_ERROR
      "sdk_npm_ci: the npm registry could not be reached, so the pinned SDK packages "
      "(tests/sdk/package-lock.json) could not be installed and the SDK tests cannot run. "
      "npm ci needs the registry, or every pinned tarball already in npm's cache.")
  endif()
  message(FATAL_ERROR "sdk_npm_ci: `npm ci` failed (${result}) in ${INSTALL_DIR}; npm's output is above.")
endif()

foreach(package openai @anthropic-ai/sdk)
  set(manifest "${INSTALL_DIR}/node_modules/${package}/package.json")
  if(NOT EXISTS "${manifest}")
    message(FATAL_ERROR "sdk_npm_ci: npm ci succeeded but ${package} is not in ${INSTALL_DIR}/node_modules")
  endif()
  file(READ "${manifest}" json)
  string(JSON version GET "${json}" version)
  message(STATUS "sdk_npm_ci: ${package} ${version}")
endforeach()
