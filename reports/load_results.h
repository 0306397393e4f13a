#pragma once
// What a load run (`midstream load`, stress/load.h) measured: plain values, filled by stress/
// and only formatted by reports/load_reporter.h.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace midstream::reports {

// The options the run was measured with, as the report repeats them.
struct LoadSettings {
  int streams = 0;               // streams per path
  int concurrency = 0;           // streams in flight at once
  double seconds = 0;            // the bound on the whole run
  int reset_after_deltas = 0;    // the switchover phase's primary resets after this many deltas
  int64_t event_delay_ms = 0;    // the fakes' pause before every event
  int rounds = 0;                // rounds per path
  int router_threads = 0;        // the reference router's serving threads (as resolved)
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
  LoadSettings settings;
  PathStats direct;
  std::vector<TargetLoad> targets;  // in the order of the run's --target values
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

}  // namespace midstream::reports
