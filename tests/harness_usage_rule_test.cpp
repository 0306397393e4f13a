// The usage rule for attempts the router abandoned (docs/contract.md, "Usage of abandoned
// attempts"): an exchange the fake ended counts its last usage for certain; one the router
// closed first (its own timeout, a client hang-up) may have had usage in flight, so the router
// may have read none of it or any of what was written, and the check accepts each and says so.
// Usage written before a stall the router then waited out was read for certain.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/checks.h"

namespace midstream::harness {
namespace {

fakes::JournalEntry exchange(fakes::ExchangeEnd ended, std::vector<fakes::JournalEntry::SentUsage> trail) {
  fakes::JournalEntry e;
  e.index = 1;
  e.has_request = true;
  e.ended = ended;
  e.usage_trail = std::move(trail);
  if (!e.usage_trail.empty()) e.usage_sent = e.usage_trail.back().usage;
  return e;
}

class UsageRule : public testing::Test {
 protected:
  // The usage.exact check when the client saw `seen`, the primary's exchange was `primary`
  // and the backup answered in full (16 in, 23 out).
  reports::CheckResult judge(const fakes::JournalEntry& primary, std::optional<wire::Usage> seen) {
    scenario_.id = "0.0.1";
    for (const char* name : {"primary", "backup"}) {
      fakes::ProviderConfig p;
      p.name = name;
      scenario_.providers.push_back(p);
    }
    scenario_.expect.usage = true;
    transcript_.status = 200;
    view_.usage = seen;
    fakes::JournalEntry backup = exchange(fakes::ExchangeEnd::Completed, {{40, {16, 23}}});
    backup.text_sent = "answer";
    Observation o{scenario_, transcript_, view_, {{"primary", {primary}}, {"backup", {backup}}}, true, "", router::UsagePolicy::Billed, 1.0};
    const auto checks = run_checks(o);
    const auto it = std::find_if(checks.begin(), checks.end(),
                                 [](const reports::CheckResult& c) { return c.id == check::kUsage; });
    EXPECT_NE(it, checks.end());
    return it == checks.end() ? reports::CheckResult{} : *it;
  }
  Scenario scenario_;
  ClientTranscript transcript_;
  FrontView view_;
};

TEST_F(UsageRule, AnExchangeTheFakeEndedCountsForCertain) {
  const auto primary = exchange(fakes::ExchangeEnd::Reset, {{5, {16, 1}}});
  EXPECT_TRUE(judge(primary, wire::Usage{32, 24}).passed);
  const auto dropped = judge(primary, wire::Usage{16, 23});  // the drop-failed-usage defect
  EXPECT_FALSE(dropped.passed) << dropped.expected;
  EXPECT_EQ(dropped.expected.find("abandoned"), std::string::npos) << dropped.expected;
}

TEST_F(UsageRule, AnAbandonedExchangeMayHaveBeenReadOrNotAndTheCheckSaysSo) {
  const auto primary = exchange(fakes::ExchangeEnd::PeerClosed, {{5, {16, 1}}, {9, {16, 7}}});
  for (const wire::Usage seen : {wire::Usage{16, 23}, wire::Usage{32, 24}, wire::Usage{32, 30}}) {
    const auto c = judge(primary, seen);
    EXPECT_TRUE(c.passed) << seen.input_tokens << "/" << seen.output_tokens << ": " << c.expected;
    EXPECT_NE(c.expected.find("abandoned primary #1"), std::string::npos) << c.expected;
  }
  EXPECT_FALSE(judge(primary, wire::Usage{48, 46}).passed) << "counted twice";
  EXPECT_FALSE(judge(primary, std::nullopt).passed) << "no usage at all";
}

TEST_F(UsageRule, UsageWrittenBeforeAStallTheRouterWaitedOutWasRead) {
  auto primary = exchange(fakes::ExchangeEnd::PeerClosed, {{5, {16, 1}}});
  primary.fault = fakes::FaultSpec{};
  primary.fault->action = fakes::FaultAction::Stall;
  primary.fault_fired = true;
  primary.fault_ms = 10;
  EXPECT_TRUE(judge(primary, wire::Usage{32, 24}).passed);
  const auto dropped = judge(primary, wire::Usage{16, 23});
  EXPECT_FALSE(dropped.passed) << dropped.expected;
}

}  // namespace
}  // namespace midstream::harness
