#pragma once
// The load run's report (reports/load_results.h) as JSON and as a table for people.
#include <string>

#include <nlohmann/json.hpp>

#include "reports/load_results.h"

namespace midstream::reports {

// One JSON object: the first target's headline figures at the top level (ttft_overhead_p50_us,
// ..., switchover_p99_us, throughput_ratio, router_peak_rss_mb, concurrency, streams), the details
// under "direct", "router", "switchover" and "machine", and "targets": one object per target
// with the same headline keys and its details. Missing samples are null.
nlohmann::json to_json(const LoadReport& report);
// A table for people: a column for direct and one per target.
std::string format_load_report(const LoadReport& report);

}  // namespace midstream::reports
