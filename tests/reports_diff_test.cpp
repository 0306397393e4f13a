// diff_runs: regressions, fixes, added, removed and duration changes; and how they are written.
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/diff.h"

namespace midstream::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ScenarioResult result(const std::string& id, Verdict verdict, double ms, const std::string& target = "embedded") {
  ScenarioResult r;
  r.scenario = id;
  r.title = "case " + id;
  r.target = target;
  r.verdict = verdict;
  r.reason = std::string("reason ") + to_string(verdict);
  r.duration_ms = ms;
  return r;
}

RunResults run_of(std::vector<ScenarioResult> results) {
  RunResults run;
  run.targets = {{"embedded", "", {}}};
  run.results = std::move(results);
  return run;
}

std::vector<std::string> ids(const std::vector<ResultChange>& changes) {
  std::vector<std::string> out;
  for (const auto& change : changes) out.push_back(change.scenario + "@" + change.target);
  return out;
}

std::vector<std::string> ids(const std::vector<ResultPresence>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(item.scenario + "@" + item.target);
  return out;
}

TEST(ReportsDiff, ClassifiesEveryKindOfChange) {
  const RunResults before = run_of({
      result("1.1", Verdict::Pass, 10),
      result("1.2", Verdict::Fail, 10),
      result("1.3", Verdict::Pass, 10),
      result("1.4", Verdict::Safe, 10),
      result("2.10", Verdict::Pass, 10),
      result("2.9", Verdict::NonStrict, 10),
      result("3.1", Verdict::Pass, 10),
      result("3.1", Verdict::Pass, 10, "process"),
  });
  const RunResults after = run_of({
      result("1.1", Verdict::Fail, 10),          // regression
      result("1.2", Verdict::Pass, 10),          // fix
      result("1.3", Verdict::Pass, 10),          // unchanged
      result("1.4", Verdict::Unsupported, 10),   // SAFE -> UNSUPPORTED is worse in Verdict order
      result("2.10", Verdict::Error, 10),        // regression
      result("2.9", Verdict::Pass, 10),          // fix
      result("3.1", Verdict::Pass, 10),          // unchanged; 3.1@process removed
      result("4.1", Verdict::Fail, 10),          // added
  });
  const RunDiff diff = diff_runs(before, after);
  EXPECT_EQ(ids(diff.regressions), (std::vector<std::string>{"1.1@embedded", "1.4@embedded", "2.10@embedded"}));
  EXPECT_EQ(ids(diff.fixes), (std::vector<std::string>{"1.2@embedded", "2.9@embedded"}));
  EXPECT_EQ(ids(diff.added), (std::vector<std::string>{"4.1@embedded"}));
  EXPECT_EQ(ids(diff.removed), (std::vector<std::string>{"3.1@process"}));
  EXPECT_TRUE(diff.duration_changes.empty());
  EXPECT_EQ(diff.unchanged, 2);
  EXPECT_EQ(diff.before_count, 8u);
  EXPECT_EQ(diff.after_count, 8u);
  EXPECT_TRUE(diff.has_regression());
  EXPECT_EQ(diff.regressions[0].before, Verdict::Pass);
  EXPECT_EQ(diff.regressions[0].after, Verdict::Fail);
  EXPECT_EQ(diff.regressions[0].reason, "reason FAIL");
}

TEST(ReportsDiff, EveryVerdictStepIsOrdered) {
  for (int a = 0; a < 6; ++a) {
    for (int b = 0; b < 6; ++b) {
      const RunDiff diff = diff_runs(run_of({result("1.1", static_cast<Verdict>(a), 1)}),
                                     run_of({result("1.1", static_cast<Verdict>(b), 1)}));
      EXPECT_EQ(diff.regressions.size(), b > a ? 1u : 0u) << a << "->" << b;
      EXPECT_EQ(diff.fixes.size(), b < a ? 1u : 0u) << a << "->" << b;
      EXPECT_EQ(diff.unchanged, a == b ? 1 : 0);
    }
  }
}

