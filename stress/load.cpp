#include "stress/load.h"

#include <dirent.h>
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
#include "targets/registry.h"
#include "net/http_client.h"
#include "router/config.h"
#include "router/server.h"
#include "wire/codec.h"
#include "wire/sse.h"

namespace midstream::stress {
using namespace midstream::harness;
using namespace midstream::targets;
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

// Another process's CPU time (utime + stime of the whole thread group, dead threads included)
// and its live threads' context switches, from /proc. ok == false once it is gone.
struct ProcUsage {
  bool ok = false;
  double user_s = 0, sys_s = 0, switches = 0;

  static ProcUsage of(pid_t pid) {
    ProcUsage u;
    const std::string dir = "/proc/" + std::to_string(pid);
    std::ifstream stat(dir + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return u;
    const auto paren = line.rfind(')');  // the command name may hold spaces and parentheses
    if (paren == std::string::npos) return u;
    std::istringstream fields(line.substr(paren + 2));
    std::string field;
    // Field 3 (state) comes first; utime and stime are fields 14 and 15.
    std::vector<std::string> f;
    while (f.size() < 13 && fields >> field) f.push_back(field);
    if (f.size() < 13) return u;
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    u.user_s = std::stod(f[11]) / ticks;
    u.sys_s = std::stod(f[12]) / ticks;
    u.ok = true;
    if (DIR* tasks = ::opendir((dir + "/task").c_str())) {
      while (const dirent* entry = ::readdir(tasks)) {
        if (entry->d_name[0] == '.') continue;
        std::ifstream status(dir + "/task/" + entry->d_name + "/status");
        for (std::string l; std::getline(status, l);)
          if (l.rfind("voluntary_ctxt_switches:", 0) == 0 || l.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
            u.switches += std::stod(l.substr(l.find(':') + 1));
      }
      ::closedir(tasks);
    }
    return u;
  }
};

// VmHWM (peak resident set) of a process in MB; 0 when it cannot be read.
double vm_hwm_mb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  return 0;
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
  bool truncated = false;           // a complete body (a clean end) with only a prefix of the answer
  double start_ms = 0;              // before connecting, relative to the run's epoch
  double first_text_ms = -1;
  std::vector<double> delta_ms;     // arrival of every text delta
  std::vector<std::pair<double, size_t>> growth;  // (arrival, text bytes so far) per read with text
  std::string problem;
};

// The request every load stream sends (a marker in its message tells the journals apart).
ClientSpec load_client_spec() {
  ClientSpec spec;
  spec.front = harness::Front::Chat;
  spec.stream = true;
  spec.request.model = "gpt-4o";
  spec.request.include_usage = true;
  spec.request.messages = {{"user", "Say the answer."}};
  return spec;
}

StreamSample run_stream(uint16_t port, const net::HeaderList& extra_headers, int id, const std::string& answer,
                        Clock::time_point epoch, Clock::time_point phase_deadline) {
  StreamSample s;
  s.ran = true;
  ClientSpec spec = load_client_spec();
  spec.request.messages = {{"user", "Say the answer. " + marker(id)}};
  net::ClientRequest request;
  request.port = port;
  request.target = client_path(spec);
  request.headers = {{"Content-Type", "application/json"},
                     {"Authorization", "Bearer sk-midstream-load"},
                     {"Accept", "text/event-stream"}};
  for (const auto& header : extra_headers) request.headers.push_back(header);
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
  s.truncated = stream.end() == net::StreamEnd::Complete && text.size() < answer.size() &&
                answer.compare(0, text.size(), text) == 0;
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
  explicit PathAccumulator(std::string path) : name(std::move(path)) {}
  std::string name;
  int attempted = 0, completed = 0, failed = 0;
  std::vector<double> ttft_us, gap_us;
  double wall_s = 0;
  Usage usage;        // this process
  Usage router_usage; // the router's own process (process and portkey targets)
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
    p.cpu_s = usage.user_s + usage.sys_s;
    p.cpu_s_per_1000_streams = completed > 0 ? p.cpu_s * 1000.0 / completed : 0;
    p.context_switches_per_stream = attempted > 0 ? usage.switches / attempted : 0;
    return p;
  }
};

// The router config of a phase: one deployment in front of `primary`, and with `backup` a
// fallback group behind it.
nlohmann::json router_config(const std::string& primary, const std::string& backup) {
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
  return json;
}

int embedded_router_threads(const LoadOptions& o) {
  return o.router_threads > 0 ? o.router_threads : std::max(32, o.concurrency + 16);
}

// The embedded reference router as a Target, with the load's thread count (the runner's
// embedded target keeps its own, smaller, pool).
class EmbeddedLoadTarget : public Target {
 public:
  explicit EmbeddedLoadTarget(router::ServerOptions options) : options_(std::move(options)) {}
  ~EmbeddedLoadTarget() override { stop(); }
  reports::TargetInfo info() const override {
    return {"embedded", "reference router (in-process, " + std::to_string(options_.threads) + " threads)", {}};
  }
  bool supports_front(harness::Front) const override { return true; }
  uint16_t start(const nlohmann::json& config) override {
    server_ = std::make_unique<router::RouterServer>(router::load_router_config(config, "midstream load"), options_);
    return server_->start();
  }
  void stop() override {
    if (server_) server_->stop();
    server_.reset();
  }

