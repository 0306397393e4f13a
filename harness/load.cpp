#include "harness/load.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "fakes/fake_provider.h"
#include "harness/client.h"
#include "net/http_client.h"
#include "router/config.h"
#include "router/server.h"
#include "wire/codec.h"
#include "wire/sse.h"

namespace midstream::harness {
namespace {

using Clock = net::Clock;

constexpr int64_t kStreamTimeoutMs = 15'000;  // one stream, at most (never past the run's bound)
constexpr size_t kMaxProblems = 8;
constexpr std::string_view kMarker = "[load-";  // tags each request so journals match clients

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// The process's CPU time and context switches so far.
struct Usage {
  double user_s = 0, sys_s = 0, switches = 0;

  static Usage now() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& tv) {
      return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    };
    return {seconds(usage.ru_utime), seconds(usage.ru_stime),
            static_cast<double>(usage.ru_nvcsw + usage.ru_nivcsw)};
  }
  Usage operator-(const Usage& o) const { return {user_s - o.user_s, sys_s - o.sys_s, switches - o.switches}; }
  Usage& operator+=(const Usage& o) {
    user_s += o.user_s;
    sys_s += o.sys_s;
    switches += o.switches;
    return *this;
  }
};

double peak_rss_mb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

double current_rss_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown";
}

std::string marker(int id) { return std::string(kMarker) + std::to_string(id) + "]"; }

// The id of the "[load-ID]" marker in a request body, -1 when there is none.
int marker_id(const std::string& body) {
  size_t at = body.find(kMarker);
  if (at == std::string::npos) return -1;
  at += kMarker.size();
  int id = 0;
  const size_t first = at;
  while (at < body.size() && body[at] >= '0' && body[at] <= '9' && at - first < 9)
    id = id * 10 + (body[at++] - '0');
  return at > first && at < body.size() && body[at] == ']' ? id : -1;
}

// What one client saw of one streamed answer.
struct StreamSample {
  bool ran = false;
  bool cut = false;                 // the run's time bound ended it: neither a success nor a failure
  bool ok = false;                  // 200, the whole answer, the terminator, a complete body
  double start_ms = 0;              // before connecting, relative to the run's epoch
  double first_text_ms = -1;
  std::vector<double> delta_ms;     // arrival of every text delta
  std::vector<std::pair<double, size_t>> growth;  // (arrival, text bytes so far) per read with text
  std::string problem;
};

StreamSample run_stream(uint16_t port, int id, const std::string& answer, Clock::time_point epoch,
                        Clock::time_point phase_deadline) {
  StreamSample s;
  s.ran = true;
  ClientSpec spec;
  spec.front = "chat";
  spec.stream = true;
  spec.request.model = "gpt-4o";
  spec.request.include_usage = true;
  spec.request.messages = {{"user", "Say the answer. " + marker(id)}};
  net::ClientRequest request;
  request.port = port;
  request.target = client_path(spec);
  request.headers = {{"Content-Type", "application/json"},
                     {"Authorization", "Bearer sk-midstream-load"},
                     {"Accept", "text/event-stream"}};
  request.body = client_request_body(spec);

  const auto start = Clock::now();
  s.start_ms = ms_between(epoch, start);
  const auto deadline = std::min(phase_deadline, start + std::chrono::milliseconds(kStreamTimeoutMs));
  net::HttpStream stream;
  auto ended = [&stream]() {
    std::string text(net::to_string(stream.end()));
    if (!stream.detail().empty()) text += " (" + stream.detail() + ")";
    return text;
  };
  if (!stream.start(request, deadline) || !stream.read_head(deadline)) {
    s.problem = "no response head: " + ended();
    s.cut = stream.end() == net::StreamEnd::Timeout && Clock::now() >= phase_deadline;
    return s;
  }
  if (stream.head().status != 200) {
    s.problem = "status " + std::to_string(stream.head().status);
    return s;
  }
  auto decoder = wire::make_decoder(wire::Dialect::OpenAIChat);
  wire::SseFramer framer;
  std::vector<wire::StreamEvent> events;
  const wire::SseFramer::Sink sink = [&](const wire::SseEvent& e) { decoder->decode(e, events); };
  std::string text, chunk;
  bool terminator = false;
  for (;;) {
    chunk.clear();
    if (!stream.read_some(&chunk, deadline)) break;
    const double at = ms_between(epoch, Clock::now());
    events.clear();
    framer.feed(chunk, sink);
    const size_t before = text.size();
    for (const auto& event : events) {
      if (event.kind == wire::EventKind::TextDelta) {
        text += event.text;
        s.delta_ms.push_back(at);
        if (s.first_text_ms < 0) s.first_text_ms = at;
      } else if (event.kind == wire::EventKind::End) {
        terminator = true;
      } else if ((event.kind == wire::EventKind::Error || event.kind == wire::EventKind::Malformed) &&
                 s.problem.empty()) {
        s.problem = wire::describe(event);
      }
    }
    if (text.size() > before) s.growth.emplace_back(at, text.size());
  }
  if (!s.problem.empty()) return s;
  if (stream.end() == net::StreamEnd::Timeout && Clock::now() >= phase_deadline) s.cut = true;
  if (stream.end() != net::StreamEnd::Complete) s.problem = "the body ended " + ended();
  else if (!terminator) s.problem = "no [DONE]";
  else if (text != answer) s.problem = "text differs from the canonical answer (" + std::to_string(text.size()) + " bytes)";
  else s.ok = true;
  return s;
}

