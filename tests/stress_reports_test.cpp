// The load and soak reports (reports/load_reporter.h, reports/soak_reporter.h) over values made
// by hand: the JSON keeps every key path `midstream load --json` and `midstream soak --json`
// have always written (docs/performance.md, docs/reliability.md and scripts read them), with
// null for what was not measured, and the text says what the values say.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "reports/load_reporter.h"
#include "reports/soak_reporter.h"

namespace midstream::reports {
namespace {

using Paths = std::set<std::string>;

// Every key path of a JSON value: "/a", "/a/b", an array's elements as "/a/*".
void collect(const nlohmann::json& value, const std::string& at, Paths& out) {
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      out.insert(at + "/" + key);
      collect(item, at + "/" + key, out);
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      out.insert(at + "/*");
      collect(item, at + "/*", out);
    }
  }
}

Paths key_paths(const nlohmann::json& value, const std::set<std::string>& opaque = {}) {
  Paths all, kept;
  collect(value, "", all);
  for (const auto& path : all) {
    bool inside = false;
    for (const auto& o : opaque) inside = inside || path.rfind(o + "/", 0) == 0;
    if (!inside) kept.insert(path);
  }
  return kept;
}

// What one set of key paths has that the other has not, "" when they are the same.
std::string difference(const Paths& got, const Paths& want) {
  std::string text;
  for (const auto& path : got)
    if (!want.count(path)) text += " +" + path;
  for (const auto& path : want)
    if (!got.count(path)) text += " -" + path;
  return text;
}

void add_under(Paths& paths, const std::string& at, const std::vector<std::string>& keys) {
  paths.insert(at);
  for (const auto& key : keys) paths.insert(at + "/" + key);
}

const std::vector<std::string> kSummaryKeys = {"count", "p50_us", "p99_us", "mean_us", "max_us"};

void add_path_stats(Paths& paths, const std::string& at) {
  add_under(paths, at, {"attempted", "completed", "failed", "wall_s", "streams_per_s", "cpu_s", "cpu_user_s",
                        "cpu_sys_s", "context_switches_per_stream", "cpu_s_per_1000_streams"});
  add_under(paths, at + "/ttft", kSummaryKeys);
  add_under(paths, at + "/inter_chunk", kSummaryKeys);
}

void add_switchover(Paths& paths, const std::string& at) {
  add_under(paths, at, {"applicable", "attempted", "completed", "truncated", "unmatched", "reset_after_deltas"});
  add_under(paths, at + "/latency", kSummaryKeys);
}

const std::vector<std::string> kHeadlineKeys = {
    "streams", "concurrency", "ttft_overhead_p50_us", "ttft_overhead_p99_us", "inter_chunk_overhead_p50_us",
    "inter_chunk_overhead_p99_us", "switchover_p50_us", "switchover_p99_us", "throughput_ratio",
    "router_streams_per_s", "router_cpu_s_per_1000_streams", "router_peak_rss_mb"};

// The key paths of `midstream load --json --target embedded --target process` before the load
// tool's reports moved to reports/.
Paths load_paths() {
  Paths paths;
  add_under(paths, "", kHeadlineKeys);
  add_under(paths, "", {"seconds_bound", "elapsed_s", "bounded_by_time", "target", "direct_streams_per_s",
                        "process_peak_rss_mb", "rss_at_start_mb", "rss_note", "targets", "event_delay_ms", "rounds",
                        "router_threads", "problems"});
  paths.erase("");
  add_under(paths, "/machine", {"nproc", "cpu_model"});
  add_path_stats(paths, "/direct");
  add_path_stats(paths, "/router");
  add_switchover(paths, "/switchover");
  add_under(paths, "/targets/*", kHeadlineKeys);
  add_under(paths, "/targets/*", {"name", "description", "router_cpu_source", "rss_source"});
  add_path_stats(paths, "/targets/*/router");
  add_switchover(paths, "/targets/*/switchover");
  add_under(paths, "/targets/*/router_process", {"cpu_s", "cpu_user_s", "cpu_sys_s", "context_switches_per_stream"});
  return paths;
}

PathStats some_path(int completed) {
  PathStats p;
  p.attempted = p.completed = completed;
  p.ttft = {static_cast<size_t>(completed), 3000, 6000, 3500, 7000};
  p.inter_chunk = {static_cast<size_t>(completed) * 22, 0, 20, 2, 40};
  p.wall_s = 0.1;
  p.streams_per_s = completed / p.wall_s;
  p.cpu_s = p.cpu_user_s = 0.05;
  p.cpu_s_per_1000_streams = 0.5;
  p.context_switches_per_stream = 3;
  return p;
}

