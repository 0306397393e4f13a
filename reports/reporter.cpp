// write_all: every format in one output directory; DirectorySink for the multi-file reporters.
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "reports/reporter.h"

namespace midstream::reports {

std::ostream& DirectorySink::open(const std::string& relative_path) {
  close_current();
  const std::filesystem::path relative(relative_path);
  for (const auto& part : relative) {
    if (part == "..") throw std::runtime_error("report path escapes its directory: " + relative_path);
  }
  if (relative.empty() || relative.is_absolute())
    throw std::runtime_error("report path must be relative: " + relative_path);
  const std::filesystem::path path = std::filesystem::path(dir_) / relative;
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) throw std::runtime_error("cannot create directory " + path.parent_path().string() + ": " + error.message());
  current_ = path.string();
  out_.open(current_, std::ios::binary | std::ios::trunc);
  if (!out_) throw std::runtime_error("cannot open " + current_ + " for writing");
  return out_;
}

void DirectorySink::close_current() {
  if (current_.empty()) return;
  out_.close();
  if (!out_) throw std::runtime_error("cannot write " + current_);
  out_.clear();
  written_.push_back(current_);
  current_.clear();
}

std::vector<std::string> DirectorySink::finish() {
  close_current();
  return written_;
}

std::vector<std::string> write_all(const RunResults& results, const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw std::runtime_error("cannot create report directory " + dir + ": " + error.message());

  std::vector<std::unique_ptr<Reporter>> reporters;
  reporters.push_back(std::make_unique<JsonReporter>());
  reporters.push_back(std::make_unique<JunitReporter>());
  reporters.push_back(std::make_unique<MarkdownReporter>());
  std::vector<std::unique_ptr<MultiFileReporter>> multi_file_reporters;
  multi_file_reporters.push_back(std::make_unique<HtmlReporter>());

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
  for (const auto& reporter : multi_file_reporters) {
    DirectorySink sink(dir);
    reporter->report(results, sink);
    sink.finish();
    written.push_back((std::filesystem::path(dir) / reporter->file_name()).string());
  }
  return written;
}

}  // namespace midstream::reports
