# `cmake --install BUILD [--prefix P]` and CPack's Debian package (included by CMakeLists.txt):
#   P/bin/midstream
#   P/share/midstream/scenarios/   the catalogue (what an installed `midstream run` reads by default)
#   P/share/midstream/peers/       each peer router's pinned package files (package.json,
#                                  package-lock.json, requirements, their install scripts): every
#                                  file under peers/ but installed dependencies, so a new peer is
#                                  included as it is
#   P/share/midstream/cmake/       pip_install.cmake and npm_ci.cmake, which those scripts include
#   P/share/midstream/schemas/     results.schema.json and scenario.schema.json
#   P/share/doc/midstream/         README.md, CHANGELOG.md, contract.md
# harness/data_paths.cpp finds P/share/midstream from P/bin/midstream.
include(GNUInstallDirs)
set(MIDSTREAM_DATA_DESTINATION ${CMAKE_INSTALL_DATADIR}/midstream)

install(TARGETS midstream RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/ DESTINATION ${MIDSTREAM_DATA_DESTINATION}/scenarios
        FILES_MATCHING PATTERN "*.json" PATTERN "README.md")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/peers/ DESTINATION ${MIDSTREAM_DATA_DESTINATION}/peers
        PATTERN "node_modules" EXCLUDE
        PATTERN ".venv" EXCLUDE
        PATTERN "__pycache__" EXCLUDE
        PATTERN ".gitignore" EXCLUDE)
# The peers' install scripts (peers/*/…cmake) include these: an installed `--target litellm`
# pip-installs its pinned lock with them on first use.
install(FILES ${PROJECT_SOURCE_DIR}/cmake/pip_install.cmake ${PROJECT_SOURCE_DIR}/cmake/npm_ci.cmake
        DESTINATION ${MIDSTREAM_DATA_DESTINATION}/cmake)
install(FILES ${PROJECT_SOURCE_DIR}/reports/results.schema.json ${PROJECT_SOURCE_DIR}/scenarios/scenario.schema.json
        DESTINATION ${MIDSTREAM_DATA_DESTINATION}/schemas)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md ${PROJECT_SOURCE_DIR}/docs/contract.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# cpack -G DEB in the build tree: midstream_<version>_<arch>.deb, Depends from dpkg-shlibdeps.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME midstream)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "midstream")
set(CPACK_PACKAGE_CONTACT "midstream maintainers <midstream@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "fault-injection conformance suite for LLM routers and gateways")
set(CPACK_PACKAGE_DESCRIPTION
    "Fake LLM providers that fail at exact protocol positions, a reference router, and a catalogue of scenarios that grades whether a router falls back, continues a dropped stream without a gap or a repeat, and reports honest usage.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The portkey target runs Node.js, the litellm target cmake and python3-venv (its first-use
# install), the nginx target Debian's nginx; everything else needs nothing more.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nodejs, npm, cmake, python3-venv, nginx")
include(CPack)