LoadReport two_target_load() {
  LoadReport r;
  r.settings = {100, 8, 120, 5, 0, 4, 32};
  r.direct = some_path(100);
  TargetLoad embedded;
  embedded.name = "embedded";
  embedded.description = "reference router (in-process, 32 threads)";
  embedded.path = some_path(100);
  embedded.switchover_attempted = embedded.switchover_completed = 25;
  embedded.switchover = {25, 3000, 8000, 3500, 9000};
  embedded.rss_source = "this whole process";
  TargetLoad process = embedded;
  process.name = "process";
  process.own_process = true;
  process.router_process_context_switches_per_stream = 4;
  r.targets = {embedded, process};
  r.router = embedded.path;
  r.switchover = embedded.switchover;
  r.nproc = 2;
  r.cpu_model = "a CPU";
  return r;
}

TEST(LoadReporter, JsonKeepsEveryKeyPath) {
  EXPECT_EQ(difference(key_paths(to_json(two_target_load())), load_paths()), "");
}

TEST(LoadReporter, WhatWasNotMeasuredIsNull) {
  LoadReport r = two_target_load();
  r.direct = {};
  r.targets[0].switchover = {};
  r.switchover = {};
  const auto json = to_json(r);
  EXPECT_TRUE(json["throughput_ratio"].is_null());
  EXPECT_TRUE(json["ttft_overhead_p50_us"].is_null());
  EXPECT_TRUE(json["switchover_p50_us"].is_null());
  EXPECT_TRUE(json["direct"]["ttft"]["p50_us"].is_null());
  EXPECT_TRUE(json["direct"]["cpu_s_per_1000_streams"].is_null());
  EXPECT_TRUE(json["targets"][0]["router_process"].is_null());
  EXPECT_TRUE(json["targets"][1]["router_process"].is_object());
  EXPECT_TRUE(json["targets"][1]["router_cpu_s_per_1000_streams"].is_number()) << "a router process's own CPU";
  EXPECT_EQ(json["router_threads"], 32);
}

TEST(LoadReporter, APortkeySwitchoverSaysWhyItIsNotApplicable) {
  LoadReport r = two_target_load();
  r.targets[1].switchover_applicable = false;
  r.targets[1].switchover_note = "not applicable: no switchover after the first byte";
  r.targets[1].switchover_truncated = 25;
  const auto json = to_json(r);
  EXPECT_EQ(json["targets"][1]["switchover"]["note"], r.targets[1].switchover_note);
  EXPECT_FALSE(json["targets"][0]["switchover"].contains("note"));
  const std::string table = format_load_report(r);
  EXPECT_NE(table.find("n/a"), std::string::npos) << table;
  EXPECT_NE(table.find("switchover not applicable"), std::string::npos) << table;
}

