// `midstream selftest`: proves the suite can fail. The catalogue must PASS against the clean
// reference router, and every defect switch must make at least one scenario FAIL.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/catalogue.h"
#include "cli/commands.h"
#include "cli/time_scale_option.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "targets/registry.h"
#include "router/defects.h"

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

  nlohmann::ordered_json report;
  std::cerr << "selftest: " << scenarios.size() << " scenarios, clean reference router, time scale x"
            << options.time_scale.factor << " (" << options.time_scale.source << ")...\n";
  auto clean = harness::run_scenarios(scenarios, targets::embedded_target(), options);
  std::vector<std::string> not_pass;
  for (const auto& r : clean.results)
    if (r.verdict != reports::Verdict::Pass)
      not_pass.push_back(r.scenario + " " + reports::to_string(r.verdict) + " (" + r.reason + ")");
  report["clean"] = {{"scenarios", scenarios.size()}, {"not_pass", not_pass}, {"wall_ms", clean.wall_ms}};
  std::cout << "clean reference router: " << scenarios.size() - not_pass.size() << "/" << scenarios.size()
            << " PASS in " << std::fixed << std::setprecision(2) << clean.wall_ms / 1000.0 << " s\n";
  for (const auto& line : not_pass) std::cout << "  not PASS: " << line << "\n";

  size_t caught = 0;
  const auto& defects = router::all_defects();
  std::cout << "\n" << std::left << std::setw(30) << "defect" << "caught by\n";
  for (const auto& defect : defects) {
    const std::string name(defect.name);
    std::cerr << "selftest: defect " << name << "...\n";
    auto results = harness::run_scenarios(scenarios, targets::embedded_target({name}), options);
    std::vector<std::string> failed;
    for (const auto& r : results.results)
      if (r.verdict == reports::Verdict::Fail) failed.push_back(r.scenario);
    report["defects"][name] = {{"reproduces", std::string(defect.reproduces)}, {"caught_by", failed}};
    if (!failed.empty()) ++caught;
    std::string list;
    for (size_t i = 0; i < failed.size() && i < 8; ++i) list += (i ? " " : "") + failed[i];
    if (failed.size() > 8) list += " ... (" + std::to_string(failed.size()) + " in all)";
    std::cout << std::setw(30) << name << (failed.empty() ? "NOT CAUGHT" : list) << "\n";
  }
  std::cout << "\ndefects caught: " << caught << "/" << defects.size() << "\n";
  report["defects_caught"] = caught;
  report["defects_total"] = defects.size();
  std::filesystem::create_directories(out_dir);
  std::ofstream(out_dir + "/selftest.json") << report.dump(2) << "\n";
  return not_pass.empty() && caught == defects.size() ? 0 : 1;
}

}  // namespace midstream::cli
