// scorecard.md: one column per target in RunResults order, glyphs, summaries, totals, escaping.
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/format.h"
#include "reports/reporter.h"

namespace midstream::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ScenarioResult result(const std::string& id, const std::string& target, Verdict verdict, double ms) {
  ScenarioResult r;
  r.scenario = id;
  r.title = "case " + id;
  r.category = id.substr(0, id.find('.'));
  r.file = "scenarios/" + r.category + (r.category == "3" ? "-mid-stream/" : "-other/") + id + ".json";
  r.target = target;
  r.front = "chat";
  r.upstreams = {"openai-chat"};
  r.verdict = verdict;
  r.reason = verdict == Verdict::Pass ? "every check held" : "text.exact failed";
  r.duration_ms = ms;
  return r;
}

AttemptRecord attempt(const std::string& provider, int index, bool continuation = false) {
  AttemptRecord a;
  a.provider = provider;
  a.dialect = "openai-chat";
  a.index = index;
  a.outcome = "completed";
  a.continuation = continuation;
  return a;
}

RunResults two_targets() {
  RunResults run;
  run.tool_version = "1.2.3";
  run.started_at = "2024-05-01T12:00:00Z";
  run.seed = 7;
  // "zeta" is listed first: the columns follow RunResults::targets, not the alphabet.
  run.targets = {{"zeta", "router under test", {"resend-partial"}}, {"alpha", "reference", {}}};
  auto fallback = result("3.1.1", "zeta", Verdict::Fail, 41.4);
  fallback.attempts = {attempt("primary", 1), attempt("primary", 2), attempt("backup", 1, true)};
  fallback.checks = {{"text.exact", Severity::Must, false, "Hello world", "Hello Hello | world", "seam"},
                     {"usage.exact", Severity::Should, true, "1", "1", ""}};
  run.results.push_back(fallback);
  run.results.push_back(result("3.1.1", "alpha", Verdict::Pass, 2));
  run.results.push_back(result("1.2", "alpha", Verdict::Safe, 0.2));
  run.results.push_back(result("3.10.1", "zeta", Verdict::Error, 12000));
  run.results.push_back(result("3.2.1", "zeta", Verdict::NonStrict, 5));
  return run;
}

