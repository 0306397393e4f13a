// Timing and the router itself: wall time, liveness, upstream hang-ups, Retry-After gaps.
#include <algorithm>
#include <sstream>

#include "harness/checks/check_functions.h"

namespace midstream::harness::checks {
namespace {

constexpr double kUpstreamCloseBoundMs = 2000;

}  // namespace

// Reads the client's start, end and whether it timed out, against expect.max_duration_ms.
void duration(const Observation& o, CheckSink& sink) {
  const int64_t bound_ms = o.scenario.expect.max_duration_ms;
  const double took = o.client.ended_ms - o.client.started_ms;
  const bool ok = !o.client.timed_out && took <= static_cast<double>(bound_ms);
  std::ostringstream actual;
  actual.precision(0);
  actual << std::fixed << took << " ms" << (o.client.timed_out ? " (client timed out)" : "");
  sink.add(ok, "at most " + std::to_string(bound_ms) + " ms", actual.str());
}

// Reads the runner's GET /health after the scenario.
void alive(const Observation& o, CheckSink& sink) {
  sink.add(o.router_alive, "the router answers GET /health afterwards",
           o.router_alive ? "alive" : o.router_alive_detail);
}

// Reads, for each provider in expect.upstream_closed, how and when its last exchange ended after
// the client hung up (the bound scales with the run's time scale).
void upstream_closed(const Observation& o, CheckSink& sink) {
  const double close_bound_ms = kUpstreamCloseBoundMs * o.time_scale;
  for (const auto& name : o.scenario.expect.upstream_closed) {
    const auto& entries = o.journals.at(name);
    bool ok = false;
    std::string actual = "no request";
    if (!entries.empty()) {
      const auto& last = entries.back();
      const double after = last.ended_ms - o.client.disconnect_ms;
      ok = last.ended == fakes::ExchangeEnd::PeerClosed && after <= close_bound_ms;
      std::ostringstream text;
      text.precision(0);
      text << std::fixed << "ended " << fakes::to_string(last.ended);
      if (last.ended != fakes::ExchangeEnd::Open) text << " " << after << " ms after the client hung up";
      actual = text.str();
    }
    sink.add(ok,
             name + " connection closed by the router within " +
                 std::to_string(static_cast<int>(close_bound_ms)) + " ms of the client hanging up",
             actual);
  }
}

// Reads, for each provider in expect.min_gap_ms, the gaps between its requests.
void retry_after(const Observation& o, CheckSink& sink) {
  for (const auto& [name, gap] : o.scenario.expect.min_gap_ms) {
    const auto& entries = o.journals.at(name);
    double smallest = -1;
    for (size_t i = 1; i < entries.size(); ++i) {
      // From when the fake began its answer (a status fault fires before the write): a fake
      // thread starved between writing and journaling must not shorten the router's wait.
      const auto& previous = entries[i - 1];
      const double sent = previous.fault_fired && previous.fault_ms > 0
                              ? std::min(previous.fault_ms, previous.ended_ms)
                              : previous.ended_ms;
      const double g = entries[i].received_ms - sent;
      if (smallest < 0 || g < smallest) smallest = g;
    }
    std::ostringstream actual;
    actual.precision(0);
    if (smallest < 0) actual << "fewer than 2 requests";
    else actual << std::fixed << smallest << " ms";
    sink.add(smallest >= static_cast<double>(gap) - 1.0,
             "at least " + std::to_string(gap) + " ms between requests to " + name, actual.str());
  }
}

}  // namespace midstream::harness::checks
