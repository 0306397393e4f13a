// The load run (load.h): the options checked, the targets made, the paths and the switchover
// phase run, and the per-target figures derived against direct.
#include "stress/load.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "fakes/provider_config.h"
#include "stress/load_client.h"
#include "stress/load_paths.h"
#include "stress/load_targets.h"
#include "stress/proc_sampler.h"
#include "stress/switchover.h"
#include "targets/registry.h"
#include "wire/request.h"

namespace midstream::stress {
namespace {

void validate(const LoadOptions& o) {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
  };
  need(o.streams >= 1 && o.streams <= 1'000'000, "streams must be between 1 and 1000000");
  need(o.concurrency >= 1 && o.concurrency <= 1024, "concurrency must be between 1 and 1024");
  need(o.seconds > 0 && o.seconds <= 3600, "seconds must be more than 0 and at most 3600");
  need(o.switchover_streams >= -1 && o.switchover_streams <= 1'000'000,
       "switchover streams must be between 0 and 1000000 (-1: streams / 4)");
  const int words = static_cast<int>(wire::count_tokens(fakes::kDefaultAnswer));
  need(o.reset_after_deltas >= 1 && o.reset_after_deltas < words,
       "reset-after must be between 1 and " + std::to_string(words - 1) + " (the answer has " +
           std::to_string(words) + " deltas)");
  need(o.event_delay_ms >= 0 && o.event_delay_ms <= 1000, "event delay must be between 0 and 1000 ms");
  need(o.rounds >= 1 && o.rounds <= 100, "rounds must be between 1 and 100");
  need(o.router_threads >= 0 && o.router_threads <= 4096, "router threads must be between 0 and 4096");
  need(!o.targets.empty() && o.targets.size() <= 8, "give between 1 and 8 targets");
  std::vector<std::string> kinds;
  for (const auto& spec : o.targets) {
    validate_load_target(spec);
    const std::string kind = targets::target_kind(spec).name;
    need(std::find(kinds.begin(), kinds.end(), kind) == kinds.end(),
         "target " + kind + " given twice (each target is one column)");
    kinds.push_back(kind);
  }
}

reports::LoadSettings settings_of(const LoadOptions& o) {
  reports::LoadSettings s;
  s.streams = o.streams;
  s.concurrency = o.concurrency;
  s.seconds = o.seconds;
  s.reset_after_deltas = o.reset_after_deltas;
  s.event_delay_ms = o.event_delay_ms;
  s.rounds = o.rounds;
  s.router_threads = embedded_router_threads(o);
  return s;
}

// Each target against direct: the overheads per percentile, the throughput ratio, and the
// router's CPU and peak RSS from whichever source its kind allows.
void derive_target(const LoadReport& report, TargetLoad& out) {
  const PathStats& d = report.direct;
  const PathStats& p = out.path;
  if (d.ttft.count && p.ttft.count) {
    out.ttft_overhead_p50_us = p.ttft.p50_us - d.ttft.p50_us;
    out.ttft_overhead_p99_us = p.ttft.p99_us - d.ttft.p99_us;
  }
  if (d.inter_chunk.count && p.inter_chunk.count) {
    out.inter_chunk_overhead_p50_us = p.inter_chunk.p50_us - d.inter_chunk.p50_us;
    out.inter_chunk_overhead_p99_us = p.inter_chunk.p99_us - d.inter_chunk.p99_us;
  }
  if (d.streams_per_s > 0) out.throughput_ratio = p.streams_per_s / d.streams_per_s;
  if (out.own_process) {
    if (p.completed) out.router_cpu_s_per_1000_streams = out.router_process_cpu_s * 1000.0 / p.completed;
    out.rss_source = "the router process's own VmHWM (/proc/PID/status), the larger of its two phases";
  } else {
    if (d.completed && p.completed)
      out.router_cpu_s_per_1000_streams = p.cpu_s_per_1000_streams - d.cpu_s_per_1000_streams;
    out.peak_rss_mb = report.process_peak_rss_mb;
    out.rss_source = "this whole process (clients, fakes and the in-process router share it): an upper bound";
  }
}

// The first target's figures at the top level, as the report had them before there were
// several targets.
void headline(LoadReport& report) {
  const TargetLoad& first = report.targets.front();
  report.router = first.path;
  report.switchover_attempted = first.switchover_attempted;
  report.switchover_completed = first.switchover_completed;
  report.switchover_unmatched = first.switchover_unmatched;
  report.switchover = first.switchover;
  report.ttft_overhead_p50_us = first.ttft_overhead_p50_us;
  report.ttft_overhead_p99_us = first.ttft_overhead_p99_us;
  report.inter_chunk_overhead_p50_us = first.inter_chunk_overhead_p50_us;
  report.inter_chunk_overhead_p99_us = first.inter_chunk_overhead_p99_us;
  report.throughput_ratio = first.throughput_ratio;
  report.router_cpu_s_per_1000_streams = first.router_cpu_s_per_1000_streams;
  report.peak_rss_mb = first.peak_rss_mb;
}

}  // namespace

bool load_failed(const LoadReport& r) {
  if (r.direct.failed) return true;
  for (const auto& t : r.targets)
    if (t.path.failed || (t.switchover_applicable && t.switchover_attempted > t.switchover_completed)) return true;
  return false;
}

LoadReport run_load(const LoadOptions& options, const Progress& progress) {
  validate(options);
  LoadReport report;
  report.settings = settings_of(options);
  report.nproc = std::thread::hardware_concurrency();
  report.cpu_model = cpu_model();
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };

  // Every target's factory first: a portkey target installs the gateway (npm ci) here, before
  // any clock runs.
  std::vector<LoadTargetSpec> specs;
  for (const auto& spec : options.targets) specs.push_back(make_load_target(spec, options));
  for (const auto& spec : specs) {
    TargetLoad& out = report.targets.emplace_back();
    out.name = spec.name;
    out.own_process = spec.own_process;
    out.switchover_applicable = spec.switchover_applicable;
    out.switchover_note = spec.switchover_note;
  }

  const int switchover_streams =
      options.switchover_streams >= 0 ? options.switchover_streams : std::max(1, options.streams / 4);
  LoadClock clock;
  clock.epoch = Clock::now();
  auto after = [&](double seconds) {
    return clock.epoch + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  };
  clock.bound = after(options.seconds);
  // The paths get most of the time; the switchover phase keeps a quarter for itself.
  clock.paths_bound = switchover_streams > 0 ? after(options.seconds * 0.75) : clock.bound;
  // Client threads start spread over one event interval, so paced streams do not tick in step.
  clock.stagger = std::chrono::milliseconds(options.event_delay_ms);

  run_paths(options, specs, clock, report, say);
  run_switchover(options, switchover_streams, specs, clock, report, say);

  report.process_peak_rss_mb = peak_rss_mb();
  for (auto& out : report.targets) derive_target(report, out);
  headline(report);
  report.elapsed_s = ms_between(clock.epoch, Clock::now()) / 1000.0;
  return report;
}

}  // namespace midstream::stress