// Runs one(i) for i in [0, count) on min(count, concurrency) threads; no new i after deadline.
// Thread w starts w/threads of `stagger` late: paced streams that all started at once would tick
// in step, and every one of them would reach the router (or fail over) in the same instant.
template <typename F>
void run_parallel(int count, int concurrency, Clock::time_point deadline, Clock::duration stagger,
                  F&& one) {
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  const int threads = std::min(count, concurrency);
  workers.reserve(static_cast<size_t>(threads));
  const auto start = Clock::now();
  for (int w = 0; w < threads; ++w)
    workers.emplace_back([&, w]() {
      if (!net::sleep_until(std::min(deadline, start + stagger * w / threads), nullptr)) return;
      while (Clock::now() < deadline) {
        const int i = next.fetch_add(1);
        if (i >= count) return;
        one(i);
      }
    });
  for (auto& worker : workers) worker.join();
}

LatencySummary summarize(std::vector<double> us) {
  LatencySummary s;
  s.count = us.size();
  if (us.empty()) return s;
  std::sort(us.begin(), us.end());
  auto rank = [&](double q) {  // nearest rank
    const auto r = static_cast<size_t>(std::ceil(q * static_cast<double>(us.size())));
    return us[std::min(us.size() - 1, r == 0 ? 0 : r - 1)];
  };
  s.p50_us = rank(0.50);
  s.p99_us = rank(0.99);
  double sum = 0;
  for (double v : us) sum += v;
  s.mean_us = sum / static_cast<double>(us.size());
  s.max_us = us.back();
  return s;
}

struct PathAccumulator {
  explicit PathAccumulator(const char* path) : name(path) {}
  const char* name;
  int attempted = 0, completed = 0, failed = 0;
  std::vector<double> ttft_us, gap_us;
  double wall_s = 0;
  Usage usage;
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
        if (problems.size() < kMaxProblems) problems.push_back(std::string(name) + ": " + s.problem);
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
    p.cpu_s = usage.user_s + usage.sys_s;
    p.cpu_s_per_1000_streams = completed > 0 ? p.cpu_s * 1000.0 / completed : 0;
    p.context_switches_per_stream = attempted > 0 ? usage.switches / attempted : 0;
    return p;
  }
};

router::RouterConfig router_config(const std::string& primary, const std::string& backup) {
  nlohmann::json json;
  json["model_list"] = nlohmann::json::array();
  json["model_list"].push_back({{"model_name", "gpt-4o"},
                                {"litellm_params",
                                 {{"model", "openai/gpt-4o"}, {"api_base", primary}, {"api_key", "sk-load-primary"}}}});
  if (!backup.empty()) {
    json["model_list"].push_back({{"model_name", "backup"},
                                  {"litellm_params",
                                   {{"model", "openai/gpt-4o-mini"}, {"api_base", backup}, {"api_key", "sk-load-backup"}}}});
    json["router_settings"] = {{"fallbacks", {{{"gpt-4o", {"backup"}}}}}};
  }
  return router::load_router_config(json, "midstream load");
}

