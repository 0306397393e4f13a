#pragma once
// Time dilation for a slow machine. Every bound a scenario or the soak puts on time (the
// router's timeouts, a stall's length, the client's patience, the wall-time bound) is multiplied
// by one factor, so a starved machine or a sanitizer build gives slow passes, not failures. The
// relations a scenario tests hold under any factor: a stall of 2 s against a 500 ms idle timeout
// is still four times the timeout. Lower bounds (backoff, Retry-After, minimum gaps) are not
// scaled: a slow machine only makes those waits longer.
//
// The factor is, in order: `--time-scale X`, the MIDSTREAM_TIME_SCALE environment variable, or
// measured at start: the sanitizer's slowdown (AddressSanitizer 2, ThreadSanitizer 4) times the
// CPU starvation (wall time over CPU time of a short busy loop, at least 1). It is clamped to
// [1, 16] and written into results.json and the soak report.
#include <optional>
#include <string>

#include "harness/scenario.h"

namespace midstream::harness {

inline constexpr double kMinTimeScale = 1.0;
inline constexpr double kMaxTimeScale = 16.0;

struct TimeScale {
  double factor = 1.0;
  std::string source = "fixed";  // "--time-scale", "MIDSTREAM_TIME_SCALE", or how it was measured

  // ms * factor, rounded up.
  int64_t scale(int64_t ms) const;
};

// The slowdown the build's sanitizer adds (1 without one).
double sanitizer_slowdown();
// Wall time over this thread's CPU time while it spins for `window_ms`: 1 on an idle machine,
// about 2.5 when four busy loops share two cores with it. At least 1.
double measure_cpu_starvation(int window_ms = 40);

// The run's factor: `forced` (from --time-scale) when given, else MIDSTREAM_TIME_SCALE, else
// measured. Throws std::invalid_argument for a value outside [1, 16] or not a number.
TimeScale resolve_time_scale(std::optional<double> forced = std::nullopt);

// The scenario in dilated time: the router's timeouts (timeout_ms, stream_timeout_ms,
// idle_timeout_ms, keepalive_ms, deadline_ms; not cooldown_ms, a window set against
// Retry-After's whole seconds), every scripted stall and slow
// fault's ms and each provider's event pacing, the client's timeout and read delay, and the
// wall-time bound. Factor 1 returns it unchanged.
Scenario dilate(const Scenario& scenario, const TimeScale& scale);

}  // namespace midstream::harness
