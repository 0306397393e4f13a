#pragma once
// A bounded load run on 127.0.0.1 (`midstream load`): N streamed chat answers through the
// embedded reference router and, in the same run, N directly against the same fake provider, so
// the router's cost reads as a difference and a ratio against a baseline measured alongside it.
// A third phase measures switchover: the primary resets after a few deltas, the fallback
// continues, and the time from the fault firing at the fake to the fallback's first text at the
// client is the switchover latency. Everything is bounded in count and in wall time.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace midstream::harness {

struct LoadOptions {
  int streams = 2000;            // streams per path: this many direct and this many via the router
  int concurrency = 64;          // streams in flight at once (client threads)
  double seconds = 120;          // hard bound on the whole run; no new stream starts after it
  int switchover_streams = -1;   // streams of the switchover phase (-1: streams / 4, at least 1)
  int reset_after_deltas = 5;    // the primary resets after this many deltas in that phase
  int64_t event_delay_ms = 0;    // the fakes' pause before every event (0: as fast as they can);
                                 // the switchover phase's fallback never pauses
  int rounds = 4;                // each path's streams run in this many rounds, alternating paths
  int router_threads = 0;        // the router's cpp-httplib worker threads (0: concurrency + 16);
                                 // each streaming connection holds one for its whole answer
};

// Percentiles of one set of samples, in microseconds. count == 0 when there was none.
struct LatencySummary {
  size_t count = 0;
  double p50_us = 0;
  double p99_us = 0;
  double mean_us = 0;
  double max_us = 0;
};

// One path (direct to the fake, or through the router) over all its rounds.
struct PathStats {
  int attempted = 0;
  int completed = 0;             // 200, the whole canonical answer, the terminator, a clean end
  int failed = 0;
  LatencySummary ttft;           // request start (connect) to the first text delta decoded
  LatencySummary inter_chunk;    // between consecutive text deltas as they arrived (same read: 0)
  double wall_s = 0;             // wall time of this path's rounds
  double streams_per_s = 0;      // completed / wall_s
  double cpu_s = 0;              // process user+sys time during this path's rounds
  double cpu_user_s = 0;
  double cpu_sys_s = 0;
  double cpu_s_per_1000_streams = 0;
  double context_switches_per_stream = 0;  // voluntary + involuntary, whole process
};

struct LoadReport {
  LoadOptions options;
  PathStats direct;
  PathStats router;
  // Switchover phase (router with a resetting primary and a fallback).
  int switchover_attempted = 0;
  int switchover_completed = 0;   // the whole answer arrived, continued at the fallback
  int switchover_unmatched = 0;   // completed, but the fault or the continuation was not journaled
  LatencySummary switchover;      // fault fired at the fake -> fallback's first text at the client
  // Router minus direct, per percentile (a negative value is noise: no measurable overhead).
  double ttft_overhead_p50_us = 0;
  double ttft_overhead_p99_us = 0;
  double inter_chunk_overhead_p50_us = 0;
  double inter_chunk_overhead_p99_us = 0;
  double throughput_ratio = 0;    // router streams/s over direct streams/s
  double router_cpu_s_per_1000_streams = 0;  // router path minus direct path
  double rss_at_start_mb = 0;     // the process once the fake and routers were started
  double peak_rss_mb = 0;         // the process's peak (client, fakes and router share it)
  bool bounded_by_time = false;   // the --seconds bound stopped a phase early
  double elapsed_s = 0;
  unsigned nproc = 0;
  std::string cpu_model;
  std::vector<std::string> problems;  // the first few failures, for a human to read
};

// Runs the three phases. `progress` (optional) gets one line per round. Throws
// std::invalid_argument for options out of range and std::runtime_error when a server cannot
// start.
LoadReport run_load(const LoadOptions& options,
                    const std::function<void(const std::string&)>& progress = {});

// One JSON object: the headline figures at the top level (ttft_overhead_p50_us, ...,
// switchover_p99_us, throughput_ratio, router_peak_rss_mb, concurrency, streams), the details
// under "direct", "router", "switchover" and "machine". Missing samples are null.
nlohmann::json to_json(const LoadReport& report);
// A table for people.
std::string format_load_report(const LoadReport& report);

}  // namespace midstream::harness
