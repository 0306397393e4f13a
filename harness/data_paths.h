#pragma once
// Where midstream's data files are: the catalogue, the peers' lock files and the JSON schemas.
// An installed midstream (PREFIX/bin/midstream beside PREFIX/share/midstream/scenarios) reads
// PREFIX/share/midstream; any other (the build tree's build/cli/midstream, the tests) reads the
// source tree it was built from. The one place that decides it, so every command agrees.
#include <string>

namespace midstream::harness {

struct DataPaths {
  bool installed = false;       // PREFIX/share/midstream was found beside the executable
  std::string root;             // PREFIX/share/midstream, or the source tree
  std::string catalogue;        // the scenarios `run`, `list` and `selftest` read by default
  std::string peers;            // one folder per peer router: package.json and lock files
  std::string scenario_schema;  // scenario.schema.json
  std::string results_schema;   // results.schema.json
};

// Looked up once from /proc/self/exe.
const DataPaths& data_paths();

// Where a peer router is installed on first use (`npm ci`, `pip install`), as `name` (e.g.
// "portkey", "litellm-1.108.7"): for an installed midstream, which cannot write under its prefix,
// ${XDG_CACHE_HOME:-~/.cache}/midstream/peers/NAME; else <dir of this executable>/../peers/NAME
// (build/peers/NAME for build/cli/midstream and build/tests/*).
std::string peer_install_dir(const std::string& name);

// Decides for an executable at `executable` with the source tree `source_dir`: installed when
// executable/../../share/midstream/scenarios is a directory.
DataPaths data_paths_for(const std::string& executable, const std::string& source_dir);

}  // namespace midstream::harness
