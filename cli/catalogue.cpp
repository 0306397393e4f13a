#include "cli/catalogue.h"

#include <filesystem>

#include "harness/data_paths.h"

namespace midstream::cli {

std::vector<std::string> scenario_paths(Args& args) {
  const auto catalogue = args.value("--catalogue");
  auto paths = args.positionals();
  if (!paths.empty()) {
    if (catalogue) throw UsageError("give scenario PATHS or --catalogue DIR, not both");
    return paths;
  }
  const std::string dir = catalogue.value_or(harness::data_paths().catalogue);
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error))
    throw UsageError("no catalogue at " + dir +
                     (catalogue ? "" : " (an installed midstream reads PREFIX/share/midstream/scenarios)") +
                     "; give --catalogue DIR or scenario PATHS");
  return {dir};
}

}  // namespace midstream::cli
