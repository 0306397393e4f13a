#include "harness/data_paths.h"

#include <filesystem>
#include <system_error>

namespace midstream::harness {

namespace fs = std::filesystem;

DataPaths data_paths_for(const std::string& executable, const std::string& source_dir) {
  DataPaths paths;
  std::error_code error;
  const fs::path share = fs::path(executable).parent_path().parent_path() / "share" / "midstream";
  if (!executable.empty() && fs::is_directory(share / "scenarios", error)) {
    paths.installed = true;
    paths.root = share.lexically_normal().string();
    paths.catalogue = (share / "scenarios").lexically_normal().string();
    paths.peers = (share / "peers").lexically_normal().string();
    paths.scenario_schema = (share / "schemas" / "scenario.schema.json").lexically_normal().string();
    paths.results_schema = (share / "schemas" / "results.schema.json").lexically_normal().string();
    return paths;
  }
  const fs::path source(source_dir);
  paths.root = source.lexically_normal().string();
  paths.catalogue = (source / "scenarios").lexically_normal().string();
  paths.peers = (source / "peers").lexically_normal().string();
  paths.scenario_schema = (source / "scenarios" / "scenario.schema.json").lexically_normal().string();
  paths.results_schema = (source / "reports" / "results.schema.json").lexically_normal().string();
  return paths;
}

const DataPaths& data_paths() {
  static const DataPaths paths = [] {
    std::error_code error;
    const fs::path exe = fs::read_symlink("/proc/self/exe", error);
    return data_paths_for(error ? std::string() : exe.string(), MIDSTREAM_SOURCE_DIR);
  }();
  return paths;
}

}  // namespace midstream::harness
