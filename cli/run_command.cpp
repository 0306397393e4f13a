// `midstream run` and `midstream list`: the catalogue against a target, with live progress.
#include <fnmatch.h>
#include <unistd.h>

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/args.h"
#include "cli/commands.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "reports/reporter.h"
#include "router/defects.h"

namespace midstream::cli {
namespace {

constexpr const char* kRunHelp = R"(usage: midstream run [PATHS...] [options]

Runs scenarios against a router and grades each one PASS, NON-STRICT, SAFE, UNSUPPORTED, FAIL
or ERROR. PATHS are scenario files or directories (default: the catalogue in scenarios/).
Writes results.json (schema midstream.report.v1), junit.xml, scorecard.md and a static HTML
report (index.html with a page per case under cases/) into --out. Exits 0 only when nothing is
FAIL or ERROR.

options:
  --filter GLOB     only scenarios whose id or file name matches (e.g. '1.*', '*reset*')
  --jobs N          scenarios run at once (default: 4)
  --out DIR         where the reports go (default: midstream-report)
  --target NAME     the router under test (default: embedded, the reference router in-process)
  --defect NAME     turn on a defect switch of the reference router (repeatable; see
                    `midstream defects`), to see which scenarios catch it
  --seed N          seed for the router's jitter (default: 1)
  --verbose         print every failed check of every non-PASS result

examples:
  midstream run                                  # whole catalogue, embedded reference router
  midstream run scenarios/3-midstream --jobs 8   # one category
  midstream run --filter '3.1.*' --defect resend-partial
)";

constexpr const char* kListHelp = R"(usage: midstream list [PATHS...] [--filter GLOB]

Lists scenarios (default: the catalogue in scenarios/) with id, front, stream mode, upstream
dialects and title. A scenario file that does not load is reported with its path, the JSON
pointer and what was expected, and the command exits 2.
)";

std::vector<harness::Scenario> load_selected(Args& args) {
  auto filter = args.value("--filter");
  auto paths = args.positionals();
  if (paths.empty()) paths.push_back(MIDSTREAM_SCENARIO_DIR);
  std::vector<harness::Scenario> scenarios;
  for (const auto& file : harness::find_scenario_files(paths)) {
    auto scenario = harness::load_scenario(file);
    if (filter && fnmatch(filter->c_str(), scenario.id.c_str(), 0) != 0 &&
        fnmatch(filter->c_str(), file.c_str(), 0) != 0 &&
        fnmatch(("*" + *filter + "*").c_str(), file.c_str(), 0) != 0)
      continue;
    scenarios.push_back(std::move(scenario));
  }
  return scenarios;
}

std::string one_line(const std::string& text, size_t max) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  return out;
}

void print_failures(const reports::ScenarioResult& r, bool verbose) {
  std::cout << "  " << std::left << std::setw(11) << reports::to_string(r.verdict) << r.scenario
            << "  " << r.title << "\n      " << r.reason << "\n";
  int shown = 0;
  for (const auto& c : r.checks) {
    if (c.passed) continue;
    if (!verbose && shown == 2) {
      std::cout << "      (more failed checks in results.json; --verbose shows all)\n";
      break;
    }
    ++shown;
    std::cout << "      " << c.id << " (" << reports::to_string(c.severity) << ")\n"
              << "        expected: " << one_line(c.expected, 300) << "\n"
              << "        actual:   " << one_line(c.actual, 300) << "\n";
  }
}

}  // namespace

int run_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << kRunHelp;
    return 0;
  }
  harness::RunOptions options;
  options.jobs = static_cast<int>(args.integer("--jobs", 4, 1, 256));
  options.seed = static_cast<uint64_t>(args.integer("--seed", 1, 0, 1L << 62));
  const std::string out_dir = args.value("--out").value_or("midstream-report");
  const std::string target_name = args.value("--target").value_or("embedded");
  const auto defects = args.values("--defect");
  const bool verbose = args.flag("--verbose");
  for (const auto& d : defects)
    if (!router::is_known_defect(d)) throw UsageError("unknown defect '" + d + "' (see `midstream defects`)");
  auto target = harness::make_target_factory(target_name, defects);
  auto scenarios = load_selected(args);
  if (scenarios.empty()) throw UsageError("no scenario matched");

  const bool tty = isatty(STDERR_FILENO) != 0;
  std::cerr << "midstream " << MIDSTREAM_VERSION << ": " << scenarios.size() << " scenarios against "
            << harness::describe(target()->info()) << ", " << options.jobs << " at a time\n";
  options.on_result = [tty](const reports::ScenarioResult& r, size_t done, size_t total) {
    std::ostringstream line;
    line << "[" << std::setw(3) << done << "/" << total << "] " << std::left << std::setw(11)
         << reports::to_string(r.verdict) << std::setw(8) << r.scenario << " "
         << one_line(r.title, 60) << " (" << static_cast<long>(r.duration_ms) << " ms)";
    if (tty) std::cerr << "\r\033[K" << line.str() << std::flush;
    else std::cerr << line.str() << "\n";
  };
  auto results = harness::run_scenarios(scenarios, target, options);
  if (tty) std::cerr << "\r\033[K";

  std::cout << "\n" << results.results.size() << " scenarios against " << harness::describe(results.targets.front())
            << " in " << std::fixed << std::setprecision(2) << results.wall_ms / 1000.0 << " s wall time\n";
  const auto summary = results.summary();
  for (auto verdict : {reports::Verdict::Pass, reports::Verdict::NonStrict, reports::Verdict::Safe,
                       reports::Verdict::Unsupported, reports::Verdict::Fail, reports::Verdict::Error})
    std::cout << "  " << reports::to_string(verdict) << " " << summary.at(reports::to_string(verdict));
  std::cout << "\n";
  bool header = false;
  for (const auto& r : results.results) {
    if (r.verdict == reports::Verdict::Pass) continue;
    if (!header) std::cout << "\nnot PASS:\n";
    header = true;
    print_failures(r, verbose);
  }
  auto written = reports::write_all(results, out_dir);
  std::cout << "\nreports:";
  for (const auto& path : written) std::cout << " " << path;
  std::cout << "\n";
  return results.ok() ? 0 : 1;
}

int list_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << kListHelp;
    return 0;
  }
  auto scenarios = load_selected(args);
  for (const auto& s : scenarios) {
    std::string upstreams;
    for (const auto& d : s.upstream_dialects()) upstreams += (upstreams.empty() ? "" : ",") + d;
    std::cout << std::left << std::setw(9) << s.id << std::setw(10) << s.client.front
              << std::setw(8) << (s.client.stream ? "stream" : "whole") << std::setw(36) << upstreams
              << s.title << "\n";
  }
  std::cout << scenarios.size() << " scenarios\n";
  return 0;
}

}  // namespace midstream::cli
