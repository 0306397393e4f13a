#pragma once
// Phases 1 and 2 of a load run: N streams directly against one fake and N through every target
// in front of that same fake, after a warm-up, in rounds that rotate the order of the paths so
// machine noise hits them all alike. Per path: TTFT and inter-chunk gaps, streams/s, this
// process's CPU during its rounds; per router process (process, portkey): its own CPU and peak
// RSS from /proc/PID.
#include <vector>

#include "reports/load_results.h"
#include "stress/load.h"
#include "stress/load_client.h"
#include "stress/load_targets.h"

namespace midstream::stress {

// Fills report.direct, each report.targets[t]'s path, description, router process figures and
// peak RSS (report.targets holds one entry per spec), report.rss_at_start_mb, and adds to
// report.problems and report.bounded_by_time. `say` gets one line per round.
void run_paths(const LoadOptions& options, const std::vector<LoadTargetSpec>& specs, LoadClock& clock,
               LoadReport& report, const Progress& say);

}  // namespace midstream::stress