TEST(LoadReporter, TheTableHasAColumnPerTarget) {
  const std::string table = format_load_report(two_target_load());
  EXPECT_NE(table.find("midstream load: 100 streams per path, 8 concurrent, 127.0.0.1, 2 CPUs (a CPU)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("direct      embedded       process"), std::string::npos) << table;
  EXPECT_NE(table.find("100/100       100/100       100/100"), std::string::npos) << table;
  EXPECT_NE(table.find("reset after 5 deltas"), std::string::npos) << table;
}

// The key paths of `midstream soak --json`, of a failing one (violations) and of a replay,
// before the soak's reports moved to reports/; faults_by_kind, other_violations and the fakes'
// journals have keys of their own.
Paths soak_paths() {
  Paths paths;
  add_under(paths, "", {"seed", "streams", "streams_planned", "concurrency", "fault_rate", "defects",
                        "faulted_streams", "faults_planned", "faults_fired", "faults_unreached", "completed",
                        "clean_errors", "clean_errors_with_healthy_fallback", "lost_text", "duplicated_text",
                        "truncated_success", "usage_mismatches", "hung", "upstream_left_open", "other_violations",
                        "violating_streams", "fd_leak", "thread_leak", "rss_start_mb", "rss_end_mb",
                        "rss_unbounded", "peak_rss_mb", "max_stream_ms", "duration_s", "streams_per_s",
                        "bounded_by_time", "faults_by_kind", "violations", "unrescued", "passed"});
  paths.erase("");
  add_under(paths, "/time_scale", {"factor", "source"});
  add_under(paths, "/fds", {"baseline", "after", "before_start", "after_stop"});
  add_under(paths, "/threads", {"baseline", "after", "before_start", "after_stop"});
  return paths;
}

SoakReport soak(int violations) {
  SoakReport r;
  r.settings.seed = 7;
  r.settings.streams = r.streams_run = 300;
  r.settings.concurrency = 16;
  r.settings.fault_rate = 0.3;
  r.settings.time_scale = 1.5;
  r.settings.time_scale_source = "--time-scale";
  r.settings.stream_bound_ms = 12'000;
  r.settings.max_rss_growth_mb = 256;
  r.completed = 300 - violations;
  r.fired_kinds = {{"after_deltas reset", 3}};
  r.fd_baseline = r.fd_after = 100;
  r.thread_baseline = r.thread_after = 50;
  r.fd_before_start = r.fd_after_stop = 5;
  r.thread_before_start = r.thread_after_stop = 1;
  r.violating_streams = violations;
  r.duplicated_text = violations;
  for (int i = 0; i < violations; ++i)
    r.violations.push_back({i, "duplicated_text", "chat over [openai-chat: ok]", "text.exact: expected a, got b"});
  if (violations) r.unrescued.push_back({9, "clean_error", "chat over [openai-chat: ok]", "The quick"});
  return r;
}

TEST(SoakReporter, JsonKeepsEveryKeyPath) {
  const Paths opaque = {"/faults_by_kind", "/other_violations"};
  EXPECT_EQ(difference(key_paths(to_json(soak(0)), opaque), soak_paths()), "");
  Paths failing = soak_paths();
  add_under(failing, "/violations/*", {"seed", "stream", "kinds", "plan", "detail", "replay"});
  add_under(failing, "/unrescued/*", {"stream", "plan"});
  EXPECT_EQ(difference(key_paths(to_json(soak(2)), opaque), failing), "");

  SoakReport replay = soak(0);
  replay.settings.only_stream = 853;
  replay.replayed = SoakReplay{};
  replay.replayed->journals["l0p0-openai-chat"].push_back({{"index", 1}});
  Paths replayed = soak_paths();
  add_under(replayed, "/replayed", {"stream", "client_text", "duration_ms", "client_body", "journals"});
  EXPECT_EQ(difference(key_paths(to_json(replay), {"/faults_by_kind", "/other_violations", "/replayed/journals"}),
                       replayed),
            "");
  EXPECT_EQ(to_json(replay)["streams_planned"], 1);
}

TEST(SoakReporter, ADefaultTargetAddsNoKeyAndAnotherIsNamedAndReplayed) {
  EXPECT_FALSE(to_json(soak(0)).contains("target"));
  SoakReport r = soak(1);
  r.settings.target = "process=/opt/my midstream";
  r.settings.target_description = "reference router (process: /opt/my midstream)";
  const auto json = to_json(r);
  EXPECT_EQ(json["target"]["name"], r.settings.target);
  EXPECT_EQ(json["violations"][0]["replay"],
            "midstream soak --seed 7 --fault-rate 0.3 --target 'process=/opt/my midstream' --only-stream 0 "
            "--time-scale 1.5");
  EXPECT_NE(format_soak_report(r).find(", target process=/opt/my midstream ("), std::string::npos);
}

TEST(SoakReporter, TheVerdictSaysWhatFailed) {
  SoakReport r = soak(0);
  EXPECT_TRUE(r.passed());
  EXPECT_NE(format_soak_report(r).find("PASS: every stream ended whole"), std::string::npos);
  r.thread_after_stop = 2;  // one more than before start-up
  EXPECT_FALSE(r.passed());
  EXPECT_NE(format_soak_report(r).find("FAIL: threads leaked"), std::string::npos) << format_soak_report(r);
  r.runtime_threads = 1;  // ThreadSanitizer's own thread
  EXPECT_TRUE(r.passed());
  r = soak(2);
  const std::string text = format_soak_report(r);
  EXPECT_NE(text.find("FAIL: 2 streams violated a check"), std::string::npos) << text;
  EXPECT_NE(text.find("replay: midstream soak --seed 7 --fault-rate 0.3 --only-stream 1 --time-scale 1.5"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(slowest stream 0 ms, bound 12000 ms)"), std::string::npos) << text;
}

TEST(SoakReporter, RssIsNotJudgedUnderAddressSanitizer) {
  SoakReport r = soak(0);
  r.rss_judged = false;
  EXPECT_NE(format_soak_report(r).find("(not judged under AddressSanitizer)"), std::string::npos);
  r.rss_judged = true;
  EXPECT_NE(format_soak_report(r).find("(bound +256 MB)"), std::string::npos);
}

}  // namespace
}  // namespace midstream::reports
