// `midstream load` logic (harness/load.h) on a tiny load: every figure is present and sane, and
// the headline figures are the differences and ratios of the per-path figures.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "harness/load.h"

namespace midstream::harness {
namespace {

class TinyLoad : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    LoadOptions options;
    options.streams = 50;
    options.concurrency = 8;
    options.seconds = 60;
    options.switchover_streams = 20;
    options.rounds = 2;
    report_ = new LoadReport(run_load(options));
  }
  static void TearDownTestSuite() {
    delete report_;
    report_ = nullptr;
  }
  static LoadReport* report_;
};

LoadReport* TinyLoad::report_ = nullptr;

TEST_F(TinyLoad, EveryStreamCompletesOnEveryPath) {
  const auto& r = *report_;
  EXPECT_FALSE(r.bounded_by_time);
  EXPECT_EQ(r.direct.attempted, 50);
  EXPECT_EQ(r.direct.completed, 50) << (r.problems.empty() ? "" : r.problems.front());
  EXPECT_EQ(r.router.attempted, 50);
  EXPECT_EQ(r.router.completed, 50) << (r.problems.empty() ? "" : r.problems.front());
  EXPECT_EQ(r.switchover_attempted, 20);
  EXPECT_EQ(r.switchover_completed, 20) << (r.problems.empty() ? "" : r.problems.front());
  EXPECT_EQ(r.switchover_unmatched, 0);
  EXPECT_TRUE(r.problems.empty()) << r.problems.front();
}

TEST_F(TinyLoad, JsonHasTheHeadlineFieldsAsSaneNumbers) {
  const auto json = to_json(*report_);
  for (const char* field : {"ttft_overhead_p50_us", "ttft_overhead_p99_us", "switchover_p50_us",
                            "switchover_p99_us", "throughput_ratio", "router_peak_rss_mb", "concurrency",
                            "streams"}) {
    ASSERT_TRUE(json.contains(field)) << field;
    EXPECT_TRUE(json[field].is_number()) << field << " = " << json[field].dump();
  }
  EXPECT_EQ(json["streams"], 50);
  EXPECT_EQ(json["concurrency"], 8);
  // Loose bounds: a loopback run on a loaded CI machine, never a performance claim.
  const double ratio = json["throughput_ratio"];
  EXPECT_GT(ratio, 0.0);
  EXPECT_LT(ratio, 10.0);
  const double p50 = json["switchover_p50_us"], p99 = json["switchover_p99_us"];
  EXPECT_GT(p50, 0.0) << "the fallback's text cannot reach the client before the fault fired";
  EXPECT_GE(p99, p50);
  EXPECT_LT(p99, 10e6);
  EXPECT_GT(json["router_peak_rss_mb"].get<double>(), 1.0);
  EXPECT_LT(std::abs(json["ttft_overhead_p50_us"].get<double>()), 10e6);
  EXPECT_GT(json["direct"]["ttft"]["p50_us"].get<double>(), 0.0);
  EXPECT_GE(json["router"]["ttft"]["p99_us"].get<double>(), json["router"]["ttft"]["p50_us"].get<double>());
  EXPECT_EQ(json["switchover"]["latency"]["count"], 20);
  EXPECT_EQ(json["machine"]["nproc"].get<unsigned>(), report_->nproc);
}

TEST_F(TinyLoad, HeadlineFiguresDeriveFromThePaths) {
  const auto& r = *report_;
  EXPECT_DOUBLE_EQ(r.ttft_overhead_p50_us, r.router.ttft.p50_us - r.direct.ttft.p50_us);
  EXPECT_DOUBLE_EQ(r.ttft_overhead_p99_us, r.router.ttft.p99_us - r.direct.ttft.p99_us);
  EXPECT_DOUBLE_EQ(r.throughput_ratio, r.router.streams_per_s / r.direct.streams_per_s);
  EXPECT_EQ(r.direct.ttft.count, 50u);
  // 23 deltas per answer: 22 gaps per stream.
  EXPECT_EQ(r.direct.inter_chunk.count, 50u * 22u);
  EXPECT_GT(r.router.cpu_s_per_1000_streams, 0.0);
  EXPECT_FALSE(format_load_report(r).empty());
}

TEST(Load, RejectsOptionsOutOfRange) {
  LoadOptions options;
  options.streams = 0;
  EXPECT_THROW(run_load(options), std::invalid_argument);
  options = {};
  options.reset_after_deltas = 23;  // the answer has 23 deltas: a reset after all of them is no switchover
  EXPECT_THROW(run_load(options), std::invalid_argument);
  options = {};
  options.concurrency = 5000;
  EXPECT_THROW(run_load(options), std::invalid_argument);
}

}  // namespace
}  // namespace midstream::harness
