// `midstream load` logic (stress/load.h) on a tiny load: every figure is present and sane, and
// the headline figures are the differences and ratios of the per-path figures. The portkey
// target is not loaded here (it needs node and npm ci); tests/targets_portkey_test.cpp covers it.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "reports/load_reporter.h"
#include "stress/load.h"

namespace midstream::stress {

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
  ASSERT_EQ(r.targets.size(), 1u);
  EXPECT_EQ(r.targets[0].name, "embedded");
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

// The reference router as its own process (`midstream router`) next to the embedded one, in one
// tiny run: its CPU and peak RSS are the child's own, read from /proc/PID.
TEST(Load, ProcessTargetReportsTheChildsOwnFigures) {
  LoadOptions options;
  options.streams = 40;
  options.concurrency = 4;
  options.seconds = 20;
  options.switchover_streams = 8;
  options.rounds = 2;
  options.targets = {"embedded", std::string("process=") + MIDSTREAM_BINARY};
  const auto t0 = std::chrono::steady_clock::now();
  const LoadReport r = run_load(options);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  ASSERT_EQ(r.targets.size(), 2u);
  const TargetLoad& embedded = r.targets[0];
  const TargetLoad& process = r.targets[1];
  EXPECT_EQ(embedded.name, "embedded");
  EXPECT_EQ(process.name, "process");
  EXPECT_FALSE(embedded.own_process);
  EXPECT_TRUE(process.own_process);
  EXPECT_EQ(process.path.completed, 40) << (r.problems.empty() ? "" : r.problems.front());
  EXPECT_EQ(process.switchover_completed, 8) << (r.problems.empty() ? "" : r.problems.front());
  EXPECT_GT(process.switchover.count, 0u);
  EXPECT_FALSE(load_failed(r)) << (r.problems.empty() ? "" : r.problems.front());
  // The child's own VmHWM: a real process's, and not this (test) process's peak.
  EXPECT_GT(process.peak_rss_mb, 1.0);
  EXPECT_LT(process.peak_rss_mb, 1024.0);
  EXPECT_NE(process.rss_source.find("VmHWM"), std::string::npos);
  EXPECT_GE(process.router_process_cpu_s, 0.0);
  EXPECT_GT(process.router_process_context_switches_per_stream, 0.0);
  // The first target stays the top level (the JSON before there were several targets).
  EXPECT_DOUBLE_EQ(r.ttft_overhead_p50_us, embedded.ttft_overhead_p50_us);
  EXPECT_DOUBLE_EQ(r.peak_rss_mb, r.process_peak_rss_mb);
  const auto json = to_json(r);
  ASSERT_EQ(json["targets"].size(), 2u);
  EXPECT_EQ(json["target"], "embedded");
  for (const auto& t : json["targets"])
    for (const char* field : {"ttft_overhead_p50_us", "ttft_overhead_p99_us", "switchover_p50_us",
                              "switchover_p99_us", "throughput_ratio", "router_peak_rss_mb", "concurrency",
                              "streams"})
      EXPECT_TRUE(t[field].is_number()) << t["name"] << " " << field << " = " << t[field].dump();
  EXPECT_GT(json["targets"][1]["router_peak_rss_mb"].get<double>(), 0.0);
  EXPECT_TRUE(json["targets"][1]["router_process"].is_object());
  EXPECT_TRUE(json["targets"][0]["router_process"].is_null());
  const std::string table = format_load_report(r);
  EXPECT_NE(table.find("embedded"), std::string::npos);
  EXPECT_NE(table.find("process"), std::string::npos);
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
  options = {};
  options.targets = {"url=http://127.0.0.1:4000"};  // midstream cannot configure it
  EXPECT_THROW(run_load(options), std::invalid_argument);
  options.targets = {"embedded", "reference"};  // the same router twice
  EXPECT_THROW(run_load(options), std::invalid_argument);
  options.targets = {};
  EXPECT_THROW(run_load(options), std::invalid_argument);
}

}  // namespace
}  // namespace midstream::stress
