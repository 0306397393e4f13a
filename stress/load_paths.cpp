// The direct and router paths of a load run, in rounds (load_paths.h).
#include "stress/load_paths.h"

#include <iomanip>
#include <memory>
#include <optional>
#include <sstream>

#include "fakes/fake_provider.h"
#include "stress/proc_sampler.h"

namespace midstream::stress {
namespace {

// One path's samples over its rounds, and the CPU spent during them.
struct PathAccumulator {
  explicit PathAccumulator(std::string path) : name(std::move(path)) {}
  std::string name;
  int attempted = 0, completed = 0, failed = 0;
  std::vector<double> ttft_us, gap_us;
  double wall_s = 0;
  CpuTimes usage;         // this process
  CpuTimes router_usage;  // the router's own process (process and portkey targets)
  int cut = 0;

  void add(const std::vector<StreamSample>& samples, std::vector<std::string>& problems) {
    for (const auto& s : samples) {
      if (!s.ran) continue;
      if (s.cut) {
        ++cut;
        continue;
      }
      ++attempted;
      if (!s.ok) {
        ++failed;
        if (problems.size() < kMaxProblems) problems.push_back(name + ": " + s.problem);
        continue;
      }
      ++completed;
      ttft_us.push_back((s.first_text_ms - s.start_ms) * 1000.0);
      for (size_t i = 1; i < s.delta_ms.size(); ++i) gap_us.push_back((s.delta_ms[i] - s.delta_ms[i - 1]) * 1000.0);
    }
  }

  PathStats stats() const {
    PathStats p;
    p.attempted = attempted;
    p.completed = completed;
    p.failed = failed;
    p.ttft = summarize(ttft_us);
    p.inter_chunk = summarize(gap_us);
    p.wall_s = wall_s;
    p.streams_per_s = wall_s > 0 ? completed / wall_s : 0;
    p.cpu_user_s = usage.user_s;
    p.cpu_sys_s = usage.sys_s;
    p.cpu_s = usage.total_s();
    p.cpu_s_per_1000_streams = completed > 0 ? p.cpu_s * 1000.0 / completed : 0;
    p.context_switches_per_stream = attempted > 0 ? usage.switches / attempted : 0;
    return p;
  }
};

// Reads the router process's usage around a round; a router that is gone is a problem.
std::optional<CpuTimes> router_cpu_now(const harness::Target& target, const std::string& name,
                                       std::vector<std::string>& problems) {
  const auto pid = target.router_pid();
  const auto usage = pid ? process_cpu(*pid) : std::nullopt;
  if (!usage && problems.size() < kMaxProblems)
    problems.push_back(name + ": the router process could not be read from /proc (did it exit?)");
  return usage;
}

// The phases' state: one fake, every target's router in front of it, a path per route.
class PathsPhase {
 public:
  PathsPhase(const LoadOptions& options, const std::vector<LoadTargetSpec>& specs, LoadClock& clock,
             LoadReport& report)
      : options_(options), specs_(specs), clock_(clock), report_(report),
        fake_(load_provider("load", options.event_delay_ms)) {}

  void run(const Progress& say) {
    start();
    warm_up();
    rounds(say);
    finish();
  }

 private:
  size_t paths() const { return 1 + specs_.size(); }  // path 0: direct; path 1 + t: target t
  void start();
  void warm_up();
  void rounds(const Progress& say);
  // One round of `count` streams on one path; returns its progress line.
  std::string round(size_t path, int count, Clock::time_point round_bound);
  void finish();

