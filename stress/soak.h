#pragma once
// A randomized soak on 127.0.0.1 (`midstream soak`): many streams through one long-lived
// router under test, each with faults drawn from the fakes' vocabulary (position x action) at
// random deployments of a 2-3 deployment fallback chain of random upstream dialects, on a random
// front. The plan is a pure function of (seed, stream index) (soak_plan.h), so any violation can
// be replayed alone; the driver (soak_driver.h) only executes plans, and each stream is judged
// by the checks `midstream run` grades with (soak_judge.h).
//
// Per stream: the client's text is the canonical answer exactly, or the stream ends in a clean
// error (an HTTP error status with a shaped body, or the front's in-band error and no terminator)
// with only a prefix of the answer sent; never a truncated answer presented as complete, never a
// repeat; usage exact under the router's policy; no stream outlives its deadline. After the run:
// open file descriptors and threads back to their baseline, RSS growth bounded. The run hands
// its figures over as reports::SoakReport; reports/soak_reporter.h formats them.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/time_scale.h"
#include "reports/soak_results.h"
#include "stress/soak_judge.h"
#include "stress/soak_plan.h"

namespace midstream::stress {

using reports::SoakReport;
using reports::SoakViolation;

struct SoakOptions {
  uint64_t seed = 1;
  int streams = 2000;
  int concurrency = 16;             // lanes: each owns a set of fakes and runs one stream at a time
  double fault_rate = 0.3;
  double duration_limit_s = 600;    // no stream starts after this; each still has its own bound
  int only_stream = -1;             // >= 0: run just this stream of the seed's plan (replay)
  std::vector<std::string> defects; // the reference router's defect switches (router/defects.h)
  // The router under test: embedded (alias reference), process or process=PATH (soak_driver.h).
  std::string target = "embedded";
  int64_t settle_ms = 5'000;        // how long fds and threads get to return to their baseline
  double max_rss_growth_mb = 256;   // RSS after the run minus RSS after start-up, at most
  int64_t progress_interval_ms = 3'000;
  // Every timeout, stall and bound of the run is multiplied by it; the replay command repeats it.
  TimeScale time_scale;
};

// Runs the soak. `progress` (optional) gets a line every progress_interval_ms. Throws
// std::invalid_argument for options out of range or a target the soak cannot drive,
// std::runtime_error when a server cannot start.
SoakReport run_soak(const SoakOptions& options,
                    const std::function<void(const std::string&)>& progress = {});

}  // namespace midstream::stress
