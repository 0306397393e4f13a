// The switchover phase of a load run (switchover.h).
#include "stress/switchover.h"

#include <map>

#include "fakes/fake_provider.h"

namespace midstream::stress {
namespace {

// The primary streams at the paths' pace and resets after N deltas on every request; the
// fallback never pauses, so the figure is the router's own switchover and not a slow model's
// time to its first token.
fakes::ProviderConfig resetting_primary(const LoadOptions& options) {
  fakes::ProviderConfig config = load_provider("primary", options.event_delay_ms);
  fakes::FaultSpec reset;
  reset.position = fakes::FaultPosition::AfterDeltas;
  reset.deltas = options.reset_after_deltas;
  reset.action = fakes::FaultAction::Reset;
  config.then.fault = reset;
  return config;
}

// The streams of one target's phase, by the marker id each was sent with.
struct SwitchoverRun {
  std::vector<StreamSample> samples;
  std::vector<int> ids;
};

SwitchoverRun run_streams(uint16_t port, const net::HeaderList& headers, int streams, const LoadOptions& options,
                          LoadClock& clock, Clock::time_point bound) {
  SwitchoverRun run;
  run.samples.resize(static_cast<size_t>(streams));
  run.ids.assign(run.samples.size(), -1);
  const std::string answer = fakes::kDefaultAnswer;
  run_parallel(streams, options.concurrency, bound, clock.stagger, [&](int i) {
    const int id = clock.next_id++;
    run.ids[static_cast<size_t>(i)] = id;
    run.samples[static_cast<size_t>(i)] = run_stream(port, headers, id, answer, clock.epoch, bound);
  });
  return run;
}

// Counts the target's streams and measures each completed one against the journals: from the
// primary's fault (fault_ms by marker) to the first read that took the client's text past the
// partial the fallback continued from.
void tally(const SwitchoverRun& run, const std::map<int, double>& fault_ms,
           const std::map<int, size_t>& partial_bytes, TargetLoad& out, std::vector<std::string>& problems) {
  std::vector<double> switch_us;
  for (size_t i = 0; i < run.samples.size(); ++i) {
    const auto& s = run.samples[i];
    if (!s.ran || s.cut) continue;
    ++out.switchover_attempted;
    if (!s.ok) {
      if (s.truncated) ++out.switchover_truncated;
      // A known, expected ending where switchover is not applicable: counted, not a problem.
      if (out.switchover_applicable && problems.size() < kMaxProblems)
        problems.push_back(out.name + " switchover: " + s.problem);
      continue;
    }
    ++out.switchover_completed;
    auto fault = fault_ms.find(run.ids[i]);
    auto partial = partial_bytes.find(run.ids[i]);
    if (fault == fault_ms.end() || partial == partial_bytes.end()) {
      ++out.switchover_unmatched;
      continue;
    }
    for (const auto& [at, bytes] : s.growth)
      if (bytes > partial->second) {
        switch_us.push_back((at - fault->second) * 1000.0);
        break;
      }
  }
  out.switchover = summarize(std::move(switch_us));
}

// One target's phase, with fakes of its own, until `bound`.
void run_target(const LoadOptions& options, int streams, const LoadTargetSpec& spec, LoadClock& clock,
                Clock::time_point bound, TargetLoad& out, LoadReport& report, const Progress& say) {
  fakes::FakeProvider primary(resetting_primary(options));
  fakes::FakeProvider backup(load_provider("backup", 0));
  primary.journal().set_epoch(clock.epoch);
  backup.journal().set_epoch(clock.epoch);
  primary.start();
  backup.start();
  auto router = spec.factory();
  const uint16_t port = router->start(load_router_config(primary.base_url(), backup.base_url()));
  const SwitchoverRun run = run_streams(port, router->request_headers(load_client_spec()), streams, options, clock, bound);
  const auto settle = std::min(bound, Clock::now() + std::chrono::seconds(2));
  primary.journal().wait_until_idle(settle);
  backup.journal().wait_until_idle(settle);
  std::map<int, double> fault_ms;
  std::map<int, size_t> partial_bytes;
  for (const auto& e : primary.journal().entries())
    if (e.fault_fired) fault_ms[marker_id(e.body)] = e.fault_ms;
  for (const auto& e : backup.journal().entries())
    if (e.continuation) partial_bytes[marker_id(e.body)] = e.partial.size();
  tally(run, fault_ms, partial_bytes, out, report.problems);
  if (streams > out.switchover_attempted) report.bounded_by_time = true;
  if (out.own_process) out.peak_rss_mb = std::max(out.peak_rss_mb, router_peak_mb(*router));
  const int failed = out.switchover_attempted - out.switchover_completed;
  std::string line = "switchover " + out.name + ": " + std::to_string(out.switchover_attempted) + " streams, " +
                     std::to_string(failed) + " failed";
  if (out.switchover_truncated) line += " (" + std::to_string(out.switchover_truncated) + " ended cleanly, truncated)";
  say(line);
  router->stop();
  primary.stop();
  backup.stop();
}

}  // namespace

void run_switchover(const LoadOptions& options, int streams, const std::vector<LoadTargetSpec>& specs,
                    LoadClock& clock, LoadReport& report, const Progress& say) {
  const size_t n = specs.size();
  for (size_t t = 0; t < n && streams > 0; ++t) {
    if (Clock::now() >= clock.bound) {
      report.bounded_by_time = true;
      break;
    }
    // The time left, shared by the targets still to run.
    const auto target_bound = Clock::now() + (clock.bound - Clock::now()) / static_cast<int64_t>(n - t);
    run_target(options, streams, specs[t], clock, target_bound, report.targets[t], report, say);
  }
}

}  // namespace midstream::stress
