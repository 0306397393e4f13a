// The checks as a table: unique ids in report order, every id run_checks can report has its row
// (observations built to make every row report), harness rows are the ones grade() reads as
// ERROR, and `midstream checks` lists the table as text and as JSON.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/check_table.h"
#include "harness/checks.h"

namespace midstream::harness {
namespace {

using testing::ElementsAreArray;
using testing::HasSubstr;

std::vector<std::string> table_ids() {
  std::vector<std::string> ids;
  for (const auto& row : check_table()) ids.emplace_back(row.id);
  return ids;
}

TEST(CheckTable, IdsAreUniqueAndInReportOrder) {
  const auto ids = table_ids();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  // results.json lists checks in this order: a reordered row changes every report.
  EXPECT_THAT(ids, ElementsAreArray({"harness.fault_fired", "outcome", "text.exact", "text.prefix",
                                     "tool_call.exact", "no_truncated_success", "stream.well_formed",
                                     "stream.event_lines", "preamble.single", "finish.single",
                                     "responses.lifecycle", "responses.output_items", "error.shape",
                                     "attempts", "continuation.carries_partial",
                                     "replay.original_request", "usage.exact", "duration.bounded",
                                     "router.alive", "upstream.closed", "retry_after.honoured"}));
}

TEST(CheckTable, EveryRowHasARequirementAndAFunction) {
  for (const auto& row : check_table()) {
    const std::string requirement = row.requirement;
    EXPECT_FALSE(requirement.empty()) << row.id;
    EXPECT_EQ(requirement.back(), '.') << row.id << ": one sentence";
    EXPECT_NE(row.judge, nullptr) << row.id;
    EXPECT_EQ(find_check_row(row.id), &row);
  }
  EXPECT_EQ(find_check_row("no.such_check"), nullptr);
}

// grade() turns a failed "harness." check into ERROR: those are exactly the harness rows.
TEST(CheckTable, HarnessRowsAreTheHarnessIds) {
  for (const auto& row : check_table()) {
    const bool harness_id = std::string(row.id).rfind("harness.", 0) == 0;
    EXPECT_EQ(row.severity == CheckSeverity::Harness, harness_id) << row.id;
    EXPECT_EQ(reported_severity(row.severity),
              row.severity == CheckSeverity::Should ? reports::Severity::Should : reports::Severity::Must);
  }
}

// Observations that between them make every row report: a whole Responses answer with a tool
// call, a continuation, a hang-up and a retry gap; and a chat stream that ends in an in-band error.
class EveryRowReports : public testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"primary", "backup"}) {
      fakes::ProviderConfig p;
      p.name = name;
      p.answer = "Hello there, world.";
      p.tool_call = fakes::ToolCallSpec{"call_1", "lookup", "{}"};
      complete_.providers.push_back(p);
    }
    complete_.client.front = Front::Responses;
    complete_.expect.attempts = {{"primary", 1}, {"backup", 2}};
    complete_.expect.continuation = {"backup"};
    complete_.expect.upstream_closed = {"primary"};
    complete_.expect.min_gap_ms = {{"backup", 10}};
    complete_.expect.usage = true;

    failing_ = complete_;
    failing_.client.front = Front::Chat;
    failing_.expect.outcome = Outcome::Error;
    failing_.expect.in_band_error = true;

    client_.status = 200;
    view_.streamed = true;

    fakes::JournalEntry primary;
    primary.index = 1;
    primary.fault = fakes::FaultSpec{};
    primary.fault_fired = true;
    primary.ended = fakes::ExchangeEnd::PeerClosed;
    fakes::JournalEntry backup = primary;
    backup.fault.reset();
    backup.ended = fakes::ExchangeEnd::Completed;
    backup.continuation = true;
    backup.partial = "Hello";
    journals_ = {{"primary", {primary}}, {"backup", {backup, backup}}};
  }

  std::set<std::string> reported(const Scenario& s) {
    const Observation o{s, client_, view_, journals_, true, "", router::UsagePolicy::Billed, 1.0};
    std::set<std::string> ids;
    for (const auto& c : run_checks(o)) ids.insert(c.id);
    return ids;
  }

  Scenario complete_, failing_;
  ClientTranscript client_;
  FrontView view_;
  std::map<std::string, std::vector<fakes::JournalEntry>> journals_;
};

TEST_F(EveryRowReports, AndEachReportedIdHasItsRow) {
  std::set<std::string> seen = reported(complete_);
  for (const auto& id : reported(failing_)) seen.insert(id);
  for (const auto& id : seen) EXPECT_NE(find_check_row(id), nullptr) << id << " is reported but has no row";
  const auto ids = table_ids();
  EXPECT_EQ(seen, std::set<std::string>(ids.begin(), ids.end()));
}

struct Output {
  int status = -1;
  std::string text;
};

Output midstream(const std::string& arguments) {
  Output out;
  FILE* pipe = ::popen((std::string(MIDSTREAM_BINARY) + " " + arguments + " 2>&1").c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.text.append(buffer, n);
  const int status = ::pclose(pipe);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(ChecksCommand, ListsEveryRowWithItsSeverity) {
  const Output out = midstream("checks");
  ASSERT_EQ(out.status, 0) << out.text;
  for (const auto& row : check_table()) {
    const std::string line_start = "\n" + std::string(row.id) + " ";
    EXPECT_THAT(out.text, HasSubstr(line_start)) << row.id;
  }
  EXPECT_THAT(out.text, HasSubstr("SHOULD"));
  EXPECT_THAT(out.text, HasSubstr("harness"));
}

TEST(ChecksCommand, JsonIsTheTableInOrder) {
  const Output out = midstream("checks --json");
  ASSERT_EQ(out.status, 0) << out.text;
  const auto json = nlohmann::json::parse(out.text, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << out.text;
  const auto rows = check_table();
  ASSERT_EQ(json.at("checks").size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& listed = json["checks"][i];
    EXPECT_EQ(listed.at("id"), rows[i].id);
    EXPECT_EQ(listed.at("severity"), std::string(to_string(rows[i].severity)));
    EXPECT_EQ(listed.at("reported_as"), reports::to_string(reported_severity(rows[i].severity)));
    EXPECT_EQ(listed.at("requirement"), rows[i].requirement);
  }
}

TEST(ChecksCommand, HelpTeachesAndAStrayArgumentIsAUsageError) {
  const Output help = midstream("checks --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_THAT(help.text, HasSubstr("NON-STRICT"));
  EXPECT_THAT(help.text, HasSubstr("harness/check_table.cpp"));
  EXPECT_EQ(midstream("checks extra").status, 2);
  EXPECT_EQ(midstream("checks --bogus").status, 2);
}

}  // namespace
}  // namespace midstream::harness
