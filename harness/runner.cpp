#include "harness/runner.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <ctime>
#include <mutex>
#include <thread>

#include "fakes/fleet.h"
#include "harness/checks.h"
#include "harness/client.h"
#include "harness/front_view.h"
#include "net/http_client.h"

namespace midstream::harness {
namespace {

constexpr auto kJournalSettle = std::chrono::milliseconds(2500);
constexpr size_t kBodyCapture = 64 * 1024;
constexpr auto kExitGrace = std::chrono::milliseconds(2000);

bool router_alive(uint16_t port, std::string* detail) {
  net::ClientRequest request;
  request.method = "GET";
  request.port = port;
  request.target = "/health";
  net::HttpStream stream;
  const auto deadline = net::Clock::now() + std::chrono::seconds(3);
  if (!stream.start(request, deadline) || !stream.read_head(deadline)) {
    *detail = "GET /health: " + std::string(net::to_string(stream.end())) + " " + stream.detail();
    return false;
  }
  return true;  // any HTTP answer means the process still serves
}

reports::ScenarioResult base_result(const Scenario& s, const reports::TargetInfo& target) {
  reports::ScenarioResult r;
  r.scenario = s.id;
  r.title = s.title;
  r.category = s.category();
  r.requirement = s.requirement;
  r.refs = s.refs;
  r.file = s.file;
  r.target = target.name;
  r.front = std::string(to_string(s.client.front));
  r.stream = s.client.stream;
  r.upstreams = s.upstream_dialects();
  return r;
}

void record_attempts(const Scenario& s, const std::map<std::string, std::vector<fakes::JournalEntry>>& journals,
                     reports::ScenarioResult& r) {
  for (const auto& [name, entries] : journals)
    for (const auto& e : entries) {
      reports::AttemptRecord a;
      a.provider = name;
      a.dialect = std::string(wire::to_string(s.provider(name)->dialect));
      a.index = e.index;
      a.outcome = std::string(fakes::to_string(e.ended));
      a.fault = e.fault ? e.fault->describe() : "";
      a.fault_fired = e.fault_fired;
      a.continuation = e.continuation;
      a.continuation_partial = e.partial;
      a.started_ms = e.received_ms;
      a.ended_ms = e.ended_ms;
      a.request_body = e.body.substr(0, kBodyCapture);
      a.response_bytes = e.response_bytes;
      r.attempts.push_back(std::move(a));
    }
  std::sort(r.attempts.begin(), r.attempts.end(),
            [](const auto& a, const auto& b) { return a.started_ms < b.started_ms; });
}

void record_client(const ClientTranscript& t, const FrontView& view, reports::ScenarioResult& r) {
  r.client.status = t.status;
  r.client.text = view.text;
  if (view.usage) {
    r.client.usage_input = view.usage->input_tokens;
    r.client.usage_output = view.usage->output_tokens;
  }
  r.client.event_count = static_cast<int>(view.events.size());
  r.client.end = t.disconnected ? "client_hung_up" : std::string(net::to_string(t.end));
  r.client.body = t.body.substr(0, kBodyCapture);
  r.client.event_ms = view.event_ms;
}

}  // namespace

std::string describe(const reports::TargetInfo& info) {
  std::string text = info.name + ": " + info.description;
  if (!info.defects.empty()) {
    text += " with defect";
    for (const auto& d : info.defects) text += " " + d;
  }
  return text;
}

reports::ScenarioResult run_scenario(const Scenario& original, const TargetFactory& make_target,
                                     const TimeScale& scale) {
  const Scenario s = dilate(original, scale);
  const auto epoch = net::Clock::now();
  std::unique_ptr<Target> target = make_target();
  target->bind_scenario(s);
  reports::ScenarioResult r = base_result(s, target->info());
  auto finish = [&](reports::Verdict verdict, std::string reason) {
    r.verdict = verdict;
    r.reason = std::move(reason);
    r.duration_ms = std::chrono::duration<double, std::milli>(net::Clock::now() - epoch).count();
    return r;
  };
  if (!target->supports_front(s.client.front))
    return finish(reports::Verdict::Unsupported, "the target does not serve the " + std::string(to_string(s.client.front)) + " front");
  try {
    if (const auto why = target->unsupported_reason(s)) return finish(reports::Verdict::Unsupported, *why);
  } catch (const std::exception& error) {
    return finish(reports::Verdict::Error, std::string("could not translate the router config: ") + error.what());
  }

  fakes::FakeFleet fleet;
  for (const auto& p : s.providers) fleet.add(p);
  fleet.set_epoch(epoch);
  uint16_t port = 0;
  net::HeaderList headers;
  try {
    fleet.start(target->fakes_port_base());
    port = target->start(bind_router_config(s.router, fleet.base_urls()));
    headers = target->request_headers(s.client);
  } catch (const std::exception& error) {
    target->stop();
    fleet.stop();
    return finish(reports::Verdict::Error, std::string("could not start: ") + error.what());
  }

  const ClientTranscript transcript = run_client(target->client_request(s.client), port, epoch, nullptr, headers);
  // Lets every fake finish its side (a router closing its upstream after a client hung up).
  for (const auto& name : fleet.names())
    fleet.provider(name).journal().wait_until_idle(net::Clock::now() +
                                                    std::chrono::milliseconds(scale.scale(kJournalSettle.count())));
  std::map<std::string, std::vector<fakes::JournalEntry>> journals;
  for (const auto& name : fleet.names()) journals[name] = fleet.provider(name).journal().entries();

  std::string alive_detail;
  const bool alive = router_alive(port, &alive_detail);
  // A router process that died says how (exit status, signal) instead of only "refused".
  std::optional<std::string> died;
  if (!alive) died = target->exit_status(kExitGrace);
  if (died) alive_detail = "the router process " + *died + "; " + alive_detail;
  target->stop();
  fleet.stop();

  const FrontView view = read_front(s.client, transcript);
  Observation observation{s, transcript, view, journals, alive, alive_detail, s.usage_policy,
                          scale.factor};
  r.checks = run_checks(observation);
  record_attempts(s, journals, r);
  record_client(transcript, view, r);
  const Grade g = grade(s, r.checks, observation);
  r.verdict = g.verdict;
  r.reason = died ? "the router process " + *died + "; " + g.reason : g.reason;
  r.duration_ms = transcript.ended_ms - transcript.started_ms;
  return r;
}

reports::RunResults run_scenarios(const std::vector<Scenario>& scenarios, const TargetFactory& target,
                                  const RunOptions& options) {
  return run_targets(scenarios, {target}, options);
}

reports::RunResults run_targets(const std::vector<Scenario>& scenarios, const std::vector<TargetFactory>& targets,
                                const RunOptions& options) {
  reports::RunResults results;
  results.tool_version = MIDSTREAM_VERSION;
  results.seed = options.seed;
  results.time_scale = options.time_scale.factor;
  results.time_scale_source = options.time_scale.source;
  {
    std::time_t now = std::time(nullptr);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    results.started_at = buffer;
  }
  const auto started = net::Clock::now();
  const size_t total = scenarios.size() * targets.size();
  results.results.resize(total);
  std::mutex report_mutex;
  size_t done = 0;
  for (size_t t = 0; t < targets.size(); ++t) {
    const TargetFactory& target = targets[t];
    // The probe plans the run and, at its end, says what it took (a launch-command target's
    // router launches).
    const auto probe = target();
    results.targets.push_back(probe->info());
    int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(scenarios.size())));
    if (probe->max_jobs() > 0) jobs = std::min(jobs, probe->max_jobs());
    std::vector<std::vector<size_t>> lanes;
    {
      std::vector<Scenario> dilated;
      for (const auto& s : scenarios) dilated.push_back(dilate(s, options.time_scale));
      lanes = probe->plan(dilated, jobs);
    }
    if (lanes.empty())
      for (size_t i = 0; i < scenarios.size(); ++i) lanes.push_back({i});
    const size_t offset = t * scenarios.size();
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t lane; (lane = next.fetch_add(1)) < lanes.size();)
        for (const size_t i : lanes[lane]) {
          auto result = run_scenario(scenarios[i], target, options.time_scale);
          std::lock_guard<std::mutex> lock(report_mutex);
          results.results[offset + i] = std::move(result);
          ++done;
          if (options.on_result) options.on_result(results.results[offset + i], done, total);
        }
    };
    jobs = std::min(jobs, static_cast<int>(lanes.size()));
    std::vector<std::thread> threads;
    for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
    for (auto& thread : threads) thread.join();
    if (const auto note = probe->run_note(); note && options.on_note) options.on_note(results.targets.back(), *note);
  }
  results.wall_ms = std::chrono::duration<double, std::milli>(net::Clock::now() - started).count();
  return results;
}

Shard parse_shard(const std::string& text) {
  const auto fail = [&] {
    return std::invalid_argument("--shard expects I/N with 0 <= I < N (e.g. 0/4 ... 3/4), got '" + text + "'");
  };
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) throw fail();
  const std::string index = text.substr(0, slash), count = text.substr(slash + 1);
  const auto digits = [](const std::string& s) {
    return s.size() <= 6 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  };
  if (!digits(index) || !digits(count)) throw fail();
  Shard shard{std::stoul(index), std::stoul(count)};
  if (shard.count == 0 || shard.index >= shard.count) throw fail();
  return shard;
}

std::vector<Scenario> select_shard(const std::vector<Scenario>& scenarios, const Shard& shard) {
  std::vector<Scenario> selected;
  for (size_t i = shard.index; i < scenarios.size(); i += shard.count) selected.push_back(scenarios[i]);
  return selected;
}

}  // namespace midstream::harness
