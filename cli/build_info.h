#pragma once
// What `midstream --version` prints: the project version and the source commit it was built
// from, written at build time by cmake/build_info.cmake into the build tree.
namespace midstream::cli {

const char* build_version();  // "0.2.0", project(VERSION) in CMakeLists.txt
const char* build_commit();   // "1a2b3c4d5e6f", "1a2b3c4d5e6f-dirty", or "unknown" outside git

}  // namespace midstream::cli
