// The GoogleTest binding of the catalogue: every scenario file is one test, run against the
// embedded reference router in the machine's time scale (harness/time_scale.h), and must PASS.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "harness/time_scale.h"
#include "targets/registry.h"

namespace midstream::harness {
using namespace midstream::targets;

namespace {

std::vector<std::string> catalogue() {
  return find_scenario_files({MIDSTREAM_SCENARIO_DIR});
}

std::string test_name(const testing::TestParamInfo<std::string>& info) {
  std::string name = "s" + std::filesystem::path(info.param).stem().string();
  std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return name;
}

class Catalogue : public testing::TestWithParam<std::string> {};

TEST_P(Catalogue, PassesAgainstTheReferenceRouter) {
  const Scenario scenario = load_scenario(GetParam());
  static const TimeScale scale = resolve_time_scale();
  const auto result = run_scenario(scenario, embedded_target(), scale);
  std::string failed;
  for (const auto& check : result.checks)
    if (!check.passed)
      failed += "\n  " + check.id + " (" + reports::to_string(check.severity) + ")\n    expected: " +
                check.expected + "\n    actual:   " + check.actual;
  EXPECT_EQ(result.verdict, reports::Verdict::Pass)
      << scenario.id << " " << scenario.title << ": " << reports::to_string(result.verdict) << " ("
      << result.reason << ")" << failed << "\n  time scale x" << scale.factor << " (" << scale.source << ")";
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Catalogue, testing::ValuesIn(catalogue()), test_name);

}  // namespace
}  // namespace midstream::harness
