// `midstream selftest`'s table and selftest.json, from what the command measured.
#include "reports/selftest_reporter.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace midstream::reports {
namespace {

constexpr std::size_t kCatchersShown = 8;  // per defect row
constexpr int kDefectColumn = 30;

// "3.1.1 FAIL (why)"
std::string miss_text(const SelftestMiss& miss) {
  return miss.scenario + " " + to_string(miss.verdict) + " (" + miss.reason + ")";
}

}  // namespace

std::size_t SelftestResults::caught() const {
  return static_cast<std::size_t>(
      std::count_if(defects.begin(), defects.end(), [](const SelftestDefect& d) { return !d.caught_by.empty(); }));
}

bool SelftestResults::ok() const { return clean.not_pass.empty() && caught() == defects.size(); }

void SelftestReporter::start(std::size_t scenarios, double time_scale, const std::string& time_scale_source) {
  std::ostringstream line;
  line << "selftest: " << scenarios << " scenarios, clean reference router, time scale x" << time_scale << " ("
       << time_scale_source << ")...\n";
  progress_ << line.str();
}

void SelftestReporter::on_clean(const SelftestClean& clean) {
  std::ostringstream text;
  text << "clean reference router: " << clean.scenarios - clean.not_pass.size() << "/" << clean.scenarios
       << " PASS in " << std::fixed << std::setprecision(2) << clean.wall_ms / 1000.0 << " s\n";
  for (const SelftestMiss& miss : clean.not_pass) text << "  not PASS: " << miss_text(miss) << "\n";
  text << "\n" << std::left << std::setw(kDefectColumn) << "defect" << "caught by\n";
  out_ << text.str() << std::flush;
}

void SelftestReporter::on_defect_start(const std::string& name) { progress_ << "selftest: defect " << name << "...\n"; }

void SelftestReporter::on_defect(const SelftestDefect& defect) {
  const auto& caught_by = defect.caught_by;
  std::string list;
  for (std::size_t i = 0; i < caught_by.size() && i < kCatchersShown; ++i) list += (i ? " " : "") + caught_by[i];
  if (caught_by.size() > kCatchersShown) list += " ... (" + std::to_string(caught_by.size()) + " in all)";
  std::ostringstream row;
  row << std::left << std::setw(kDefectColumn) << defect.name << (caught_by.empty() ? "NOT CAUGHT" : list) << "\n";
  out_ << row.str() << std::flush;
}

void SelftestReporter::finish(const SelftestResults& results) {
  out_ << "\ndefects caught: " << results.caught() << "/" << results.defects.size() << "\n" << std::flush;
}

nlohmann::ordered_json selftest_json(const SelftestResults& results) {
  std::vector<std::string> not_pass;
  for (const SelftestMiss& miss : results.clean.not_pass) not_pass.push_back(miss_text(miss));
  nlohmann::ordered_json report;
  report["clean"] = {{"scenarios", results.clean.scenarios}, {"not_pass", not_pass}, {"wall_ms", results.clean.wall_ms}};
  for (const SelftestDefect& defect : results.defects)
    report["defects"][defect.name] = {{"reproduces", defect.reproduces}, {"caught_by", defect.caught_by}};
  report["defects_caught"] = results.caught();
  report["defects_total"] = results.defects.size();
  return report;
}

std::string write_selftest_json(const SelftestResults& results, const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw std::runtime_error("cannot create " + dir + ": " + error.message());
  const std::string path = (std::filesystem::path(dir) / "selftest.json").string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot open " + path + " for writing");
  // A reason quotes wire bytes, which need not be UTF-8: replace rather than throw.
  out << selftest_json(results).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
  return path;
}

}  // namespace midstream::reports
