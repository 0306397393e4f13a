#pragma once
// Phase 3 of a load run: switchover, one target after the other, each with its own pair of
// fakes. The primary resets after N deltas on every request and the fallback continues; the
// switchover latency is the time from the fault firing at the primary (its journal's fault_ms)
// to the fallback's first text at the client, both on the run's epoch.
#include <vector>

#include "reports/load_results.h"
#include "stress/load.h"
#include "stress/load_client.h"
#include "stress/load_targets.h"

namespace midstream::stress {

// `streams` switchover streams per target, the targets sharing the time left until clock.bound.
// Fills each report.targets[t]'s switchover figures (and the larger peak RSS of a router
// process), and adds to report.problems and report.bounded_by_time. `say` gets a line per target.
void run_switchover(const LoadOptions& options, int streams, const std::vector<LoadTargetSpec>& specs,
                    LoadClock& clock, LoadReport& report, const Progress& say);

}  // namespace midstream::stress
