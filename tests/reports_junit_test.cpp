// JUnit XML: suites per category, counts, escaping, failure text; write_all.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/reporter.h"
#include "reports/results.h"

namespace midstream::reports {
namespace {

using namespace std::string_literals;
using ::testing::HasSubstr;
using ::testing::Not;

ScenarioResult make_result(std::string id, std::string category, Verdict verdict, std::string reason = "") {
  ScenarioResult result;
  result.scenario = std::move(id);
  result.title = "title of " + result.scenario;
  result.category = std::move(category);
  result.target = "embedded";
  result.verdict = verdict;
  result.reason = std::move(reason);
  result.duration_ms = 1500;
  return result;
}

RunResults sample_results() {
  RunResults run;
  run.started_at = "2024-05-01T12:00:00Z";
  run.wall_ms = 4250;

  ScenarioResult failed = make_result("2.3.1", "2 mid-stream fallback", Verdict::Fail, "text.exact failed");
  failed.checks = {{"text.exact", Severity::Must, false, "\"Hello world\"", "\"Hello Hello world\"", ""},
                   {"usage.exact", Severity::Should, false, "19", "12", "failed attempt dropped"},
                   {"preamble.once", Severity::Must, true, "1", "1", ""}};
  ScenarioResult errored = make_result("2.1", "2 mid-stream fallback", Verdict::Error, "fault never fired");
  ScenarioResult non_strict = make_result("1.2", "1 basics", Verdict::NonStrict, "a SHOULD failed");
  non_strict.checks = {{"retry_after.honoured", Severity::Should, false, ">= 1000 ms", "20 ms", ""}};
  ScenarioResult safe = make_result("1.3", "1 basics", Verdict::Safe, "clean 502");
  ScenarioResult skipped = make_result("3.1", "3 bridging", Verdict::Unsupported, "no responses front");
  ScenarioResult passed = make_result("1.1", "1 basics", Verdict::Pass);
  run.results = {failed, non_strict, errored, safe, skipped, passed};
  return run;
}

std::string junit_text(const RunResults& results) {
  std::ostringstream out;
  JunitReporter(out).finish(results);
  return out.str();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

std::filesystem::path temp_dir(const std::string& name) {
  std::random_device random;
  return std::filesystem::temp_directory_path() /
         ("midstream_reports_" + name + "_" + std::to_string(random()));
}

TEST(ReportsJunit, HeaderAndTotals) {
  const std::string xml = junit_text(sample_results());
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"midstream\" tests=\"6\" failures=\"1\" errors=\"1\" "
                             "skipped=\"1\" time=\"4.250\">"));
  EXPECT_EQ(xml.substr(xml.size() - 14), "</testsuites>\n");
}

TEST(ReportsJunit, OneSuitePerCategorySorted) {
  const std::string xml = junit_text(sample_results());
  EXPECT_EQ(count_of(xml, "<testsuite "), 3u);
  EXPECT_EQ(count_of(xml, "<testcase "), 6u);
  const auto basics = xml.find("<testsuite name=\"1 basics\" tests=\"3\" failures=\"0\" errors=\"0\" "
                               "skipped=\"0\" time=\"4.500\"");
  const auto fallback = xml.find("<testsuite name=\"2 mid-stream fallback\" tests=\"2\" failures=\"1\" "
                                 "errors=\"1\" skipped=\"0\" time=\"3.000\"");
  const auto bridging = xml.find("<testsuite name=\"3 bridging\" tests=\"1\" failures=\"0\" errors=\"0\" "
                                 "skipped=\"1\"");
  ASSERT_NE(basics, std::string::npos) << xml;
  ASSERT_NE(fallback, std::string::npos) << xml;
  ASSERT_NE(bridging, std::string::npos) << xml;
  EXPECT_LT(basics, fallback);
  EXPECT_LT(fallback, bridging);
  // Each testcase sits in its category's suite.
  const auto case_2_3_1 = xml.find("name=\"2.3.1 title of 2.3.1 [embedded]\"");
  EXPECT_GT(case_2_3_1, fallback);
  EXPECT_LT(case_2_3_1, bridging);
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"midstream.1 basics\" name=\"1.1 title of 1.1 [embedded]\" "
                             "time=\"1.500\"/>"));
}

TEST(ReportsJunit, FailureCarriesExpectedAndActual) {
  const std::string xml = junit_text(sample_results());
  EXPECT_THAT(xml, HasSubstr("<failure message=\"text.exact failed\" type=\"FAIL\">"));
  EXPECT_THAT(xml, HasSubstr("text.exact (MUST): expected &quot;Hello world&quot; ; actual &quot;Hello Hello "
                             "world&quot;\n"));
  EXPECT_THAT(xml, HasSubstr("usage.exact (SHOULD): expected 19 ; actual 12 ; note: failed attempt dropped\n"));
  EXPECT_THAT(xml, Not(HasSubstr("preamble.once")));  // passed checks are not listed
  EXPECT_EQ(count_of(xml, "<failure "), 1u);
}

