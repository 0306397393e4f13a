#pragma once
// The SVG timeline of one scenario x target: the client's event arrivals on the top lane, then one
// lane per provider with a bar per attempt (started_ms..ended_ms), the faults that fired, the
// commit point (the client's first event) and each seam (where a continuation attempt started).
#include <string>

#include "reports/results.h"

namespace midstream::reports {

// An inline <svg class="timeline"> element; every text in it is escaped. Each attempt is one
// <rect class="attempt ..."> with a <title> tooltip.
std::string timeline_svg(const ScenarioResult& result);

// Where a fired fault sits on the timeline and in the response bytes: at the start of the attempt
// for faults placed before any response byte (on_connect, before_status), else at its end.
bool fault_before_response(const AttemptRecord& attempt);

}  // namespace midstream::reports