 private:
  router::ServerOptions options_;
  std::unique_ptr<router::RouterServer> server_;
};

constexpr const char* kPortkeySwitchoverNote =
    "not applicable: Portkey cannot switch over once the first byte reached the client; when the "
    "upstream drops the stream it ends the response cleanly with part of the answer (counted as "
    "truncated), and its fallback only covers failures before the first byte";

// One --target of a load run: how to make it, and what it can be measured for.
struct LoadTargetSpec {
  std::string name;
  TargetFactory factory;
  bool own_process = false;
  bool switchover_applicable = true;
  std::string switchover_note;
};

std::string target_kind(const std::string& spec) {
  const std::string kind = spec.substr(0, spec.find('='));
  return kind == "reference" ? "embedded" : kind;
}

void validate_target(const std::string& spec) {
  const auto equals = spec.find('=');
  const std::string kind = spec.substr(0, equals);
  const bool known = ((kind == "embedded" || kind == "reference" || kind == "portkey") && equals == std::string::npos) ||
                     (kind == "process" && (equals == std::string::npos || equals + 1 < spec.size()));
  if (!known)
    throw std::invalid_argument("unknown load target '" + spec +
                                "' (known: embedded, reference, process, process=PATH, portkey)");
}

LoadTargetSpec make_load_target(const std::string& spec, const LoadOptions& o) {
  LoadTargetSpec t;
  t.name = target_kind(spec);
  if (t.name == "embedded") {
    router::ServerOptions server;
    server.threads = static_cast<size_t>(embedded_router_threads(o));
    t.factory = [server] { return std::make_unique<EmbeddedLoadTarget>(server); };
  } else if (t.name == "process") {
    ProcessTargetOptions process;
    const auto equals = spec.find('=');
    if (equals != std::string::npos) process.executable = spec.substr(equals + 1);
    process.threads = embedded_router_threads(o);  // the same as the in-process router's
    t.factory = process_target(std::move(process));
    t.own_process = true;
  } else {
    t.factory = portkey_target(default_portkey_options());
    t.own_process = true;
    t.switchover_applicable = false;
    t.switchover_note = kPortkeySwitchoverNote;
  }
  return t;
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
  need(!o.targets.empty() && o.targets.size() <= 8, "give between 1 and 8 targets");
  std::vector<std::string> kinds;
  for (const auto& spec : o.targets) {
    validate_target(spec);
    const std::string kind = target_kind(spec);
    need(std::find(kinds.begin(), kinds.end(), kind) == kinds.end(),
         "target " + kind + " given twice (each target is one column)");
    kinds.push_back(kind);
  }
}

// Reads the router process's usage around a round; a router that is gone is a problem.
ProcUsage router_usage_now(const Target& target, const std::string& name, std::vector<std::string>& problems) {
  const auto pid = target.router_pid();
  ProcUsage usage = pid ? ProcUsage::of(*pid) : ProcUsage{};
  if (!usage.ok && problems.size() < kMaxProblems)
    problems.push_back(name + ": the router process could not be read from /proc (did it exit?)");
  return usage;
}

double router_peak_mb(const Target& target) {
  const auto pid = target.router_pid();
  return pid ? vm_hwm_mb(*pid) : 0;
}

}  // namespace

