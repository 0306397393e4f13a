// SAFE end to end: catalogue scenarios made to accept a clean error (safe_ok), run against the
// reference router with a defect. One that gives up after content with a clean in-band error
// grades SAFE on both fronts; one that ends the truncated stream cleanly grades FAIL.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/runner.h"
#include "result_helpers.h"
#include "router/defects.h"
#include "scenario_helpers.h"
#include "targets/registry.h"

namespace midstream::harness {
namespace {

using testing_helpers::describe;
using testing_helpers::scenario_by_id;

// A TCP reset after 5 deltas at the primary, on the chat front and on the Responses front.
std::vector<Scenario> mid_stream_resets_accepting_an_error() {
  std::vector<Scenario> scenarios{scenario_by_id("7.1.6"), scenario_by_id("7.4.6")};
  for (auto& s : scenarios) s.expect.safe_ok = true;
  return scenarios;
}

reports::RunResults run_with(std::string_view defect) {
  RunOptions options;
  options.jobs = 2;
  return run_scenarios(mid_stream_resets_accepting_an_error(),
                       targets::embedded_target({std::string(defect)}), options);
}

TEST(SafeVerdict, ACleanInBandErrorAfterContentIsSafe) {
  const auto results = run_with(router::defect::kNoRetryOnceOpen);
  ASSERT_EQ(results.results.size(), 2u);
  for (const auto& r : results.results) {
    EXPECT_EQ(r.verdict, reports::Verdict::Safe) << describe(r);
    const auto* finish = testing_helpers::find_check(r, "finish.single");
    ASSERT_NE(finish, nullptr) << describe(r);
    EXPECT_TRUE(finish->passed) << describe(r);
  }
}

TEST(SafeVerdict, ASilentTruncationIsStillFail) {
  const auto results = run_with(router::defect::kCleanCloseAfterDrop);
  ASSERT_EQ(results.results.size(), 2u);
  for (const auto& r : results.results) {
    EXPECT_EQ(r.verdict, reports::Verdict::Fail) << describe(r);
    EXPECT_EQ(r.reason, "a truncated answer was presented as complete") << describe(r);
  }
}

}  // namespace
}  // namespace midstream::harness
