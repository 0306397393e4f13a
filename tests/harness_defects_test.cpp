// A check that cannot fail proves nothing. `midstream selftest` (the ctest test cli_selftest)
// shows every defect switch is caught by some scenario; this test shows more for one piece:
// switching off the continuation fails every scenario that relies on it, through its text.
#include <gtest/gtest.h>

#include <set>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "router/defects.h"
#include "targets/registry.h"

namespace midstream::harness {
using namespace midstream::targets;

namespace {

std::vector<Scenario> load_catalogue() {
  std::vector<Scenario> scenarios;
  for (const auto& file : find_scenario_files({MIDSTREAM_SCENARIO_DIR})) scenarios.push_back(load_scenario(file));
  return scenarios;
}

reports::RunResults run_with(const std::vector<Scenario>& scenarios, const std::string& defect) {
  RunOptions options;
  options.jobs = 4;
  return run_scenarios(scenarios, embedded_target({defect}), options);
}

// The continuation switched off (the partial text sent again with a fresh request): every
// scenario that expects a continuation must FAIL, because its client text repeats.
TEST(DefectSwitch, ContinuationOffFailsEveryScenarioThatReliesOnIt) {
  std::vector<Scenario> relying;
  for (auto& s : load_catalogue())
    if (!s.expect.continuation.empty()) relying.push_back(std::move(s));
  ASSERT_FALSE(relying.empty());
  const auto results = run_with(relying, std::string(router::defect::kResendPartial));
  for (const auto& r : results.results) {
    EXPECT_EQ(r.verdict, reports::Verdict::Fail) << r.scenario << " " << r.title;
    bool text_failed = false;
    for (const auto& c : r.checks) text_failed |= (c.id == "text.exact" || c.id == "continuation.carries_partial") && !c.passed;
    EXPECT_TRUE(text_failed) << r.scenario << ": the text or continuation check must be what fails";
  }
}

}  // namespace
}  // namespace midstream::harness
