#pragma once
// A bounded load run on 127.0.0.1 (`midstream load`): N streamed chat answers directly against a
// fake provider and, in the same run, N through each router under test in front of the same
// fake, so each router's cost reads as a difference and a ratio against a baseline measured
// alongside it. The paths alternate in rounds. Routers: the embedded reference router (the
// default), the reference router as its own process (`midstream router`), the Portkey gateway.
// A last phase measures switchover per router: the primary resets after a few deltas, the
// fallback continues, and the time from the fault firing at the fake to the fallback's first
// text at the client is the switchover latency. Everything is bounded in count and in wall time.
// The targets are named as `--target` names them (targets/registry.h); the load run measures
// those it can start itself (load_targets.h).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "reports/load_results.h"

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
  int router_threads = 0;        // the reference router's serving threads, in-process and as a
                                 // process (0: concurrency + 16, at least 32); each streaming
                                 // connection holds one for its whole answer
  // The routers measured side by side, each against the same fake: "embedded" (alias
  // "reference"), "process" or "process=PATH" (`midstream router` as a child process; PATH: the
  // midstream executable, default this one), "portkey" (the Portkey gateway, installed by npm ci
  // on first use). The first one's figures are also the report's top-level figures.
  std::vector<std::string> targets = {"embedded"};
};

using reports::LatencySummary;
using reports::LoadReport;
using reports::PathStats;
using reports::TargetLoad;

// Failures that make the figures describe something other than routers working: a failed
// direct or router stream, or a switchover stream that did not complete where switchover is
// applicable. A Portkey switchover that ends truncated is its known behaviour, not counted.
bool load_failed(const LoadReport& report);

// Runs the phases (load_paths.h, switchover.h) and hands the figures over as a
// reports::LoadReport (reports/load_reporter.h formats it). `progress` (optional) gets one line
// per round. Throws std::invalid_argument for options out of range or a target it cannot
// measure, and std::runtime_error when a server cannot start (the portkey target: also when
// npm ci cannot install the gateway).
LoadReport run_load(const LoadOptions& options,
                    const std::function<void(const std::string&)>& progress = {});

}  // namespace midstream::stress
