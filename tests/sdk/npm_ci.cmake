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

include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/npm_ci.cmake")
midstream_npm_ci("sdk_npm_ci: `npm ci`" "${INSTALL_DIR}"
  "sdk_npm_ci: the npm registry could not be reached, so the pinned SDK packages (tests/sdk/package-lock.json) could not be installed and the SDK tests cannot run. npm ci needs the registry, or every pinned tarball already in npm's cache.")

foreach(package openai @anthropic-ai/sdk)
  set(manifest "${INSTALL_DIR}/node_modules/${package}/package.json")
  if(NOT EXISTS "${manifest}")
    message(FATAL_ERROR "sdk_npm_ci: npm ci succeeded but ${package} is not in ${INSTALL_DIR}/node_modules")
  endif()
  file(READ "${manifest}" json)
  string(JSON version GET "${json}" version)
  message(STATUS "sdk_npm_ci: ${package} ${version}")
endforeach()
