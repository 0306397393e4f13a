// `midstream selftest`: proves the suite can fail. The catalogue must PASS against the clean
// reference router, and every defect switch must make at least one scenario FAIL.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/catalogue.h"
#include "cli/commands.h"
#include "cli/time_scale_option.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "reports/selftest_reporter.h"
#include "router/defects.h"
#include "targets/registry.h"

namespace midstream::cli {
namespace {

constexpr const char* kHelp = R"(usage: midstream selftest [PATHS...] [--jobs N] [--out DIR] [--catalogue DIR] [--time-scale X]

Runs the catalogue (PATHS, else --catalogue DIR, else the installed or source tree's scenarios/)
against the clean reference router, where every scenario must PASS, then once per defect switch
(`midstream defects`), where at least one scenario must FAIL. Prints the table defect ->
scenarios that caught it and a last line `defects caught: X/Y`; writes selftest.json into --out
(default: midstream-selftest).
Exits 1 when the clean run is not all PASS or a defect goes uncaught.

options:
%s)";

// The catalogue against the clean reference router: what did not PASS.
reports::SelftestClean clean_run(const std::vector<harness::Scenario>& scenarios, const harness::RunOptions& options) {
  const auto results = harness::run_scenarios(scenarios, targets::embedded_target(), options);
  reports::SelftestClean clean{scenarios.size(), results.wall_ms, {}};
  for (const auto& r : results.results)
    if (r.verdict != reports::Verdict::Pass) clean.not_pass.push_back({r.scenario, r.verdict, r.reason});
  return clean;
}

// The catalogue with one defect switch on: the scenarios that FAILed.
reports::SelftestDefect defect_run(const std::vector<harness::Scenario>& scenarios, const router::DefectInfo& defect,
                                   const harness::RunOptions& options) {
  reports::SelftestDefect caught{std::string(defect.name), std::string(defect.reproduces), {}};
  const auto results = harness::run_scenarios(scenarios, targets::embedded_target({caught.name}), options);
  for (const auto& r : results.results)
    if (r.verdict == reports::Verdict::Fail) caught.caught_by.push_back(r.scenario);
  return caught;
}

}  // namespace

int selftest_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::printf(kHelp, kTimeScaleHelp);
    return 0;
  }
  harness::RunOptions options;
  options.jobs = static_cast<int>(args.integer("--jobs", 8, 1, 256));
  options.time_scale = time_scale_option(args);
  const std::string out_dir = args.value("--out").value_or("midstream-selftest");
  const auto paths = scenario_paths(args);
  std::vector<harness::Scenario> scenarios;
  for (const auto& file : harness::find_scenario_files(paths)) scenarios.push_back(harness::load_scenario(file));
  if (scenarios.empty()) throw UsageError("no scenario found");

  reports::SelftestReporter reporter(std::cout, std::cerr);
  reporter.start(scenarios.size(), options.time_scale.factor, options.time_scale.source);
  reports::SelftestResults results;
  results.clean = clean_run(scenarios, options);
  reporter.on_clean(results.clean);
  for (const auto& defect : router::all_defects()) {
    reporter.on_defect_start(std::string(defect.name));
    results.defects.push_back(defect_run(scenarios, defect, options));
    reporter.on_defect(results.defects.back());
  }
  reporter.finish(results);
  reports::write_selftest_json(results, out_dir);
  return results.ok() ? 0 : 1;
}

}  // namespace midstream::cli
