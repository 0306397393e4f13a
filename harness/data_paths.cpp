#include "harness/data_paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace midstream::harness {

namespace fs = std::filesystem;

DataPaths data_paths_for(const std::string& executable, const std::string& source_dir) {
  std::error_code error;
  const fs::path share = fs::path(executable).parent_path().parent_path() / "share" / "midstream";
  DataPaths paths;
  paths.installed = !executable.empty() && fs::is_directory(share / "scenarios", error);
  const fs::path root = paths.installed ? share : fs::path(source_dir);
  const auto at = [&](const char* relative) { return (root / relative).lexically_normal().string(); };
  paths.root = root.lexically_normal().string();
  paths.catalogue = at("scenarios");
  paths.peers = at("peers");
  paths.scenario_schema = at(paths.installed ? "schemas/scenario.schema.json" : "scenarios/scenario.schema.json");
  paths.results_schema = at(paths.installed ? "schemas/results.schema.json" : "reports/results.schema.json");
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

std::string peer_install_dir(const std::string& name) {
  std::error_code error;
  if (data_paths().installed) {
    const char* cache = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    const fs::path base = cache && *cache ? fs::path(cache)
                          : home && *home ? fs::path(home) / ".cache"
                                          : fs::temp_directory_path();
    return (base / "midstream" / "peers" / name).string();
  }
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  return ((error ? fs::current_path() : exe.parent_path().parent_path()) / "peers" / name).string();
}

}  // namespace midstream::harness