std::string render(const RunResults& run) {
  std::ostringstream out;
  MarkdownReporter(out).finish(run);
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string line_starting(const std::string& text, const std::string& prefix) {
  for (const std::string& line : lines_of(text))
    if (line.rfind(prefix, 0) == 0) return line;
  return "";
}

TEST(ReportsMarkdown, FileName) { EXPECT_STREQ(MarkdownReporter::kFileName, "scorecard.md"); }

TEST(ReportsMarkdown, OneColumnPerTargetInRunOrder) {
  const std::string md = render(two_targets());
  EXPECT_EQ(line_starting(md, "| id |"), "| id | scenario | zeta | alpha |");
  EXPECT_THAT(md, HasSubstr("## 3 \u00B7 mid-stream"));  // category named after its folder
  EXPECT_THAT(md, HasSubstr("## 1 \u00B7 other\n"));
}

TEST(ReportsMarkdown, CellsHaveGlyphAndAttemptSummary) {
  const std::string md = render(two_targets());
  EXPECT_EQ(line_starting(md, "| 3.1.1 |"),
            "| 3.1.1 | case 3.1.1 | \u274C 3 attempts \u00B7 retry, fallback, continued \u00B7 41 ms | "
            "\u2705 no upstream request \u00B7 2 ms |");
  // A scenario not run against a target is a dash; sub-millisecond and long durations read well.
  EXPECT_EQ(line_starting(md, "| 1.2 |"), "| 1.2 | case 1.2 | \u2014 | \U0001F6E1\uFE0F no upstream request \u00B7 0.2 ms |");
  EXPECT_THAT(line_starting(md, "| 3.10.1 |"), HasSubstr("\U0001F4A5 no upstream request \u00B7 12.00 s"));
  EXPECT_THAT(line_starting(md, "| 3.2.1 |"), HasSubstr("\U0001F7E1"));
}

TEST(ReportsMarkdown, RowsInNumericIdOrder) {
  const std::string md = render(two_targets());
  EXPECT_LT(md.find("| 1.2 |"), md.find("| 3.1.1 |"));
  EXPECT_LT(md.find("| 3.1.1 |"), md.find("| 3.2.1 |"));
  EXPECT_LT(md.find("| 3.2.1 |"), md.find("| 3.10.1 |"));
}

TEST(ReportsMarkdown, TotalsPerTarget) {
  const std::string md = render(two_targets());
  // PASS, NON-STRICT, SAFE, UNSUPPORTED, FAIL, ERROR, total.
  EXPECT_EQ(line_starting(md, "| **zeta** |"),
            "| **zeta** | router under test | resend-partial | 0 | **1** | 0 | 0 | **1** | **1** | 3 |");
  EXPECT_EQ(line_starting(md, "| **alpha** |"), "| **alpha** | reference | \u2014 | **1** | 0 | **1** | 0 | 0 | 0 | 2 |");
  EXPECT_THAT(md, HasSubstr("**4 scenarios** against **2 targets**"));
}

TEST(ReportsMarkdown, NotPassSectionAndLegend) {
  const std::string md = render(two_targets());
  EXPECT_THAT(md, HasSubstr("### \u274C FAIL 3.1.1 on zeta: case 3.1.1"));
  EXPECT_THAT(md, HasSubstr("- **text.exact** (MUST)  \n  expected: Hello world  \n  actual: Hello Hello \\| world"));
  EXPECT_THAT(md, Not(HasSubstr("usage.exact")));  // passed checks are not repeated
  EXPECT_THAT(md, Not(HasSubstr("PASS 3.1.1 on alpha")));
  for (Verdict verdict : kAllVerdicts)
    EXPECT_THAT(md, HasSubstr(std::string("- ") + verdict_glyph(verdict) + " **" + to_string(verdict) + "**: "));
}

TEST(ReportsMarkdown, WireTextCannotBreakTheTable) {
  RunResults run;
  run.targets = {{"t|x", "", {}}};
  auto r = result("1.1", "t|x", Verdict::Fail, 1);
  r.title = "a | b\nc <img src=x onerror=alert(1)> [link](http://x) *bold* bad\xff";
  run.results.push_back(r);
  const std::string md = render(run);
  EXPECT_THAT(md, HasSubstr("| 1.1 | a \\| b c \\<img src=x onerror=alert(1)\\> \\[link\\](http://x) \\*bold\\* bad\uFFFD |"));
  EXPECT_THAT(md, HasSubstr("| id | scenario | t\\|x |"));
  for (std::size_t at = md.find('<'); at != std::string::npos; at = md.find('<', at + 1))
    EXPECT_EQ(md[at - 1], '\\') << "an unescaped < at " << at;
}

TEST(ReportsMarkdown, EmptyRun) {
  const std::string md = render(RunResults{});
  EXPECT_THAT(md, HasSubstr("**0 scenarios** against **0 targets**"));
  EXPECT_THAT(md, HasSubstr("## Legend"));
}

TEST(ReportsFormat, IdOrderIsNumeric) {
  EXPECT_TRUE(id_less("2.9.3", "2.10.1"));
  EXPECT_FALSE(id_less("2.10.1", "2.9.3"));
  EXPECT_TRUE(id_less("2", "2.1"));
  EXPECT_TRUE(id_less("9", "10"));
  EXPECT_FALSE(id_less("3.1", "3.1"));
  EXPECT_TRUE(id_less("a", "b"));
}

TEST(ReportsFormat, PrintableMakesWireBytesSafe) {
  using namespace std::string_literals;
  EXPECT_EQ(printable("ok\xff\xc3"s), "ok\uFFFD\uFFFD");
  EXPECT_EQ(printable("nul\0esc\x1b"s), "nul\u2400esc\u241B");
  EXPECT_EQ(printable("line\r\nlone\r"), "line\r\nlone\u240D");
  EXPECT_EQ(printable("caf\xc3\xa9 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_EQ(printable("\xed\xa0\x80"), "\uFFFD\uFFFD\uFFFD");  // a surrogate is not UTF-8
  EXPECT_EQ(one_line("a\nb\tc", 10), "a b c");
  EXPECT_EQ(markdown_inline("retry_after_ms _em_ a_ *b*", 80), "retry_after_ms \\_em\\_ a\\_ \\*b\\*");
  EXPECT_EQ(one_line("\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9\u2026");
}

}  // namespace
}  // namespace midstream::reports
