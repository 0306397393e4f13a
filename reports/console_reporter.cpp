// What `midstream run` prints while it runs and when it is done (ConsoleReporter, reporter.h).
#include <algorithm>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>
#include <string>

#include "reports/format.h"
#include "reports/reporter.h"

namespace midstream::reports {
namespace {

constexpr std::size_t kFailedChecksShown = 2;  // per result, without --verbose

// Line breaks as spaces, cut to max bytes with "..." (the terminal's plain ASCII cut).
std::string single_line(const std::string& text, std::size_t max) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  return out;
}

// The wall time and, per target, how many of each verdict.
void write_totals(const RunResults& results, std::size_t scenarios, std::size_t name_width, std::ostream& out) {
  out << "\n" << scenarios << " scenarios against ";
  for (std::size_t i = 0; i < results.targets.size(); ++i) out << (i ? "; " : "") << describe_target(results.targets[i]);
  out << " in " << std::fixed << std::setprecision(2) << results.wall_ms / 1000.0 << " s wall time\n";
  for (const TargetInfo& info : results.targets) {
    std::map<Verdict, int> counts;
    for (const ScenarioResult& result : results.results)
      if (result.target == info.name) ++counts[result.verdict];
    if (results.targets.size() > 1) out << "  " << std::left << std::setw(static_cast<int>(name_width) + 1) << info.name;
    for (Verdict verdict : kAllVerdicts) out << "  " << to_string(verdict) << " " << counts[verdict];
    out << "\n";
  }
}

// A result that is not PASS: its verdict, why, and its failed checks (the first two unless verbose).
void write_not_pass(const ScenarioResult& result, bool verbose, bool with_target, std::ostream& out) {
  out << "  " << std::left << std::setw(11) << to_string(result.verdict) << result.scenario;
  if (with_target) out << "  [" << result.target << "]";
  out << "  " << result.title << "\n      " << result.reason << "\n";
  std::size_t shown = 0;
  for (const CheckResult& check : result.checks) {
    if (check.passed) continue;
    if (!verbose && shown == kFailedChecksShown) {
      out << "      (more failed checks in results.json; --verbose shows all)\n";
      break;
    }
    ++shown;
    out << "      " << check.id << " (" << to_string(check.severity) << ")\n"
        << "        expected: " << single_line(check.expected, 300) << "\n"
        << "        actual:   " << single_line(check.actual, 300) << "\n";
  }
}

}  // namespace

void ConsoleReporter::start(const RunInfo& run) {
  scenarios_ = run.scenarios;
  total_ = run.scenarios * run.targets.size();
  done_ = 0;
  name_width_ = 0;
  for (const RunInfo::Target& target : run.targets) name_width_ = std::max(name_width_, target.info.name.size());

  std::ostringstream line;
  line << "midstream " << MIDSTREAM_VERSION << ": " << run.scenarios << " scenarios";
  if (!run.shard.empty()) line << " (shard " << run.shard << ")";
  line << " against ";
  for (std::size_t i = 0; i < run.targets.size(); ++i) line << (i ? "; " : "") << describe_target(run.targets[i].info);
  line << ", " << run.jobs << " at a time";
  for (const RunInfo::Target& target : run.targets)
    if (target.max_jobs > 0 && target.max_jobs < run.jobs) line << " (" << target.info.name << ": " << target.max_jobs << ")";
  line << ", time scale x" << format_factor(run.time_scale) << " (" << run.time_scale_source << ")\n";
  progress_ << line.str();
}

void ConsoleReporter::on_result(const ScenarioResult& result) {
  ++done_;
  std::ostringstream line;
  line << "[" << std::setw(3) << done_ << "/" << total_ << "] " << std::left
       << std::setw(static_cast<int>(name_width_) + 1) << result.target << std::setw(11) << to_string(result.verdict)
       << std::setw(8) << result.scenario << " " << single_line(result.title, 60) << " ("
       << static_cast<long>(result.duration_ms) << " ms)";
  if (options_.progress_in_place) progress_ << "\r\033[K" << line.str() << std::flush;
  else progress_ << line.str() << "\n";
}

void ConsoleReporter::on_note(const TargetInfo& target, const std::string& note) {
  notes_.push_back(target.name + ": " + note);
}

void ConsoleReporter::finish(const RunResults& results) {
  if (options_.progress_in_place) progress_ << "\r\033[K";
  std::ostringstream text;
  write_totals(results, scenarios_, name_width_, text);
  for (const std::string& note : notes_) text << note << "\n";
  bool any = false;
  for (const ScenarioResult& result : results.results) {
    if (result.verdict == Verdict::Pass) continue;
    if (!any) text << "\nnot PASS:\n";
    any = true;
    write_not_pass(result, options_.verbose, results.targets.size() > 1, text);
  }
  if (any)
    text << "\nreplay one case: " << options_.replay_command << " --time-scale " << format_factor(results.time_scale)
         << "\n";
  text << "\n";
  out_ << text.str() << std::flush;
}

}  // namespace midstream::reports
