#pragma once
// --time-scale X for the subcommands that run scenarios or streams (run, selftest, soak): the
// factor every timeout and time bound is multiplied by (harness/time_scale.h). Without the flag,
// MIDSTREAM_TIME_SCALE, else measured at start.
#include <cstdlib>
#include <stdexcept>

#include "cli/args.h"
#include "harness/time_scale.h"

namespace midstream::cli {

inline constexpr const char* kTimeScaleHelp =
    "  --time-scale X    multiply every timeout and time bound (the router's timeouts, stalls,\n"
    "                    the client's patience, the wall-time bounds) by X, 1..16, so a slow or\n"
    "                    busy machine gives slow passes, not failures (default: the\n"
    "                    MIDSTREAM_TIME_SCALE variable, else measured at start: 1 on an idle\n"
    "                    machine, more under a sanitizer or when the CPU is shared); the factor\n"
    "                    used is printed and written into the report\n";

inline harness::TimeScale time_scale_option(Args& args) {
  const auto text = args.value("--time-scale");
  if (!text) return harness::resolve_time_scale();
  char* end = nullptr;
  const double value = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0' || !(value >= harness::kMinTimeScale && value <= harness::kMaxTimeScale))
    throw UsageError("--time-scale expects a number from 1 to 16 (e.g. 2.5), got '" + *text + "'");
  return harness::resolve_time_scale(value);
}

}  // namespace midstream::cli
