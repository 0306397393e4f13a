// write_all: every reporter's file in one output directory.
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "reports/reporter.h"

namespace midstream::reports {

std::vector<std::string> write_all(const RunResults& results, const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw std::runtime_error("cannot create report directory " + dir + ": " + error.message());

  std::vector<std::unique_ptr<Reporter>> reporters;
  reporters.push_back(std::make_unique<JsonReporter>());
  reporters.push_back(std::make_unique<JunitReporter>());

  std::vector<std::string> written;
  for (const auto& reporter : reporters) {
    const std::string path = (std::filesystem::path(dir) / reporter->file_name()).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot open " + path + " for writing");
    reporter->report(results, out);
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path);
    written.push_back(path);
  }
  return written;
}

}  // namespace midstream::reports