bool load_failed(const LoadReport& r) {
  if (r.direct.failed) return true;
  for (const auto& t : r.targets)
    if (t.path.failed || (t.switchover_applicable && t.switchover_attempted > t.switchover_completed)) return true;
  return false;
}

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

  // Every target's factory first: a portkey target installs the gateway (npm ci) here, before
  // any clock runs.
  std::vector<LoadTargetSpec> specs;
  for (const auto& spec : options.targets) specs.push_back(make_load_target(spec, options));
  const size_t n_targets = specs.size();
  report.targets.resize(n_targets);
  for (size_t t = 0; t < n_targets; ++t) {
    auto& out = report.targets[t];
    out.name = specs[t].name;
    out.own_process = specs[t].own_process;
    out.switchover_applicable = specs[t].switchover_applicable;
    out.switchover_note = specs[t].switchover_note;
  }

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
  const ClientSpec client = load_client_spec();

  // Phases 1 and 2: direct to the fake and through every target, in rounds that rotate the
  // order of the paths.
  {
    fakes::FakeProvider fake(provider("load", options.event_delay_ms));
    fake.journal().set_epoch(epoch);
    fake.start();
    const nlohmann::json config = router_config(fake.base_url(), "");
    const size_t n_paths = 1 + n_targets;  // path 0: direct; path 1 + t: target t
    std::vector<std::unique_ptr<Target>> routers;
    std::vector<uint16_t> ports = {fake.port()};
    std::vector<net::HeaderList> headers = {{}};
    for (size_t t = 0; t < n_targets; ++t) {
      routers.push_back(specs[t].factory());
      ports.push_back(routers.back()->start(config));
      headers.push_back(routers.back()->request_headers(client));
      report.targets[t].description = routers.back()->info().description;
    }
    report.rss_at_start_mb = current_rss_mb();

    // A warm-up of one stream per client thread on each path, not counted, within a tenth of
    // the paths' time.
    const auto warmup_bound = Clock::now() + (paths_bound - Clock::now()) / 10;
    for (size_t path = 0; path < n_paths; ++path)
      run_parallel(std::min(options.streams, options.concurrency), options.concurrency, warmup_bound, stagger,
                   [&](int) { run_stream(ports[path], headers[path], next_id++, answer, epoch, warmup_bound); });
    fake.journal().clear();

    std::vector<PathAccumulator> acc = {PathAccumulator("direct")};
    for (const auto& spec : specs) acc.emplace_back(spec.name);
    std::vector<int> done(n_paths, 0);
    const int round_size = (options.streams + options.rounds - 1) / options.rounds;
    // Each round of each path gets an equal share of the time left, so a tight --seconds still
    // measures every path; time a round leaves unused passes on to the next.
    const auto rounds_start = Clock::now();
    const auto share = (paths_bound - rounds_start) / static_cast<int64_t>(n_paths * options.rounds);
    int64_t slot = 0;
    for (int round = 0; round < options.rounds; ++round) {
      // Rotate which path goes first, so none always runs on a warmer (or busier) machine.
      for (size_t k = 0; k < n_paths; ++k) {
        const size_t path = (k + static_cast<size_t>(round)) % n_paths;
        const int count = std::min(round_size, options.streams - done[path]);
        const auto round_bound = std::min(paths_bound, rounds_start + share * ++slot);
        if (count <= 0) continue;
        if (Clock::now() >= round_bound) {
          report.bounded_by_time = true;
          continue;
        }
        const Target* router = path == 0 ? nullptr : routers[path - 1].get();
        const bool own = path > 0 && specs[path - 1].own_process;
        std::vector<StreamSample> samples(static_cast<size_t>(count));
        const ProcUsage router0 = own ? router_usage_now(*router, acc[path].name, report.problems) : ProcUsage{};
        const Usage usage0 = Usage::now();
        const auto t0 = Clock::now();
        run_parallel(count, options.concurrency, round_bound, stagger, [&](int i) {
          samples[static_cast<size_t>(i)] =
              run_stream(ports[path], headers[path], next_id++, answer, epoch, round_bound);
        });
        const double wall = ms_between(t0, Clock::now()) / 1000.0;
        acc[path].usage += Usage::now() - usage0;
        if (own) {
          const ProcUsage router1 = router_usage_now(*router, acc[path].name, report.problems);
          if (router0.ok && router1.ok)
            acc[path].router_usage += Usage{router1.user_s - router0.user_s, router1.sys_s - router0.sys_s,
                                            router1.switches - router0.switches};
        }
        acc[path].wall_s += wall;
        const int before = acc[path].completed, failed_before = acc[path].failed;
        acc[path].add(samples, report.problems);
        const int ran = acc[path].attempted - (before + failed_before);
        if (ran < count) report.bounded_by_time = true;  // not started, or cut by the bound
        done[path] += count;
        fake.journal().clear();  // keeps the process's memory about the routers, not the journal
        std::ostringstream line;
        line << std::fixed << std::setprecision(2) << "round " << round + 1 << "/" << options.rounds << " "
             << acc[path].name << ": " << ran << " streams in " << wall << " s ("
             << std::setprecision(0) << (wall > 0 ? ran / wall : 0) << "/s), "
             << acc[path].failed - failed_before << " failed";
        say(line.str());
      }
    }
    report.direct = acc[0].stats();
    for (size_t t = 0; t < n_targets; ++t) {
      auto& out = report.targets[t];
      out.path = acc[t + 1].stats();
      if (out.own_process) {
        const Usage& u = acc[t + 1].router_usage;
        out.router_process_cpu_user_s = u.user_s;
        out.router_process_cpu_sys_s = u.sys_s;
        out.router_process_cpu_s = u.user_s + u.sys_s;
        out.router_process_context_switches_per_stream = out.path.attempted > 0 ? u.switches / out.path.attempted : 0;
        out.peak_rss_mb = std::max(out.peak_rss_mb, router_peak_mb(*routers[t]));
      }
      routers[t]->stop();
    }
    routers.clear();
    fake.stop();
  }

  // Phase 3: switchover, one target after the other, each with its own fakes. The primary resets
  // after N deltas on every request; the fallback continues. fault_ms (primary journal) and the
  // client's arrivals share the run's epoch.
  for (size_t t = 0; t < n_targets && switchover_streams > 0; ++t) {
    if (Clock::now() >= bound) {
      report.bounded_by_time = true;
      break;
    }
    auto& out = report.targets[t];
    // The time left, shared by the targets still to run.
    const auto target_bound = Clock::now() + (bound - Clock::now()) / static_cast<int64_t>(n_targets - t);
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
    auto router = specs[t].factory();
    const uint16_t port = router->start(router_config(primary.base_url(), backup.base_url()));
    const net::HeaderList extra = router->request_headers(client);

    std::vector<StreamSample> samples(static_cast<size_t>(switchover_streams));
    std::vector<int> ids(samples.size(), -1);
    run_parallel(switchover_streams, options.concurrency, target_bound, stagger, [&](int i) {
      const int id = next_id++;
      ids[static_cast<size_t>(i)] = id;
      samples[static_cast<size_t>(i)] = run_stream(port, extra, id, answer, epoch, target_bound);
    });
    const auto settle = std::min(target_bound, Clock::now() + std::chrono::seconds(2));
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
      ++out.switchover_attempted;
      if (!s.ok) {
        ++failed;
        if (s.truncated) ++out.switchover_truncated;
        // A known, expected ending where switchover is not applicable: counted, not a problem.
        if (out.switchover_applicable && report.problems.size() < kMaxProblems)
          report.problems.push_back(out.name + " switchover: " + s.problem);
        continue;
      }
      ++out.switchover_completed;
      auto fault = fault_ms.find(ids[i]);
      auto partial = partial_bytes.find(ids[i]);
      if (fault == fault_ms.end() || partial == partial_bytes.end()) {
        ++out.switchover_unmatched;
        continue;
      }
      // The fallback's first text: the first read that took the text past the partial.
      for (const auto& [at, bytes] : s.growth)
        if (bytes > partial->second) {
          switch_us.push_back((at - fault->second) * 1000.0);
          break;
        }
    }
    if (switchover_streams > out.switchover_attempted) report.bounded_by_time = true;
    out.switchover = summarize(std::move(switch_us));
    if (out.own_process) out.peak_rss_mb = std::max(out.peak_rss_mb, router_peak_mb(*router));
    std::ostringstream line;
    line << "switchover " << out.name << ": " << out.switchover_attempted << " streams, " << failed << " failed";
    if (out.switchover_truncated) line << " (" << out.switchover_truncated << " ended cleanly, truncated)";
    say(line.str());
    router->stop();
    primary.stop();
    backup.stop();
  }

  report.process_peak_rss_mb = peak_rss_mb();
  for (auto& out : report.targets) {
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

nlohmann::json switchover_json(const LoadReport& r, const TargetLoad& t) {
  nlohmann::json j = {{"applicable", t.switchover_applicable},
                      {"attempted", t.switchover_attempted},
                      {"completed", t.switchover_completed},
                      {"truncated", t.switchover_truncated},
                      {"unmatched", t.switchover_unmatched},
                      {"reset_after_deltas", r.options.reset_after_deltas},
                      {"latency", summary_json(t.switchover)}};
  if (!t.switchover_note.empty()) j["note"] = t.switchover_note;
  return j;
}

// The headline keys of one target (the same names as the report's top level).
nlohmann::json target_json(const LoadReport& r, const TargetLoad& t) {
  const bool both_ttft = r.direct.ttft.count && t.path.ttft.count;
  const bool both_gaps = r.direct.inter_chunk.count && t.path.inter_chunk.count;
  const bool switched = t.switchover.count > 0;
  const bool cpu = t.own_process ? t.path.completed > 0 : r.direct.completed && t.path.completed;
  nlohmann::json j = {
      {"name", t.name},
      {"description", t.description},
      {"streams", r.options.streams},
      {"concurrency", r.options.concurrency},
      {"ttft_overhead_p50_us", or_null(both_ttft, t.ttft_overhead_p50_us)},
      {"ttft_overhead_p99_us", or_null(both_ttft, t.ttft_overhead_p99_us)},
      {"inter_chunk_overhead_p50_us", or_null(both_gaps, t.inter_chunk_overhead_p50_us)},
      {"inter_chunk_overhead_p99_us", or_null(both_gaps, t.inter_chunk_overhead_p99_us)},
      {"switchover_p50_us", or_null(switched, t.switchover.p50_us)},
      {"switchover_p99_us", or_null(switched, t.switchover.p99_us)},
      {"throughput_ratio", or_null(r.direct.streams_per_s > 0, t.throughput_ratio)},
      {"router_streams_per_s", t.path.streams_per_s},
      {"router_cpu_s_per_1000_streams", or_null(cpu, t.router_cpu_s_per_1000_streams)},
      {"router_cpu_source", t.own_process ? "the router process's own utime + stime (/proc/PID/stat)"
                                          : "this process's CPU on the router path minus the direct path's"},
      {"router_peak_rss_mb", t.peak_rss_mb},
      {"rss_source", t.rss_source},
      {"router", path_json(t.path)},
      {"switchover", switchover_json(r, t)},
  };
  if (t.own_process)
    j["router_process"] = {{"cpu_s", t.router_process_cpu_s},
                           {"cpu_user_s", t.router_process_cpu_user_s},
                           {"cpu_sys_s", t.router_process_cpu_sys_s},
                           {"context_switches_per_stream", t.router_process_context_switches_per_stream}};
  else
    j["router_process"] = nullptr;
  return j;
}

}  // namespace