router::ServerOptions server_options(const LoadOptions& o) {
  router::ServerOptions options;
  options.threads = static_cast<size_t>(o.router_threads > 0 ? o.router_threads : std::max(32, o.concurrency + 16));
  return options;
}

fakes::ProviderConfig provider(const std::string& name, int64_t event_delay_ms) {
  fakes::ProviderConfig config;
  config.name = name;
  config.dialect = wire::Dialect::OpenAIChat;
  config.event_delay_ms = event_delay_ms;
  return config;
}

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
}

}  // namespace

LoadReport run_load(const LoadOptions& options,
                    const std::function<void(const std::string&)>& progress) {
  validate(options);
  LoadReport report;
  report.options = options;
  report.nproc = std::thread::hardware_concurrency();
  report.cpu_model = cpu_model();
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };

  const int switchover_streams =
      options.switchover_streams >= 0 ? options.switchover_streams : std::max(1, options.streams / 4);
  const auto epoch = Clock::now();
  const auto bound = epoch + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(options.seconds));
  // The paths get most of the time; the switchover phase keeps a quarter for itself.
  const auto paths_bound =
      switchover_streams > 0
          ? epoch + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds * 0.75))
          : bound;
  const std::string answer = fakes::kDefaultAnswer;
  std::atomic<int> next_id{0};
  // Client threads start spread over one event interval, so paced streams do not tick in step.
  const Clock::duration stagger = std::chrono::milliseconds(options.event_delay_ms);

  // Phase 1 and 2: direct to the fake and through the router, in alternating rounds.
  {
    fakes::FakeProvider fake(provider("load", options.event_delay_ms));
    fake.journal().set_epoch(epoch);
    fake.start();
    router::RouterServer router(router_config(fake.base_url(), ""), server_options(options));
    const uint16_t router_port = router.start();
    report.rss_at_start_mb = current_rss_mb();

    const uint16_t ports[2] = {fake.port(), router_port};
    // A warm-up of one stream per client thread on each path, not counted, within a tenth of
    // the paths' time.
    const auto warmup_bound = Clock::now() + (paths_bound - Clock::now()) / 10;
    for (uint16_t port : ports)
      run_parallel(std::min(options.streams, options.concurrency), options.concurrency, warmup_bound, stagger,
                   [&](int) { run_stream(port, next_id++, answer, epoch, warmup_bound); });
    fake.journal().clear();

    PathAccumulator acc[2] = {PathAccumulator("direct"), PathAccumulator("router")};
    int done[2] = {0, 0};
    const int round_size = (options.streams + options.rounds - 1) / options.rounds;
    // Each round of each path gets an equal share of the time left, so a tight --seconds still
    // measures both paths; time a round leaves unused passes on to the next.
    const auto rounds_start = Clock::now();
    const auto share = (paths_bound - rounds_start) / (2 * options.rounds);
    int slot = 0;
    for (int round = 0; round < options.rounds; ++round) {
      // Alternate which path goes first, so neither always runs on a warmer machine.
      for (int k = 0; k < 2; ++k) {
        const int path = round % 2 == 0 ? k : 1 - k;
        const int count = std::min(round_size, options.streams - done[path]);
        const auto round_bound = std::min(paths_bound, rounds_start + share * ++slot);
        if (count <= 0) continue;
        if (Clock::now() >= round_bound) {
          report.bounded_by_time = true;
          continue;
        }
        std::vector<StreamSample> samples(static_cast<size_t>(count));
        const Usage usage0 = Usage::now();
        const auto t0 = Clock::now();
        run_parallel(count, options.concurrency, round_bound, stagger, [&](int i) {
          samples[static_cast<size_t>(i)] = run_stream(ports[path], next_id++, answer, epoch, round_bound);
        });
        const double wall = ms_between(t0, Clock::now()) / 1000.0;
        acc[path].usage += Usage::now() - usage0;
        acc[path].wall_s += wall;
        const int before = acc[path].completed, failed_before = acc[path].failed;
        acc[path].add(samples, report.problems);
        const int ran = acc[path].attempted - (before + failed_before);
        if (ran < count) report.bounded_by_time = true;  // not started, or cut by the bound
        done[path] += count;
        fake.journal().clear();  // keeps the process's memory about the router, not the journal
        std::ostringstream line;
        line << std::fixed << std::setprecision(2) << "round " << round + 1 << "/" << options.rounds << " "
             << acc[path].name << ": " << ran << " streams in " << wall << " s ("
             << std::setprecision(0) << (wall > 0 ? ran / wall : 0) << "/s), "
             << acc[path].failed - failed_before << " failed";
        say(line.str());
      }
    }
    report.direct = acc[0].stats();
    report.router = acc[1].stats();
    router.stop();
    fake.stop();
  }

  // Phase 3: switchover. The primary resets after N deltas on every request; the fallback
  // continues. fault_ms (primary journal) and the client's arrivals share the run's epoch.
  if (switchover_streams > 0 && Clock::now() < bound) {
    // The primary streams at the paths' pace; the fallback never pauses, so the figure is the
    // router's own switchover and not a slow model's time to its first token.
    fakes::ProviderConfig primary_config = provider("primary", options.event_delay_ms);
    fakes::FaultSpec reset;
    reset.position = fakes::FaultPosition::AfterDeltas;
    reset.deltas = options.reset_after_deltas;
    reset.action = fakes::FaultAction::Reset;
    primary_config.then.fault = reset;
    fakes::FakeProvider primary(primary_config);
    fakes::FakeProvider backup(provider("backup", 0));
    primary.journal().set_epoch(epoch);
    backup.journal().set_epoch(epoch);
    primary.start();
    backup.start();
    router::RouterServer router(router_config(primary.base_url(), backup.base_url()),
                                server_options(options));
    const uint16_t port = router.start();

    std::vector<StreamSample> samples(static_cast<size_t>(switchover_streams));
    std::vector<int> ids(samples.size(), -1);
    run_parallel(switchover_streams, options.concurrency, bound, stagger, [&](int i) {
      const int id = next_id++;
      ids[static_cast<size_t>(i)] = id;
      samples[static_cast<size_t>(i)] = run_stream(port, id, answer, epoch, bound);
    });
    const auto settle = std::min(bound, Clock::now() + std::chrono::seconds(2));
    primary.journal().wait_until_idle(settle);
    backup.journal().wait_until_idle(settle);
    std::map<int, double> fault_ms;
    std::map<int, size_t> partial_bytes;
    for (const auto& e : primary.journal().entries())
      if (e.fault_fired) fault_ms[marker_id(e.body)] = e.fault_ms;
    for (const auto& e : backup.journal().entries())
      if (e.continuation) partial_bytes[marker_id(e.body)] = e.partial.size();

    std::vector<double> switch_us;
    int failed = 0;
    for (size_t i = 0; i < samples.size(); ++i) {
      const auto& s = samples[i];
      if (!s.ran || s.cut) continue;
      ++report.switchover_attempted;
      if (!s.ok) {
        ++failed;
        if (report.problems.size() < kMaxProblems) report.problems.push_back("switchover: " + s.problem);
        continue;
      }
      ++report.switchover_completed;
      auto fault = fault_ms.find(ids[i]);
      auto partial = partial_bytes.find(ids[i]);
      if (fault == fault_ms.end() || partial == partial_bytes.end()) {
        ++report.switchover_unmatched;
        continue;
      }
      // The fallback's first text: the first read that took the text past the partial.
      for (const auto& [at, bytes] : s.growth)
        if (bytes > partial->second) {
          switch_us.push_back((at - fault->second) * 1000.0);
          break;
        }
    }
    if (switchover_streams > report.switchover_attempted) report.bounded_by_time = true;
    report.switchover = summarize(std::move(switch_us));
    std::ostringstream line;
    line << "switchover: " << report.switchover_attempted << " streams, " << failed << " failed";
    say(line.str());
    router.stop();
    primary.stop();
    backup.stop();
  }

  if (report.direct.ttft.count && report.router.ttft.count) {
    report.ttft_overhead_p50_us = report.router.ttft.p50_us - report.direct.ttft.p50_us;
    report.ttft_overhead_p99_us = report.router.ttft.p99_us - report.direct.ttft.p99_us;
  }
  if (report.direct.inter_chunk.count && report.router.inter_chunk.count) {
    report.inter_chunk_overhead_p50_us = report.router.inter_chunk.p50_us - report.direct.inter_chunk.p50_us;
    report.inter_chunk_overhead_p99_us = report.router.inter_chunk.p99_us - report.direct.inter_chunk.p99_us;
  }
  if (report.direct.streams_per_s > 0) report.throughput_ratio = report.router.streams_per_s / report.direct.streams_per_s;
  if (report.direct.completed && report.router.completed)
    report.router_cpu_s_per_1000_streams =
        report.router.cpu_s_per_1000_streams - report.direct.cpu_s_per_1000_streams;
  report.peak_rss_mb = peak_rss_mb();
  report.elapsed_s = ms_between(epoch, Clock::now()) / 1000.0;
  return report;
}

