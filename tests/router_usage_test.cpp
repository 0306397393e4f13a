#include "router/usage.h"

#include <gtest/gtest.h>

namespace midstream::router {
namespace {

using wire::Usage;

TEST(RouterUsage, NothingReported) {
  UsageAccountant usage;
  EXPECT_EQ(usage.total(UsagePolicy::Billed), std::nullopt);
  usage.set_serving(1);
  EXPECT_EQ(usage.total(UsagePolicy::Served), std::nullopt);
}

TEST(RouterUsage, BilledSumsTheLastUsageOfEveryAttempt) {
  UsageAccountant usage;
  // An Anthropic primary that died after message_start reported its input only.
  usage.record(1, Usage{12, 0});
  // The serving attempt reported cumulatively: the last report wins.
  usage.record(2, Usage{20, 3});
  usage.record(2, Usage{20, 9});
  usage.set_serving(2);
  EXPECT_EQ(usage.total(UsagePolicy::Billed), (Usage{32, 9}));
  EXPECT_EQ(usage.total(UsagePolicy::Served), (Usage{20, 9}));
}

TEST(RouterUsage, ServedIsNulloptWhenTheServingAttemptReportedNone) {
  UsageAccountant usage;
  usage.record(1, Usage{5, 1});
  usage.set_serving(2);
  EXPECT_EQ(usage.total(UsagePolicy::Served), std::nullopt);
  EXPECT_EQ(usage.total(UsagePolicy::Billed), (Usage{5, 1}));
  UsageAccountant unset;
  unset.record(1, Usage{5, 1});
  EXPECT_EQ(unset.total(UsagePolicy::Served), std::nullopt);
}

TEST(RouterUsage, DropFailedKeepsOnlyTheServingAttempt) {
  UsageAccountant usage;
  usage.record(1, Usage{12, 0});
  usage.record(2, Usage{15, 2});
  usage.record(3, Usage{20, 9});
  usage.set_serving(3);
  usage.drop_failed();
  EXPECT_EQ(usage.total(UsagePolicy::Billed), (Usage{20, 9}));
  EXPECT_EQ(usage.total(UsagePolicy::Served), (Usage{20, 9}));

  UsageAccountant no_serving;
  no_serving.record(1, Usage{12, 0});
  no_serving.drop_failed();
  EXPECT_EQ(no_serving.total(UsagePolicy::Billed), std::nullopt);
}

}  // namespace
}  // namespace midstream::router
