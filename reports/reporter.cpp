// DirectoryReporter and write_all: every format in one output directory, through a DirectorySink.
#include <filesystem>
#include <fstream>
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

void DirectoryReporter::finish(const RunResults& results) {
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error) throw std::runtime_error("cannot create report directory " + dir_ + ": " + error.message());
  DirectorySink sink(dir_);
  JsonReporter(sink.open(JsonReporter::kFileName)).finish(results);
  JunitReporter(sink.open(JunitReporter::kFileName)).finish(results);
  MarkdownReporter(sink.open(MarkdownReporter::kFileName)).finish(results);
  HtmlReporter(sink).finish(results);
  sink.finish();
  written_.clear();
  for (const char* name : {JsonReporter::kFileName, JunitReporter::kFileName, MarkdownReporter::kFileName,
                           HtmlReporter::kFileName})
    written_.push_back((std::filesystem::path(dir_) / name).string());
  if (listing_ == nullptr) return;
  *listing_ << "reports:";
  for (const auto& path : written_) *listing_ << " " << path;
  *listing_ << "\n";
}

std::vector<std::string> write_all(const RunResults& results, const std::string& dir) {
  DirectoryReporter reporter(dir);
  reporter.finish(results);
  return reporter.written();
}

}  // namespace midstream::reports
