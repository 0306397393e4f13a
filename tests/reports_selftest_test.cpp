// `midstream selftest`'s output from what it measured (SelftestReporter): the clean line, the
// misses, the defect table, the last line, and selftest.json's keys in order.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "reports/selftest_reporter.h"

namespace midstream::reports {
namespace {

SelftestResults measured() {
  SelftestResults results;
  results.clean = {174, 12970.4, {{"3.1.1", Verdict::Fail, "text.exact failed"}}};
  std::vector<std::string> nine;
  for (int i = 1; i <= 9; ++i) nine.push_back("3.1." + std::to_string(i));
  results.defects = {{"resend-partial", "LiteLLM #1", nine}, {"never-caught", "nowhere", {}}};
  return results;
}

TEST(ReportsSelftest, PrintsTheTableAsItGoes) {
  const SelftestResults results = measured();
  std::ostringstream out, progress;
  SelftestReporter reporter(out, progress);
  reporter.start(174, 2.5, "--time-scale");
  reporter.on_clean(results.clean);
  for (const SelftestDefect& defect : results.defects) {
    reporter.on_defect_start(defect.name);
    reporter.on_defect(defect);
  }
  reporter.finish(results);
  EXPECT_EQ(progress.str(),
            "selftest: 174 scenarios, clean reference router, time scale x2.5 (--time-scale)...\n"
            "selftest: defect resend-partial...\n"
            "selftest: defect never-caught...\n");
  EXPECT_EQ(out.str(),
            "clean reference router: 173/174 PASS in 12.97 s\n"
            "  not PASS: 3.1.1 FAIL (text.exact failed)\n"
            "\n"
            "defect                        caught by\n"
            "resend-partial                3.1.1 3.1.2 3.1.3 3.1.4 3.1.5 3.1.6 3.1.7 3.1.8 ... (9 in all)\n"
            "never-caught                  NOT CAUGHT\n"
            "\n"
            "defects caught: 1/2\n");
  EXPECT_EQ(results.caught(), 1u);
  EXPECT_FALSE(results.ok());
}

TEST(ReportsSelftest, OkOnlyWhenCleanAndEveryDefectCaught) {
  SelftestResults results = measured();
  results.defects.pop_back();
  EXPECT_FALSE(results.ok());
  results.clean.not_pass.clear();
  EXPECT_TRUE(results.ok());
}

TEST(ReportsSelftest, JsonKeysInOrder) {
  const auto dir = std::filesystem::temp_directory_path() / ("midstream-selftest-" + std::to_string(::getpid()));
  const std::string path = write_selftest_json(measured(), (dir / "nested").string());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), R"json({
  "clean": {
    "scenarios": 174,
    "not_pass": [
      "3.1.1 FAIL (text.exact failed)"
    ],
    "wall_ms": 12970.4
  },
  "defects": {
    "resend-partial": {
      "reproduces": "LiteLLM #1",
      "caught_by": [
        "3.1.1",
        "3.1.2",
        "3.1.3",
        "3.1.4",
        "3.1.5",
        "3.1.6",
        "3.1.7",
        "3.1.8",
        "3.1.9"
      ]
    },
    "never-caught": {
      "reproduces": "nowhere",
      "caught_by": []
    }
  },
  "defects_caught": 1,
  "defects_total": 2
}
)json");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace midstream::reports
