#include "harness/time_scale.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace midstream::harness {
namespace {

// The router settings that bound how long something may take. Retry waits (backoff,
// retry_after_max_ms) are not bounds: a slow machine only lengthens them. cooldown_ms is a
// window compared with Retry-After, which the wire carries in whole seconds and cannot scale.
constexpr const char* kRouterTimeKeys[] = {"timeout_ms", "stream_timeout_ms", "idle_timeout_ms",
                                           "keepalive_ms", "deadline_ms"};

double thread_cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double parse_factor(const std::string& text, const std::string& where) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(value) ||
      value < kMinTimeScale || value > kMaxTimeScale) {
    throw std::invalid_argument(where + " expects a number from 1 to 16 (e.g. 2.5), got '" + text + "'");
  }
  return value;
}

std::string two_digits(double value) {
  std::ostringstream out;
  out.precision(2);
  out << std::fixed << value;
  return out.str();
}

void dilate_fault(std::optional<fakes::FaultSpec>& fault, const TimeScale& scale) {
  if (!fault) return;
  if (fault->action == fakes::FaultAction::Stall || fault->action == fakes::FaultAction::Slow)
    fault->ms = scale.scale(fault->ms);
}

}  // namespace

int64_t TimeScale::scale(int64_t ms) const {
  if (factor == 1.0 || ms <= 0) return ms;
  return static_cast<int64_t>(std::ceil(static_cast<double>(ms) * factor));
}

double sanitizer_slowdown() {
#if defined(__SANITIZE_THREAD__)
  return 4.0;
#elif defined(__SANITIZE_ADDRESS__)
  return 2.0;
#else
  return 1.0;
#endif
}

double measure_cpu_starvation(int window_ms) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const double cpu_start = thread_cpu_ms();
  volatile unsigned sink = 0;
  while (Clock::now() - start < std::chrono::milliseconds(window_ms))
    for (unsigned i = 0; i < 1000; ++i) sink = sink + i;
  const double wall = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  const double cpu = std::max(thread_cpu_ms() - cpu_start, 0.001);
  return std::max(1.0, wall / cpu);
}

TimeScale resolve_time_scale(std::optional<double> forced) {
  if (forced) return {parse_factor(std::to_string(*forced), "--time-scale"), "--time-scale"};
  if (const char* env = std::getenv("MIDSTREAM_TIME_SCALE"); env != nullptr && *env != '\0')
    return {parse_factor(env, "MIDSTREAM_TIME_SCALE"), "MIDSTREAM_TIME_SCALE"};
  // The busiest of five short windows with pauses between them, so they fall at different
  // points of the scheduler's rotation: one lucky window must not hide a busy machine (a run
  // under four CPU hogs once read a share of 1.00 from three back-to-back windows).
  double starvation = 1.0;
  for (int i = 0; i < 5; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(15));
    starvation = std::max(starvation, measure_cpu_starvation());
  }
  const double sanitizer = sanitizer_slowdown();
  const double factor = std::clamp(std::round(sanitizer * starvation * 10.0) / 10.0, kMinTimeScale, kMaxTimeScale);
  std::string source = "measured: CPU share " + two_digits(1.0 / starvation);
  if (sanitizer > 1.0) source += ", sanitizer x" + two_digits(sanitizer);
  return {factor, source};
}

Scenario dilate(const Scenario& scenario, const TimeScale& scale) {
  if (scale.factor == 1.0) return scenario;
  Scenario s = scenario;
  if (s.router.contains("router_settings") && s.router["router_settings"].is_object()) {
    auto& settings = s.router["router_settings"];
    for (const char* key : kRouterTimeKeys)
      if (settings.contains(key) && settings[key].is_number_integer())
        settings[key] = scale.scale(settings[key].get<int64_t>());
  }
  for (auto& provider : s.providers) {
    for (auto& entry : provider.script) dilate_fault(entry.fault, scale);
    dilate_fault(provider.then.fault, scale);
    provider.event_delay_ms = scale.scale(provider.event_delay_ms);
  }
  s.client.timeout_ms = scale.scale(s.client.timeout_ms);
  s.client.read_delay_ms = scale.scale(s.client.read_delay_ms);
  s.expect.max_duration_ms = scale.scale(s.expect.max_duration_ms);
  return s;
}

}  // namespace midstream::harness