  const LoadOptions& options_;
  const std::vector<LoadTargetSpec>& specs_;
  LoadClock& clock_;
  LoadReport& report_;
  const std::string answer_ = fakes::kDefaultAnswer;
  fakes::FakeProvider fake_;
  std::vector<std::unique_ptr<harness::Target>> routers_;
  std::vector<uint16_t> ports_;
  std::vector<net::HeaderList> headers_;
  std::vector<PathAccumulator> acc_;
};

void PathsPhase::start() {
  fake_.journal().set_epoch(clock_.epoch);
  fake_.start();
  const nlohmann::json config = load_router_config(fake_.base_url(), "");
  const harness::ClientSpec client = load_client_spec();
  ports_ = {fake_.port()};
  headers_ = {{}};
  acc_ = {PathAccumulator("direct")};
  for (size_t t = 0; t < specs_.size(); ++t) {
    routers_.push_back(specs_[t].factory());
    ports_.push_back(routers_.back()->start(config));
    headers_.push_back(routers_.back()->request_headers(client));
    report_.targets[t].description = routers_.back()->info().description;
    acc_.emplace_back(specs_[t].name);
  }
  report_.rss_at_start_mb = current_rss_mb();
}

// One stream per client thread on each path, not counted, within a tenth of the paths' time.
void PathsPhase::warm_up() {
  const auto warmup_bound = Clock::now() + (clock_.paths_bound - Clock::now()) / 10;
  for (size_t path = 0; path < paths(); ++path)
    run_parallel(std::min(options_.streams, options_.concurrency), options_.concurrency, warmup_bound,
                 clock_.stagger, [&](int) {
                   run_stream(ports_[path], headers_[path], clock_.next_id++, answer_, clock_.epoch, warmup_bound);
                 });
  fake_.journal().clear();
}

void PathsPhase::rounds(const Progress& say) {
  std::vector<int> done(paths(), 0);
  const int round_size = (options_.streams + options_.rounds - 1) / options_.rounds;
  // Each round of each path gets an equal share of the time left, so a tight --seconds still
  // measures every path; time a round leaves unused passes on to the next.
  const auto rounds_start = Clock::now();
  const auto share = (clock_.paths_bound - rounds_start) / static_cast<int64_t>(paths() * options_.rounds);
  int64_t slot = 0;
  for (int round_index = 0; round_index < options_.rounds; ++round_index) {
    // Rotate which path goes first, so none always runs on a warmer (or busier) machine.
    for (size_t k = 0; k < paths(); ++k) {
      const size_t path = (k + static_cast<size_t>(round_index)) % paths();
      const int count = std::min(round_size, options_.streams - done[path]);
      const auto round_bound = std::min(clock_.paths_bound, rounds_start + share * ++slot);
      if (count <= 0) continue;
      if (Clock::now() >= round_bound) {
        report_.bounded_by_time = true;
        continue;
      }
      const std::string line = round(path, count, round_bound);
      done[path] += count;
      say("round " + std::to_string(round_index + 1) + "/" + std::to_string(options_.rounds) + " " + line);
    }
  }
}

std::string PathsPhase::round(size_t path, int count, Clock::time_point round_bound) {
  PathAccumulator& acc = acc_[path];
  const harness::Target* router = path == 0 ? nullptr : routers_[path - 1].get();
  const bool own = path > 0 && specs_[path - 1].own_process;
  std::vector<StreamSample> samples(static_cast<size_t>(count));
  const auto router0 = own ? router_cpu_now(*router, acc.name, report_.problems) : std::nullopt;
  const CpuTimes usage0 = self_cpu();
  const auto t0 = Clock::now();
  run_parallel(count, options_.concurrency, round_bound, clock_.stagger, [&](int i) {
    samples[static_cast<size_t>(i)] =
        run_stream(ports_[path], headers_[path], clock_.next_id++, answer_, clock_.epoch, round_bound);
  });
  const double wall = ms_between(t0, Clock::now()) / 1000.0;
  acc.usage += self_cpu() - usage0;
  if (own) {
    const auto router1 = router_cpu_now(*router, acc.name, report_.problems);
    if (router0 && router1) acc.router_usage += *router1 - *router0;
  }
  acc.wall_s += wall;
  const int before = acc.completed, failed_before = acc.failed;
  acc.add(samples, report_.problems);
  const int ran = acc.attempted - (before + failed_before);
  if (ran < count) report_.bounded_by_time = true;  // not started, or cut by the bound
  fake_.journal().clear();  // keeps the process's memory about the routers, not the journal
  std::ostringstream line;
  line << std::fixed << std::setprecision(2) << acc.name << ": " << ran << " streams in " << wall << " s ("
       << std::setprecision(0) << (wall > 0 ? ran / wall : 0) << "/s), " << acc.failed - failed_before << " failed";
  return line.str();
}

void PathsPhase::finish() {
  report_.direct = acc_[0].stats();
  for (size_t t = 0; t < specs_.size(); ++t) {
    auto& out = report_.targets[t];
    out.path = acc_[t + 1].stats();
    if (out.own_process) {
      const CpuTimes& u = acc_[t + 1].router_usage;
      out.router_process_cpu_user_s = u.user_s;
      out.router_process_cpu_sys_s = u.sys_s;
      out.router_process_cpu_s = u.total_s();
      out.router_process_context_switches_per_stream = out.path.attempted > 0 ? u.switches / out.path.attempted : 0;
      out.peak_rss_mb = std::max(out.peak_rss_mb, router_peak_mb(*routers_[t]));
    }
    routers_[t]->stop();
  }
  routers_.clear();
  fake_.stop();
}

}  // namespace

void run_paths(const LoadOptions& options, const std::vector<LoadTargetSpec>& specs, LoadClock& clock,
               LoadReport& report, const Progress& say) {
  PathsPhase(options, specs, clock, report).run(say);
}

}  // namespace midstream::stress
