#pragma once
// A bounded load run on 127.0.0.1 (`midstream load`): N streamed chat answers directly against a
// fake provider and, in the same run, N through each router under test in front of the same
// fake, so each router's cost reads as a difference and a ratio against a baseline measured
// alongside it. The paths alternate in rounds. Routers: the embedded reference router (the
// default), the reference router as its own process (`midstream router`), the Portkey gateway.
// A last phase measures switchover per router: the primary resets after a few deltas, the
// fallback continues, and the time from the fault firing at the fake to the fallback's first
// text at the client is the switchover latency. Everything is bounded in count and in wall time.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace midstream::stress {

struct LoadOptions {
  int streams = 2000;            // streams per path: this many direct and this many via the router
  int concurrency = 64;          // streams in flight at once (client threads)
  double seconds = 120;          // hard bound on the whole run; no new stream starts after it
  int switchover_streams = -1;   // streams of the switchover phase (-1: streams / 4, at least 1)
  int reset_after_deltas = 5;    // the primary resets after this many deltas in that phase
  int64_t event_delay_ms = 0;    // the fakes' pause before every event (0: as fast as they can);
                                 // the switchover phase's fallback never pauses
  int rounds = 4;                // each path's streams run in this many rounds, alternating paths
  int router_threads = 0;        // the embedded router's cpp-httplib worker threads (0: concurrency
                                 // + 16, at least 32); each streaming connection holds one for its
                                 // whole answer. The process target uses `midstream router`'s 128
  // The routers measured side by side, each against the same fake: "embedded" (alias
  // "reference"), "process" or "process=PATH" (`midstream router` as a child process; PATH: the
  // midstream executable, default this one), "portkey" (the Portkey gateway, installed by npm ci
  // on first use). The first one's figures are also the report's top-level figures.
  std::vector<std::string> targets = {"embedded"};
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

// One router under test: its path, its switchover phase, and its figures against direct.
struct TargetLoad {
  std::string name;               // "embedded", "process", "portkey"
  std::string description;        // what runs, as the target describes itself
  PathStats path;                 // cpu_s etc.: this (the harness) process during its rounds
  // The router's own process (process, portkey): /proc/PID/stat utime + stime during this
  // path's rounds, and its threads' context switches. Not measured (false) for embedded, whose
  // router shares this process: its CPU is the path's minus direct's.
  bool own_process = false;
  double router_process_cpu_s = 0;
  double router_process_cpu_user_s = 0;
  double router_process_cpu_sys_s = 0;
  double router_process_context_switches_per_stream = 0;  // threads alive at each reading
  // Switchover phase. applicable == false: the router cannot continue a stream after its first
  // byte (switchover_note says why); the phase still runs, and what the client got is counted.
  bool switchover_applicable = true;
  std::string switchover_note;
  int switchover_attempted = 0;
  int switchover_completed = 0;   // the whole answer arrived, continued at the fallback
  int switchover_truncated = 0;   // ended cleanly (a complete body) with part of the answer
  int switchover_unmatched = 0;   // completed, but the fault or the continuation was not journaled
  LatencySummary switchover;      // fault fired at the fake -> fallback's first text at the client
  // This router minus direct, per percentile (a negative value is noise: no measurable overhead).
  double ttft_overhead_p50_us = 0;
  double ttft_overhead_p99_us = 0;
  double inter_chunk_overhead_p50_us = 0;
  double inter_chunk_overhead_p99_us = 0;
  double throughput_ratio = 0;    // this router's streams/s over direct streams/s
  // CPU the router spends per 1000 streams: own_process: its process's CPU; embedded: this
  // path's process CPU minus the direct path's.
  double router_cpu_s_per_1000_streams = 0;
  // own_process: the router process's VmHWM (/proc/PID/status), the largest over its phases;
  // embedded: this whole process's peak (client, fakes and every embedded router share it).
  double peak_rss_mb = 0;
  std::string rss_source;         // which of the two, in words
};

struct LoadReport {
  LoadOptions options;
  PathStats direct;
  std::vector<TargetLoad> targets;  // in the order of options.targets
  // The first target's figures, as the report had them before there were several targets.
  PathStats router;
  int switchover_attempted = 0;
  int switchover_completed = 0;
  int switchover_unmatched = 0;
  LatencySummary switchover;
  double ttft_overhead_p50_us = 0;
  double ttft_overhead_p99_us = 0;
  double inter_chunk_overhead_p50_us = 0;
  double inter_chunk_overhead_p99_us = 0;
  double throughput_ratio = 0;
  double router_cpu_s_per_1000_streams = 0;
  double rss_at_start_mb = 0;     // this process once the fake and embedded routers were started
  double peak_rss_mb = 0;         // the first target's peak_rss_mb
  double process_peak_rss_mb = 0; // this whole process's peak (clients, fakes, embedded routers)
  bool bounded_by_time = false;   // the --seconds bound stopped a phase early
  double elapsed_s = 0;
  unsigned nproc = 0;
  std::string cpu_model;
  std::vector<std::string> problems;  // the first few failures, for a human to read
};

// Failures that make the figures describe something other than routers working: a failed
// direct or router stream, or a switchover stream that did not complete where switchover is
// applicable. A Portkey switchover that ends truncated is its known behaviour, not counted.
bool load_failed(const LoadReport& report);

// Runs the phases. `progress` (optional) gets one line per round. Throws std::invalid_argument
// for options out of range or an unknown target, and std::runtime_error when a server cannot
// start (the portkey target: also when npm ci cannot install the gateway).
LoadReport run_load(const LoadOptions& options,
                    const std::function<void(const std::string&)>& progress = {});

// One JSON object: the first target's headline figures at the top level (ttft_overhead_p50_us,
// ..., switchover_p99_us, throughput_ratio, router_peak_rss_mb, concurrency, streams), the details
// under "direct", "router", "switchover" and "machine", and "targets": one object per target
// with the same headline keys and its details. Missing samples are null.
nlohmann::json to_json(const LoadReport& report);
// A table for people: a column for direct and one per target.
std::string format_load_report(const LoadReport& report);

}  // namespace midstream::stress