TEST(ReportsDiff, DurationNeedsBothThresholds) {
  const RunResults before = run_of({
      result("1.1", Verdict::Pass, 10),    // +150 ms, +1500%: reported
      result("1.2", Verdict::Pass, 1000),  // +150 ms, +15%: under 50%
      result("1.3", Verdict::Pass, 10),    // +50 ms, +500%: under 100 ms
      result("1.4", Verdict::Pass, 400),   // -300 ms, -75%: reported (faster counts too)
      result("1.5", Verdict::Pass, 200),   // +100 ms, +50%: exactly at both thresholds
      result("1.6", Verdict::Pass, 0),     // from 0 to 150 ms: no ratio to compute, reported
  });
  const RunResults after = run_of({
      result("1.1", Verdict::Pass, 160),
      result("1.2", Verdict::Pass, 1150),
      result("1.3", Verdict::Pass, 60),
      result("1.4", Verdict::Pass, 100),
      result("1.5", Verdict::Pass, 300),
      result("1.6", Verdict::Pass, 150),
  });
  const RunDiff diff = diff_runs(before, after);
  EXPECT_EQ(ids(diff.duration_changes),
            (std::vector<std::string>{"1.1@embedded", "1.4@embedded", "1.5@embedded", "1.6@embedded"}));
  EXPECT_FALSE(diff.has_regression());
  EXPECT_EQ(diff.unchanged, 6);

  DiffOptions strict;
  strict.threshold_ms = 10;
  strict.threshold_ratio = 0.1;
  EXPECT_EQ(diff_runs(before, after, strict).duration_changes.size(), 6u);
}

TEST(ReportsDiff, DurationChangeText) {
  EXPECT_EQ(duration_change_text(10, 160), "+150 ms (+1500%)");
  EXPECT_EQ(duration_change_text(400, 100), "\u2212300 ms (\u221275%)");
  EXPECT_EQ(duration_change_text(0, 150), "+150 ms");
}

TEST(ReportsDiff, IdenticalRunsHaveNoChange) {
  const RunResults run = run_of({result("1.1", Verdict::Fail, 10), result("1.2", Verdict::Pass, 20)});
  const RunDiff diff = diff_runs(run, run);
  EXPECT_FALSE(diff.has_regression());
  EXPECT_TRUE(diff.fixes.empty() && diff.added.empty() && diff.removed.empty() && diff.duration_changes.empty());
  std::ostringstream md;
  write_diff_markdown(diff, md);
  EXPECT_THAT(md.str(), HasSubstr("No change."));
}

TEST(ReportsDiff, MarkdownAndHtmlListTheChanges) {
  const RunDiff diff = [] {
    RunDiff d = diff_runs(run_of({result("1.1", Verdict::Pass, 10), result("1.2", Verdict::Fail, 10),
                                  result("1.3", Verdict::Pass, 10)}),
                          run_of({result("1.1", Verdict::Fail, 500), result("1.2", Verdict::Pass, 10),
                                  result("1.4", Verdict::Pass, 10)}));
    d.before_label = "old/results.json";
    d.after_label = "new <b>|results.json";
    return d;
  }();
  std::ostringstream md;
  write_diff_markdown(diff, md);
  const std::string text = md.str();
  EXPECT_THAT(text, HasSubstr("**old/results.json** (3 results) \u2192 **new \\<b\\>\\|results.json** (3 results)"));
  EXPECT_THAT(text, HasSubstr("\u274C **1 regression** \u00B7 1 fix \u00B7 1 added \u00B7 1 removed \u00B7 "
                              "1 duration change (at least 100 ms and 50%) \u00B7 0 unchanged"));
  EXPECT_THAT(text, HasSubstr("## Regressions\n\n| id | target | scenario | before | after | why now |"));
  EXPECT_THAT(text, HasSubstr("| 1.1 | embedded | case 1.1 | \u2705 PASS | \u274C FAIL | reason FAIL |"));
  EXPECT_THAT(text, HasSubstr("## Fixes"));
  EXPECT_THAT(text, HasSubstr("## Added\n\n| id | target | scenario | verdict |\n| --- | --- | --- | --- |\n"
                              "| 1.4 | embedded | case 1.4 | \u2705 PASS |"));
  EXPECT_THAT(text, HasSubstr("## Removed"));
  EXPECT_THAT(text, HasSubstr("| 1.1 | embedded | case 1.1 | 10 ms | 500 ms | +490 ms (+4900%) |"));

  std::ostringstream page;
  write_diff_html(diff, page);
  const std::string html = page.str();
  EXPECT_THAT(html, HasSubstr("<h2>Regressions (1)</h2>"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"regression\"><td class=\"mono\">1.1</td>"));
  EXPECT_THAT(html, HasSubstr("new &lt;b&gt;|results.json"));
  EXPECT_THAT(html, Not(HasSubstr("<b>|")));
  EXPECT_THAT(html, HasSubstr("default-src 'none'"));
}

}  // namespace
}  // namespace midstream::reports