nlohmann::json to_json(const LoadReport& r) {
  const bool both_ttft = r.direct.ttft.count && r.router.ttft.count;
  const bool both_gaps = r.direct.inter_chunk.count && r.router.inter_chunk.count;
  const bool switched = r.switchover.count > 0;
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : r.targets) targets.push_back(target_json(r, t));
  const TargetLoad* first = r.targets.empty() ? nullptr : &r.targets.front();
  const bool first_cpu = first && (first->own_process ? first->path.completed > 0
                                                      : r.direct.completed && first->path.completed);
  return {
      {"streams", r.options.streams},
      {"concurrency", r.options.concurrency},
      {"seconds_bound", r.options.seconds},
      {"elapsed_s", r.elapsed_s},
      {"bounded_by_time", r.bounded_by_time},
      {"target", first ? first->name : ""},
      {"ttft_overhead_p50_us", or_null(both_ttft, r.ttft_overhead_p50_us)},
      {"ttft_overhead_p99_us", or_null(both_ttft, r.ttft_overhead_p99_us)},
      {"inter_chunk_overhead_p50_us", or_null(both_gaps, r.inter_chunk_overhead_p50_us)},
      {"inter_chunk_overhead_p99_us", or_null(both_gaps, r.inter_chunk_overhead_p99_us)},
      {"switchover_p50_us", or_null(switched, r.switchover.p50_us)},
      {"switchover_p99_us", or_null(switched, r.switchover.p99_us)},
      {"throughput_ratio", or_null(r.direct.streams_per_s > 0, r.throughput_ratio)},
      {"router_streams_per_s", r.router.streams_per_s},
      {"direct_streams_per_s", r.direct.streams_per_s},
      {"router_cpu_s_per_1000_streams", or_null(first_cpu, r.router_cpu_s_per_1000_streams)},
      {"router_peak_rss_mb", r.peak_rss_mb},
      {"process_peak_rss_mb", r.process_peak_rss_mb},
      {"rss_at_start_mb", r.rss_at_start_mb},
      {"rss_note", first ? first->rss_source : ""},
      {"direct", path_json(r.direct)},
      {"router", path_json(r.router)},
      {"switchover", first ? switchover_json(r, *first) : nlohmann::json(nullptr)},
      {"targets", targets},
      {"event_delay_ms", r.options.event_delay_ms},
      {"rounds", r.options.rounds},
      {"router_threads", embedded_router_threads(r.options)},
      {"machine", {{"nproc", r.nproc}, {"cpu_model", r.cpu_model}}},
      {"problems", r.problems},
  };
}

