// The soak run (soak.h): the driver's lanes over the seed's plans, every stream tallied, then
// the leak checks, all handed over as a reports::SoakReport.
#include "stress/soak.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "router/defects.h"
#include "stress/proc_sampler.h"
#include "stress/soak_driver.h"
#include "targets/registry.h"

namespace midstream::stress {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderAddressSanitizer = true;
#else
constexpr bool kUnderAddressSanitizer = false;
#endif
// ThreadSanitizer's runtime starts a background thread of its own with the first thread the
// program creates: after stop there is one thread more than before start-up, and not ours.
#if defined(__SANITIZE_THREAD__)
constexpr int kRuntimeThreads = 1;
#else
constexpr int kRuntimeThreads = 0;
#endif

namespace {

using Clock = net::Clock;
using Progress = std::function<void(const std::string&)>;

void validate(const SoakOptions& o) {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
  };
  need(o.streams >= 1 && o.streams <= 10'000'000, "streams must be between 1 and 10000000");
  need(o.concurrency >= 1 && o.concurrency <= 64,
       "concurrency must be between 1 and 64 (each lane runs 9 fakes)");
  need(o.fault_rate >= 0 && o.fault_rate <= 1, "fault rate must be between 0 and 1");
  need(o.duration_limit_s > 0 && o.duration_limit_s <= 24 * 3600,
       "duration limit must be more than 0 and at most 86400 seconds");
  need(o.only_stream >= -1 && o.only_stream < 10'000'000, "only-stream must be a stream index >= 0");
  for (const auto& d : o.defects)
    need(router::is_known_defect(d), "unknown defect '" + d + "' (midstream defects lists them)");
  need(o.settle_ms >= 0 && o.settle_ms <= 600'000, "settle must be between 0 and 600000 ms");
  need(o.max_rss_growth_mb > 0, "the RSS growth bound must be positive");
}

reports::SoakSettings settings_of(const SoakOptions& o) {
  reports::SoakSettings s;
  s.seed = o.seed;
  s.streams = o.streams;
  s.concurrency = o.concurrency;
  s.fault_rate = o.fault_rate;
  s.defects = o.defects;
  s.only_stream = o.only_stream;
  s.target = targets::target_kind(o.target).name == "embedded" ? "embedded" : o.target;
  s.time_scale = o.time_scale.factor;
  s.time_scale_source = o.time_scale.source;
  s.stream_bound_ms = o.time_scale.scale(kSoakStreamBoundMs);
  s.max_rss_growth_mb = o.max_rss_growth_mb;
  return s;
}

void tally(SoakReport& report, const SoakStreamPlan& plan, const SoakStreamResult& r) {
  ++report.streams_run;
  const int planned = plan.planned_faults();
  report.faults_planned += planned;
  report.faulted_streams += planned > 0 ? 1 : 0;
  report.faults_fired += r.faults_fired;
  report.faults_unreached += r.faults_unreached;
  for (const auto& [kind, n] : r.fired_kinds) report.fired_kinds[kind] += n;
  report.max_stream_ms = std::max(report.max_stream_ms, r.duration_ms);
  switch (r.ending) {
    case SoakEnding::Completed: ++report.completed; return;
    case SoakEnding::CleanError:
      ++report.clean_errors;
      if (r.healthy_fallback) {
        ++report.clean_errors_with_healthy_fallback;
        if (report.unrescued.size() < SoakReport::kMaxListed)
          report.unrescued.push_back({r.index, "clean_error", plan.describe(), r.client_text});
      }
      return;
    case SoakEnding::Violation: break;
  }
  ++report.violating_streams;
  report.lost_text += r.lost_text;
  report.duplicated_text += r.duplicated_text;
  report.truncated_success += r.truncated_success;
  report.usage_mismatches += r.usage_mismatch;
  report.hung += r.hung;
  report.upstream_left_open += r.upstream_left_open;
  for (const auto& id : r.other) ++report.other_violations[id];
  if (report.violations.size() < SoakReport::kMaxListed)
    report.violations.push_back({r.index, violation_kinds(r), plan.describe(), r.detail});
}

std::string progress_line(const SoakReport& r, int total, double elapsed_s) {
  std::ostringstream line;
  line << std::fixed << std::setprecision(1) << r.streams_run << "/" << total << " streams, " << r.faults_fired
       << " faults fired, " << r.completed << " completed, " << r.clean_errors << " clean errors, "
       << r.violating_streams << " violations, " << (elapsed_s > 0 ? r.streams_run / elapsed_s : 0)
       << " streams/s, " << elapsed_s << " s";
  return line.str();
}

// Polls until the fd and thread counts are back at (or under) the given baselines, or the
// deadline passes; connections and threads wind down asynchronously after the last stream.
std::pair<int, int> settle(int fds, int threads, Clock::time_point deadline) {
  for (;;) {
    const int f = open_fds(), t = thread_count();
    if ((f <= fds && t <= threads) || Clock::now() >= deadline) return {f, t};
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

reports::SoakUpstreamRequest upstream_request(const std::string& provider, const fakes::JournalEntry& e) {
  reports::SoakUpstreamRequest r;
  r.provider = provider;
  r.index = e.index;
  r.received_ms = e.received_ms;
  r.fault = e.fault ? e.fault->describe() : "";
  r.fault_fired = e.fault_fired;
  r.continuation = e.continuation;
  r.partial_bytes = e.partial.size();
  r.mismatch = e.mismatch;
  r.status = e.status;
  r.text_sent = e.text_sent;
  if (e.usage_sent) {
    r.usage_input = e.usage_sent->input_tokens;
    r.usage_output = e.usage_sent->output_tokens;
  }
  r.ended = std::string(fakes::to_string(e.ended));
  r.ended_ms = e.ended_ms;
  return r;
}

// A replayed stream: its plan, what the client got, and every fake's requests.
reports::SoakReplay replay_of(const SoakStreamPlan& plan, const StreamRun& run) {
  reports::SoakReplay replay;
  replay.stream = run.result.index;
  replay.plan = plan.describe();
  replay.client_text = run.result.client_text;
  replay.client_body = run.body;
  replay.duration_ms = run.result.duration_ms;
  replay.faults_fired = run.result.faults_fired;
  std::vector<std::pair<std::string, const fakes::JournalEntry*>> entries;
  for (const auto& [name, list] : run.journals)
    for (const auto& e : list) {
      entries.emplace_back(name, &e);
      replay.journals[name].push_back(fakes::to_json(e));
    }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.second->received_ms < b.second->received_ms; });
  for (const auto& [name, e] : entries) replay.requests.push_back(upstream_request(name, *e));
  return replay;
}

// Every stream of the plan over the driver's lanes, until done or past `limit`; a progress
// line every interval.
void run_streams(SoakDriver& driver, const SoakOptions& options, Clock::time_point limit, SoakReport& report,
                 const Progress& say) {
  const bool replay = options.only_stream >= 0;
  const int total = replay ? 1 : options.streams;
  const auto started = Clock::now();
  std::mutex mutex;
  std::condition_variable done_cv;
  int running = driver.lanes();
  std::atomic<int> next{0};
  std::atomic<bool> cut{false};
  std::vector<std::thread> workers;
  for (int lane = 0; lane < driver.lanes(); ++lane)
    workers.emplace_back([&, lane] {
      for (;;) {
        if (Clock::now() >= limit) {
          cut = true;
          break;
        }
        const int i = next.fetch_add(1);
        if (i >= total) break;
        const SoakStreamPlan plan = plan_stream(options.seed, replay ? options.only_stream : i, options.fault_rate);
        const StreamRun run = driver.run(lane, plan);
        std::lock_guard<std::mutex> lock(mutex);
        tally(report, plan, run.result);
        if (replay) report.replayed = replay_of(plan, run);
      }
      std::lock_guard<std::mutex> lock(mutex);
      if (--running == 0) done_cv.notify_all();
    });
  {
    std::unique_lock<std::mutex> lock(mutex);
    while (!done_cv.wait_for(lock, std::chrono::milliseconds(options.progress_interval_ms),
                             [&] { return running == 0; }))
      say(progress_line(report, total, std::chrono::duration<double>(Clock::now() - started).count()));
  }
  for (auto& w : workers) w.join();
  auto by_stream = [](const SoakViolation& a, const SoakViolation& b) { return a.stream < b.stream; };
  std::sort(report.violations.begin(), report.violations.end(), by_stream);
  std::sort(report.unrescued.begin(), report.unrescued.end(), by_stream);
  report.bounded_by_time = cut && report.streams_run < total;
  report.duration_s = std::chrono::duration<double>(Clock::now() - started).count();
  report.streams_per_s = report.duration_s > 0 ? report.streams_run / report.duration_s : 0;
  say(progress_line(report, total, report.duration_s));
}

// With the router still up and idle: every client connection, upstream connection and
// per-request thread of the run must be gone once the idle keep-alive connections the router
// keeps for reuse are closed.
void check_leaks_with_router_up(SoakDriver& driver, const SoakOptions& options, SoakReport& report) {
  driver.close_idle_connections();
  const auto [fds, threads] =
      settle(report.fd_baseline, report.thread_baseline, Clock::now() + std::chrono::milliseconds(options.settle_ms));
  report.fd_after = fds;
  report.thread_after = threads;
  report.fd_leak = std::max(0, fds - report.fd_baseline);
  report.thread_leak = std::max(0, threads - report.thread_baseline);
  report.rss_end_mb = current_rss_mb();
  // Under AddressSanitizer freed memory sits in its quarantine (256 MB by default) and every
  // allocation has shadow and redzones, so RSS says nothing about the router: reported, not judged.
  report.rss_unbounded = report.rss_judged && report.rss_end_mb - report.rss_start_mb > options.max_rss_growth_mb;
}

}  // namespace

SoakReport run_soak(const SoakOptions& options, const Progress& progress) {
  validate(options);
  const int lanes = options.only_stream >= 0 ? 1 : std::min(options.concurrency, options.streams);
  const harness::TargetFactory router = soak_target(options.target, lanes);
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  SoakReport report;
  report.settings = settings_of(options);
  report.runtime_threads = kRuntimeThreads;
  report.rss_judged = !kUnderAddressSanitizer;
  report.fd_before_start = open_fds();
  report.thread_before_start = thread_count();
  const auto epoch = Clock::now();
  const auto limit = epoch + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(options.duration_limit_s));
  {
    SoakDriver driver({lanes, router, options.defects, options.seed, options.time_scale}, epoch);
    report.settings.target_description = driver.router_description();
    driver.warm_up();
    // Idle keep-alive connections to the fakes (and the fakes' threads serving them) are not
    // part of the baseline; they are closed again before the leak check. The pause first lets
    // every warm-up stream hand its connection back.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    driver.close_idle_connections();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    report.fd_baseline = open_fds();
    report.thread_baseline = thread_count();
    report.rss_start_mb = current_rss_mb();
    run_streams(driver, options, limit, report, say);
    check_leaks_with_router_up(driver, options, report);
    driver.stop();
  }
  // And once everything was stopped: back to what the process had before it started any.
  const auto [fds, threads] = settle(report.fd_before_start, report.thread_before_start + kRuntimeThreads,
                                     Clock::now() + std::chrono::milliseconds(options.settle_ms));
  report.fd_after_stop = fds;
  report.thread_after_stop = threads;
  report.peak_rss_mb = peak_rss_mb();
  return report;
}

}  // namespace midstream::stress