TEST(ReportsJunit, ErrorSkippedAndPassingGrades) {
  const std::string xml = junit_text(sample_results());
  EXPECT_THAT(xml, HasSubstr("<error message=\"fault never fired\" type=\"ERROR\">"));
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"no responses front\"/>"));
  EXPECT_THAT(xml, HasSubstr("<system-out>NON-STRICT: a SHOULD failed\n"
                             "retry_after.honoured (SHOULD): expected &gt;= 1000 ms ; actual 20 ms\n"
                             "</system-out>"));
  EXPECT_THAT(xml, HasSubstr("<system-out>SAFE: clean 502\n</system-out>"));
  EXPECT_EQ(count_of(xml, "<error "), 1u);
  EXPECT_EQ(count_of(xml, "<skipped "), 1u);
  EXPECT_EQ(count_of(xml, "<system-out>"), 2u);
}

TEST(ReportsJunit, EscapesMarkupEverywhere) {
  RunResults run;
  ScenarioResult result = make_result("4.1", "4 <&\"'>", Verdict::Fail, "reason <&\"'>");
  result.title = "title <&\"'>";
  result.target = "t<&>";
  result.checks = {{"id<&\"'>", Severity::Must, false, "<&\"'>", "]]>", ""}};
  run.results = {result};
  const std::string xml = junit_text(run);
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"4 &lt;&amp;&quot;&apos;&gt;\""));
  EXPECT_THAT(xml, HasSubstr("classname=\"midstream.4 &lt;&amp;&quot;&apos;&gt;\""));
  EXPECT_THAT(xml, HasSubstr("name=\"4.1 title &lt;&amp;&quot;&apos;&gt; [t&lt;&amp;&gt;]\""));
  EXPECT_THAT(xml, HasSubstr("message=\"reason &lt;&amp;&quot;&apos;&gt;\""));
  EXPECT_THAT(xml, HasSubstr("id&lt;&amp;&quot;&apos;&gt; (MUST): expected &lt;&amp;&quot;&apos;&gt; ; "
                             "actual ]]&gt;"));
  EXPECT_THAT(xml, Not(HasSubstr("<&")));
  EXPECT_THAT(xml, Not(HasSubstr("\"'")));
}

TEST(ReportsJunit, DropsBytesXmlCannotCarry) {
  RunResults run;
  ScenarioResult result = make_result("5.1", "5 bytes", Verdict::Pass);
  result.title = "a\0b\x01\x1b\x7f c\xff d\xc3\xa9 e\xef\xbf\xbf f\xed\xa0\x80 g\xc0\xaf"s;
  result.reason = "line\none";
  run.results = {result};
  const std::string xml = junit_text(run);
  // NUL, \x01 and ESC dropped; \xff, a surrogate and an overlong '/' become U+FFFD; U+FFFF dropped.
  EXPECT_THAT(xml, HasSubstr("name=\"5.1 ab\x7f c\xef\xbf\xbd d\xc3\xa9 e f\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
                             "g\xef\xbf\xbd\xef\xbf\xbd [embedded]\""));
  EXPECT_EQ(xml.find('\0'), std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
}

TEST(ReportsJunit, EmptyRunIsStillADocument) {
  const std::string xml = junit_text(RunResults{});
  EXPECT_EQ(xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"midstream\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0.000\">\n"
            "</testsuites>\n");
}

TEST(ReportsJunit, WellFormedPerXmllint) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "xmllint not on PATH";
  RunResults run = sample_results();
  ScenarioResult odd = make_result("9.1", "9 <odd>", Verdict::Fail, "bad\xff reason \"quoted\" & 'single'");
  odd.title = "nul\0 esc\x1b[0m \xc3\xa9 \xf0\x9f\x98\x80 \xed\xa0\x80]]>"s;
  odd.checks = {{"wire", Severity::Must, false, "\x01\x02<tag>", "\xfe\r\n\t", "\x7f"}};
  run.results.push_back(odd);

  const auto dir = temp_dir("xmllint");
  std::filesystem::create_directories(dir);
  const auto path = dir / "junit.xml";
  {
    std::ofstream out(path, std::ios::binary);
    JunitReporter(out).finish(run);
  }
  const std::string command = "xmllint --noout '" + path.string() + "' 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << junit_text(run);
  std::filesystem::remove_all(dir);
}

TEST(ReportsWriteAll, WritesBothFilesIntoANewDirectory) {
  const auto dir = temp_dir("write_all") / "nested" / "out";
  RunResults run = sample_results();
  run.tool_version = "1.2.3";
  const std::vector<std::string> paths = write_all(run, dir.string());
  ASSERT_EQ(paths.size(), 4u);  // results.json, junit.xml, scorecard.md, index.html
  EXPECT_EQ(paths[0], (dir / "results.json").string());
  EXPECT_EQ(paths[1], (dir / "junit.xml").string());

  std::ifstream json_in(paths[0]);
  EXPECT_EQ(results_from_json(nlohmann::json::parse(json_in)), run);
  std::ifstream xml_in(paths[1]);
  std::stringstream xml;
  xml << xml_in.rdbuf();
  EXPECT_EQ(xml.str(), junit_text(run));
  std::filesystem::remove_all(dir.parent_path().parent_path());
}

TEST(ReportsWriteAll, FailureNamesThePath) {
  const auto dir = temp_dir("write_all_file");
  std::filesystem::create_directories(dir);
  const auto blocker = dir / "not_a_dir";
  std::ofstream(blocker) << "x";
  try {
    write_all(RunResults{}, (blocker / "out").string());
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr((blocker / "out").string()));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace midstream::reports