std::string format_load_report(const LoadReport& r) {
  std::ostringstream out;
  out << std::fixed;
  const size_t columns = 1 + r.targets.size();
  auto cell_us = [](bool present, double v, bool sign = false) -> std::string {
    if (!present) return "-";
    std::ostringstream c;
    c << std::fixed << std::setprecision(0) << (sign && v >= 0 ? "+" : "") << v << " us";
    return c.str();
  };
  auto cell = [](bool present, double v, int precision, const char* unit = "") -> std::string {
    if (!present) return "-";
    std::ostringstream c;
    c << std::fixed << std::setprecision(precision) << v << unit;
    return c.str();
  };
  // A row: a label, then the direct cell and one cell per target.
  auto row = [&](const std::string& label, const std::vector<std::string>& cells) {
    out << "  " << std::left << std::setw(28) << label << std::right;
    for (size_t i = 0; i < columns; ++i) out << std::setw(14) << (i < cells.size() ? cells[i] : "");
    out << "\n";
  };
  auto per_target = [&](const std::string& label, const std::string& direct,
                        const std::function<std::string(const TargetLoad&)>& f) {
    std::vector<std::string> cells = {direct};
    for (const auto& t : r.targets) cells.push_back(f(t));
    row(label, cells);
  };
  auto path_row = [&](const std::string& label, const std::function<std::string(const PathStats&)>& f) {
    per_target(label, f(r.direct), [&](const TargetLoad& t) { return f(t.path); });
  };

  out << "midstream load: " << r.options.streams << " streams per path, " << r.options.concurrency
      << " concurrent, 127.0.0.1, " << r.nproc << " CPUs (" << r.cpu_model << ")";
  if (r.options.event_delay_ms) out << ", the fake pausing " << r.options.event_delay_ms << " ms before each event";
  out << "\n\n";
  per_target("", "direct", [](const TargetLoad& t) { return t.name; });
  path_row("streams ok/tried", [](const PathStats& p) {
    return std::to_string(p.completed) + "/" + std::to_string(p.attempted);
  });
  path_row("TTFT p50", [&](const PathStats& p) { return cell_us(p.ttft.count > 0, p.ttft.p50_us); });
  path_row("TTFT p99", [&](const PathStats& p) { return cell_us(p.ttft.count > 0, p.ttft.p99_us); });
  path_row("inter-chunk p50", [&](const PathStats& p) { return cell_us(p.inter_chunk.count > 0, p.inter_chunk.p50_us); });
  path_row("inter-chunk p99", [&](const PathStats& p) { return cell_us(p.inter_chunk.count > 0, p.inter_chunk.p99_us); });
  path_row("streams/s", [&](const PathStats& p) { return cell(true, p.streams_per_s, 1); });
  path_row("CPU s/1000 (this process)", [&](const PathStats& p) { return cell(p.completed > 0, p.cpu_s_per_1000_streams, 3); });
  path_row("ctx switches/stream (this)", [&](const PathStats& p) { return cell(true, p.context_switches_per_stream, 1); });
  out << "\n";
  const bool direct_ok = r.direct.completed > 0;
  per_target("TTFT added p50", "", [&](const TargetLoad& t) {
    return cell_us(direct_ok && t.path.completed, t.ttft_overhead_p50_us, true);
  });
  per_target("TTFT added p99", "", [&](const TargetLoad& t) {
    return cell_us(direct_ok && t.path.completed, t.ttft_overhead_p99_us, true);
  });
  per_target("inter-chunk added p99", "", [&](const TargetLoad& t) {
    return cell_us(direct_ok && t.path.completed, t.inter_chunk_overhead_p99_us, true);
  });
  per_target("throughput ratio", "", [&](const TargetLoad& t) {
    return cell(r.direct.streams_per_s > 0, t.throughput_ratio, 3);
  });
  per_target("router CPU s/1000 streams", "", [&](const TargetLoad& t) {
    return cell(t.path.completed > 0, t.router_cpu_s_per_1000_streams, 3) + (t.own_process ? " *" : "");
  });
  per_target("router ctx switches/stream", "", [&](const TargetLoad& t) {
    return t.own_process ? cell(true, t.router_process_context_switches_per_stream, 1) + " *" : std::string("-");
  });
  per_target("router peak RSS", "", [&](const TargetLoad& t) {
    return cell(true, t.peak_rss_mb, 1, " MB") + (t.own_process ? " *" : " +");
  });
  out << "\n";
  per_target("switchover ok/tried", "", [&](const TargetLoad& t) {
    return std::to_string(t.switchover_completed) + "/" + std::to_string(t.switchover_attempted);
  });
  per_target("switchover truncated", "", [&](const TargetLoad& t) { return std::to_string(t.switchover_truncated); });
  per_target("switchover p50", "", [&](const TargetLoad& t) {
    return t.switchover_applicable ? cell_us(t.switchover.count > 0, t.switchover.p50_us) : std::string("n/a");
  });
  per_target("switchover p99", "", [&](const TargetLoad& t) {
    return t.switchover_applicable ? cell_us(t.switchover.count > 0, t.switchover.p99_us) : std::string("n/a");
  });

  out << "\n  TTFT: connect to the first text delta. Added: the target minus direct, percentile by percentile\n"
      << "  (negative: noise). Switchover: reset after " << r.options.reset_after_deltas
      << " deltas at the primary -> the fallback's first text at the client.\n"
      << "  * the router's own process (/proc/PID: utime + stime, threads' context switches, VmHWM)\n"
      << "  + this whole process (clients, fakes and the in-process router): " << std::setprecision(1)
      << r.process_peak_rss_mb << " MB peak, " << r.rss_at_start_mb
      << " MB once the servers started; the embedded router's CPU is its path's minus direct's\n";
  for (const auto& t : r.targets) {
    out << "  " << t.name << ": " << t.description;
    if (t.switchover_unmatched) out << "; " << t.switchover_unmatched << " switchovers not matched to journals";
    if (!t.switchover_applicable) out << "; switchover " << t.switchover_note;
    out << "\n";
  }
  out << std::setprecision(1) << "  " << r.elapsed_s << " s elapsed" << (r.bounded_by_time ? ", STOPPED BY THE TIME BOUND" : "")
      << "\n";
  for (const auto& p : r.problems) out << "  problem: " << p << "\n";
  return out.str();
}

}  // namespace midstream::stress