namespace {

nlohmann::json or_null(bool present, double value) {
  return present ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json summary_json(const LatencySummary& s) {
  return {{"count", s.count},
          {"p50_us", or_null(s.count > 0, s.p50_us)},
          {"p99_us", or_null(s.count > 0, s.p99_us)},
          {"mean_us", or_null(s.count > 0, s.mean_us)},
          {"max_us", or_null(s.count > 0, s.max_us)}};
}

nlohmann::json path_json(const PathStats& p) {
  return {{"attempted", p.attempted},
          {"completed", p.completed},
          {"failed", p.failed},
          {"ttft", summary_json(p.ttft)},
          {"inter_chunk", summary_json(p.inter_chunk)},
          {"wall_s", p.wall_s},
          {"streams_per_s", p.streams_per_s},
          {"cpu_s", p.cpu_s},
          {"cpu_user_s", p.cpu_user_s},
          {"cpu_sys_s", p.cpu_sys_s},
          {"context_switches_per_stream", p.context_switches_per_stream},
          {"cpu_s_per_1000_streams", or_null(p.completed > 0, p.cpu_s_per_1000_streams)}};
}

}  // namespace

nlohmann::json to_json(const LoadReport& r) {
  const bool both_ttft = r.direct.ttft.count && r.router.ttft.count;
  const bool both_gaps = r.direct.inter_chunk.count && r.router.inter_chunk.count;
  const bool switched = r.switchover.count > 0;
  return {
      {"streams", r.options.streams},
      {"concurrency", r.options.concurrency},
      {"seconds_bound", r.options.seconds},
      {"elapsed_s", r.elapsed_s},
      {"bounded_by_time", r.bounded_by_time},
      {"ttft_overhead_p50_us", or_null(both_ttft, r.ttft_overhead_p50_us)},
      {"ttft_overhead_p99_us", or_null(both_ttft, r.ttft_overhead_p99_us)},
      {"inter_chunk_overhead_p50_us", or_null(both_gaps, r.inter_chunk_overhead_p50_us)},
      {"inter_chunk_overhead_p99_us", or_null(both_gaps, r.inter_chunk_overhead_p99_us)},
      {"switchover_p50_us", or_null(switched, r.switchover.p50_us)},
      {"switchover_p99_us", or_null(switched, r.switchover.p99_us)},
      {"throughput_ratio", or_null(r.direct.streams_per_s > 0, r.throughput_ratio)},
      {"router_streams_per_s", r.router.streams_per_s},
      {"direct_streams_per_s", r.direct.streams_per_s},
      {"router_cpu_s_per_1000_streams", or_null(r.direct.completed && r.router.completed, r.router_cpu_s_per_1000_streams)},
      {"router_peak_rss_mb", r.peak_rss_mb},
      {"rss_at_start_mb", r.rss_at_start_mb},
      {"rss_note", "router, fakes and clients share one process: the peak is the process's"},
      {"direct", path_json(r.direct)},
      {"router", path_json(r.router)},
      {"switchover",
       {{"attempted", r.switchover_attempted},
        {"completed", r.switchover_completed},
        {"unmatched", r.switchover_unmatched},
        {"reset_after_deltas", r.options.reset_after_deltas},
        {"latency", summary_json(r.switchover)}}},
      {"event_delay_ms", r.options.event_delay_ms},
      {"rounds", r.options.rounds},
      {"router_threads", r.options.router_threads > 0 ? r.options.router_threads
                                                      : std::max(32, r.options.concurrency + 16)},
      {"machine", {{"nproc", r.nproc}, {"cpu_model", r.cpu_model}}},
      {"problems", r.problems},
  };
}

std::string format_load_report(const LoadReport& r) {
  std::ostringstream out;
  out << std::fixed;
  auto us = [&](const LatencySummary& s, double v) {
    std::ostringstream cell;
    cell << std::fixed << std::setprecision(0);
    if (s.count) cell << v << " us";
    else cell << "-";
    return cell.str();
  };
  auto row = [&](const char* name, const PathStats& p) {
    out << "  " << std::left << std::setw(8) << name << std::right << std::setw(7) << p.completed << "/"
        << std::left << std::setw(7) << p.attempted << std::right << std::setw(12) << us(p.ttft, p.ttft.p50_us)
        << std::setw(12) << us(p.ttft, p.ttft.p99_us) << std::setw(12) << us(p.inter_chunk, p.inter_chunk.p50_us)
        << std::setw(12) << us(p.inter_chunk, p.inter_chunk.p99_us) << std::setprecision(1) << std::setw(11)
        << p.streams_per_s << std::setprecision(3) << std::setw(12) << p.cpu_s_per_1000_streams << "\n";
  };
  out << "midstream load: " << r.options.streams << " streams per path, " << r.options.concurrency
      << " concurrent, 127.0.0.1, " << r.nproc << " CPUs (" << r.cpu_model << ")\n\n";
  out << "  path         ok/tried     TTFT p50    TTFT p99   chunk p50   chunk p99  streams/s  CPU s/1000\n";
  row("direct", r.direct);
  row("router", r.router);
  for (const auto* p : {&r.direct, &r.router})
    out << "  " << (p == &r.direct ? "direct" : "router") << ": CPU " << std::setprecision(2) << p->cpu_user_s
        << " s user + " << p->cpu_sys_s << " s sys over " << p->wall_s << " s; " << std::setprecision(1)
        << p->context_switches_per_stream << " context switches per stream (whole process)\n";
  if (r.direct.completed && r.router.completed) {
    out << std::setprecision(0) << "\nrouter overhead: TTFT p50 " << r.ttft_overhead_p50_us << " us, p99 "
        << r.ttft_overhead_p99_us << " us; inter-chunk p50 " << r.inter_chunk_overhead_p50_us << " us, p99 "
        << r.inter_chunk_overhead_p99_us << " us\n";
    out << std::setprecision(3) << "throughput ratio (router / direct): " << r.throughput_ratio
        << "; router CPU per 1000 streams: " << r.router_cpu_s_per_1000_streams << " s\n";
  } else {
    out << "\nrouter overhead: not measured (a path completed no stream)\n";
  }
  out << "switchover (reset after " << r.options.reset_after_deltas << " deltas -> fallback text at the client): "
      << r.switchover_completed << "/" << r.switchover_attempted << " completed, p50 "
      << us(r.switchover, r.switchover.p50_us) << ", p99 " << us(r.switchover, r.switchover.p99_us);
  if (r.switchover_unmatched) out << " (" << r.switchover_unmatched << " not matched to journals)";
  out << "\n" << std::setprecision(1) << "peak RSS " << r.peak_rss_mb << " MB (whole process: router, fakes and clients; "
      << r.rss_at_start_mb << " MB at start); " << r.elapsed_s << " s elapsed"
      << (r.bounded_by_time ? ", STOPPED BY THE TIME BOUND" : "") << "\n";
  for (const auto& p : r.problems) out << "  problem: " << p << "\n";
  return out.str();
}

}  // namespace midstream::harness
