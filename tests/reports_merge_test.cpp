// merge_runs and reading results back: shards and targets merge, contradictions are refused
// naming both files, and a written report reads back to the same values.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/format.h"
#include "reports/merge.h"
#include "reports/reporter.h"

namespace midstream::reports {

inline void PrintTo(const RunResults& results, std::ostream* out) {
  *out << to_json(results).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

using namespace std::string_literals;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

ScenarioResult result(const std::string& id, const std::string& target, Verdict verdict = Verdict::Pass) {
  ScenarioResult r;
  r.scenario = id;
  r.title = "case " + id;
  r.category = id.substr(0, id.find('.'));
  r.target = target;
  r.front = "chat";
  r.verdict = verdict;
  r.duration_ms = 5;
  return r;
}

RunResults run(const std::string& target, std::vector<ScenarioResult> results, const std::string& started = "",
               double wall_ms = 1000) {
  RunResults r;
  r.tool_version = "1.0.0";
  r.seed = 3;
  r.started_at = started;
  r.wall_ms = wall_ms;
  r.targets = {{target, "router " + target, {}}};
  r.results = std::move(results);
  return r;
}

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("midstream-merge-test-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, const std::string& content) const {
    const auto path = path_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(ReportsMerge, ShardsOfOneCatalogue) {
  const RunResults merged = merge_runs({{"a.json", run("embedded", {result("1.1", "embedded"), result("1.2", "embedded")},
                                                       "2024-05-01T12:00:00Z", 1500)},
                                        {"b.json", run("embedded", {result("2.1", "embedded", Verdict::Fail)},
                                                       "2024-05-01T12:00:01Z", 2000)}});
  ASSERT_EQ(merged.results.size(), 3u);
  EXPECT_EQ(merged.results[2].scenario, "2.1");
  EXPECT_EQ(merged.targets.size(), 1u);  // the same target, described the same way, once
  EXPECT_EQ(merged.started_at, "2024-05-01T12:00:00Z");
  EXPECT_DOUBLE_EQ(merged.wall_ms, 3000);  // from the first start to the last end
  EXPECT_EQ(merged.tool_version, "1.0.0");
  EXPECT_EQ(merged.seed, 3u);
  EXPECT_EQ(merged.summary().at("FAIL"), 1);
}

TEST(ReportsMerge, SameCatalogueAgainstSeveralTargetsBecomesColumns) {
  const RunResults merged = merge_runs({{"p.json", run("process", {result("1.1", "process")})},
                                        {"e.json", run("embedded", {result("1.1", "embedded", Verdict::Fail)})}});
  ASSERT_EQ(merged.targets.size(), 2u);
  EXPECT_EQ(merged.targets[0].name, "process");  // in the order the files were given
  EXPECT_EQ(target_columns(merged), (std::vector<std::string>{"process", "embedded"}));
  const Matrix matrix = build_matrix(merged);
  ASSERT_EQ(matrix.categories.size(), 1u);
  ASSERT_EQ(matrix.categories[0].rows.size(), 1u);
  EXPECT_EQ(matrix.categories[0].rows[0].cells[1]->verdict, Verdict::Fail);
  EXPECT_DOUBLE_EQ(merged.wall_ms, 2000);  // no start times: the sum
}

TEST(ReportsMerge, DuplicateScenarioAndTargetNamesBothFiles) {
  const std::vector<SourcedRun> runs = {
      {"shard-1/results.json", run("embedded", {result("1.1", "embedded"), result("3.1.1", "embedded")})},
      {"shard-2/results.json", run("embedded", {result("3.1.1", "embedded", Verdict::Fail)})}};
  EXPECT_THAT([&] { merge_runs(runs); },
              ThrowsMessage<MergeConflict>(AllOf(HasSubstr("scenario 3.1.1 against target 'embedded'"),
                                                 HasSubstr("shard-1/results.json"), HasSubstr("shard-2/results.json"))));
  // The same file twice is the same conflict.
  EXPECT_THAT([&] { merge_runs({runs[0], runs[0]}); },
              ThrowsMessage<MergeConflict>(HasSubstr("in both shard-1/results.json and shard-1/results.json (twice)")));
  // The same scenario against another target is no conflict.
  EXPECT_NO_THROW(merge_runs({runs[0], {"other.json", run("process", {result("3.1.1", "process")})}}));
}

TEST(ReportsMerge, OneTargetNameDescribedTwoWaysIsAConflict) {
  RunResults with_defect = run("embedded", {result("2.1", "embedded")});
  with_defect.targets[0].defects = {"resend-partial"};
  EXPECT_THAT([&] { merge_runs({{"clean.json", run("embedded", {result("1.1", "embedded")})}, {"bug.json", with_defect}}); },
              ThrowsMessage<MergeConflict>(AllOf(HasSubstr("target 'embedded'"), HasSubstr("clean.json"),
                                                 HasSubstr("bug.json"), HasSubstr("resend-partial"))));
}

TEST(ReportsMerge, NothingToMerge) {
  const RunResults merged = merge_runs({});
  EXPECT_TRUE(merged.results.empty());
  EXPECT_TRUE(merged.targets.empty());
}

TEST(ReportsResultsFile, WrittenReportReadsBackUnchanged) {
  TempDir dir;
  RunResults original = run("embedded", {result("1.1", "embedded"), result("3.1.1", "embedded", Verdict::NonStrict)},
                            "2024-05-01T12:00:00Z", 1234.5);
  original.results[1].attempts = {{"primary", "anthropic", 1, "reset", "after_deltas:3 reset", true, false, "", 0.25,
                                   3.5, "{\"a\":1}", "event: ping\n\n"}};
  original.results[1].client.event_ms = {1.0, 2.0};
  original.results[1].client.usage_input = 12;
  original.results[1].checks = {{"text.exact", Severity::Should, false, "a", "b", "c"}};
  write_all(original, dir.path().string());
  const RunResults back = read_results_file((dir.path() / "results.json").string());
  EXPECT_EQ(back, original);
  // And again: regenerating from what was read changes nothing.
  write_all(back, (dir.path() / "again").string());
  EXPECT_EQ(read_results_file((dir.path() / "again" / "results.json").string()), original);
}

TEST(ReportsResultsFile, ErrorsNameTheFile) {
  TempDir dir;
  const std::string missing = (dir.path() / "missing.json").string();
  EXPECT_THAT([&] { read_results_file(missing); }, ThrowsMessage<std::runtime_error>(HasSubstr(missing + ": cannot open")));
  const std::string junk = dir.file("junk.json", "{not json");
  EXPECT_THAT([&] { read_results_file(junk); }, ThrowsMessage<std::runtime_error>(HasSubstr(junk + ": not valid JSON")));
  const std::string other = dir.file("other.json", R"({"schema": "something.else"})");
  EXPECT_THAT([&] { read_results_file(other); },
              ThrowsMessage<std::runtime_error>(AllOf(HasSubstr(other + ": not a midstream results file"),
                                                      HasSubstr("/schema"))));
}

}  // namespace
}  // namespace midstream::reports
