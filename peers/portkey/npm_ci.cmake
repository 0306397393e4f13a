# The portkey_npm_ci ctest fixture: installs exactly what peers/portkey/package-lock.json pins
# (@portkey-ai/gateway 1.15.2 with its hono overrides) into a folder of the build tree, so the
# source tree stays clean.
#   cmake -DNPM=/usr/bin/npm -DSOURCE_DIR=peers/portkey -DINSTALL_DIR=build/peers/portkey -P npm_ci.cmake
# Shares its lock and its stamp with targets/portkey_target.cpp, which installs the same way on
# first use (`midstream run --target portkey`), so the two never run npm at once and each skips
# an install the other finished. Fails with a clear message, never a silent pass.
foreach(var NPM SOURCE_DIR INSTALL_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "portkey_npm_ci: -D${var}=... is required")
  endif()
endforeach()

file(MAKE_DIRECTORY "${INSTALL_DIR}")
file(LOCK "${INSTALL_DIR}/.midstream-npm-ci.lock" GUARD PROCESS TIMEOUT 600 RESULT_VARIABLE lock_result)
if(NOT lock_result STREQUAL "0")
  message(FATAL_ERROR "portkey_npm_ci: cannot lock ${INSTALL_DIR}/.midstream-npm-ci.lock: ${lock_result}")
endif()

set(stamp "${INSTALL_DIR}/.midstream-installed-lock.json")
set(entry "${INSTALL_DIR}/node_modules/@portkey-ai/gateway/build/start-server.js")
file(READ "${SOURCE_DIR}/package-lock.json" wanted)
if(EXISTS "${stamp}" AND EXISTS "${entry}")
  file(READ "${stamp}" have)
  if(have STREQUAL wanted)
    message(STATUS "portkey_npm_ci: already installed in ${INSTALL_DIR}")
    return()
  endif()
endif()

file(REMOVE "${stamp}")
file(COPY "${SOURCE_DIR}/package.json" "${SOURCE_DIR}/package-lock.json" DESTINATION "${INSTALL_DIR}")
# midstream_npm_ci passes --ignore-scripts: the gateway's postinstall (patch-package) only
# patches its own dev set-up.
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/npm_ci.cmake")
midstream_npm_ci("portkey_npm_ci: npm ci in peers/portkey" "${INSTALL_DIR}"
  "portkey_npm_ci: npm ci in peers/portkey failed: the npm registry could not be reached, so the pinned Portkey gateway (peers/portkey/package-lock.json) could not be installed and the portkey target cannot run.")

if(NOT EXISTS "${entry}")
  message(FATAL_ERROR "portkey_npm_ci: npm ci succeeded but ${entry} is missing")
endif()
file(READ "${INSTALL_DIR}/node_modules/@portkey-ai/gateway/package.json" json)
string(JSON version GET "${json}" version)
file(COPY_FILE "${SOURCE_DIR}/package-lock.json" "${stamp}")
message(STATUS "portkey_npm_ci: @portkey-ai/gateway ${version}")
