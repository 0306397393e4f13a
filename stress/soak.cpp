#include "stress/soak.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "fakes/fake_model.h"
#include "fakes/fake_provider.h"
#include "harness/checks.h"
#include "harness/front_view.h"
#include "router/config.h"
#include "router/defects.h"
#include "router/server.h"
#include "wire/request.h"

namespace midstream::stress {
using namespace midstream::harness;

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

using fakes::FaultAction;
using fakes::FaultPosition;
using fakes::FaultSpec;

// ---------------------------------------------------------------------------------------------
// The plan.

namespace {

// SplitMix64: tiny, and the same sequence on every platform and standard library (the
// <random> distributions are implementation-defined), so a seed replays anywhere.
class PlanRng {
 public:
  PlanRng(uint64_t seed, int index) : state_(seed ^ 0x6A09E667F3BCC909ull) {
    state_ += static_cast<uint64_t>(index) * 0xD1B54A32D192ED03ull;
    next();
  }
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int below(size_t n) { return static_cast<int>(next() % n); }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
  template <typename T, size_t N>
  T pick(const T (&values)[N]) {
    return values[below(N)];
  }

 private:
  uint64_t state_;
};

// Shares of a faulted stream's plan: a fallback faulted too, and a fault that persists (every
// request to that deployment) rather than hitting its first request only.
constexpr double kFallbackFaulted = 0.35;
constexpr double kPersistent = 0.3;
constexpr int kAnswerWords = 23;  // fakes::kDefaultAnswer, one word per delta

std::vector<SoakFaultKind> build_fault_kinds() {
  const FaultAction stream_actions[] = {FaultAction::Reset,     FaultAction::Close,     FaultAction::Stall,
                                        FaultAction::ErrorEvent, FaultAction::Truncate, FaultAction::Malformed,
                                        FaultAction::DuplicateEvent, FaultAction::Slow, FaultAction::Drip};
  std::vector<SoakFaultKind> kinds;
  for (auto action : {FaultAction::Reset, FaultAction::Close, FaultAction::Stall})
    kinds.push_back({FaultPosition::OnConnect, action});
  for (auto action : {FaultAction::Reset, FaultAction::Close, FaultAction::Stall, FaultAction::Status})
    kinds.push_back({FaultPosition::BeforeStatus, action});
  for (auto position : {FaultPosition::AfterHeaders, FaultPosition::AfterPreamble, FaultPosition::AfterDeltas,
                        FaultPosition::BeforeTerminal, FaultPosition::AfterUsage})
    for (auto action : stream_actions) {
      // The frame after the preamble, and after N deltas, is a text delta: see soak_fault_kinds.
      const bool before_text = position == FaultPosition::AfterPreamble || position == FaultPosition::AfterDeltas;
      if (action == FaultAction::DuplicateEvent && before_text) continue;
      kinds.push_back({position, action});
    }
  for (auto action : {FaultAction::Reset, FaultAction::Close, FaultAction::Stall, FaultAction::Truncate,
                      FaultAction::ErrorEvent})
    kinds.push_back({FaultPosition::MidEvent, action});
  return kinds;
}

FaultSpec draw_fault(PlanRng& rng) {
  const auto& kinds = soak_fault_kinds();
  const SoakFaultKind kind = kinds[static_cast<size_t>(rng.below(kinds.size()))];
  FaultSpec fault;
  fault.position = kind.position;
  fault.action = kind.action;
  if (kind.position == FaultPosition::AfterDeltas) fault.deltas = 1 + rng.below(kAnswerWords - 2);
  if (kind.position == FaultPosition::MidEvent) fault.deltas = rng.below(kAnswerWords - 1);
  switch (kind.action) {
    case FaultAction::Stall:
      // Half under every router timeout (the answer carries on), half well past them.
      fault.ms = rng.chance(0.5) ? 60 : 1500;
      break;
    case FaultAction::Slow:
      fault.ms = 2 + rng.below(10);
      break;
    case FaultAction::Status: {
      const int statuses[] = {429, 500, 502, 503, 529, 400};
      fault.status = rng.pick(statuses);
      if ((fault.status == 429 || fault.status == 503) && rng.chance(0.5)) fault.retry_after = "1";
      break;
    }
    case FaultAction::Drip: {
      const int sizes[] = {1, 3, 16};
      fault.bytes = rng.pick(sizes);
      break;
    }
    default:
      break;
  }
  return fault;
}

}  // namespace

const char* to_string(SoakUpstream upstream) {
  switch (upstream) {
    case SoakUpstream::OpenAIChat: return "openai-chat";
    case SoakUpstream::OpenAIResponses: return "openai-responses";
    case SoakUpstream::Anthropic: return "anthropic";
    case SoakUpstream::AnthropicPrefill: return "anthropic-prefill";
  }
  return "unknown";
}

wire::Dialect dialect_of(SoakUpstream upstream) {
  switch (upstream) {
    case SoakUpstream::OpenAIChat: return wire::Dialect::OpenAIChat;
    case SoakUpstream::OpenAIResponses: return wire::Dialect::OpenAIResponses;
    default: return wire::Dialect::Anthropic;
  }
}

const std::vector<SoakFaultKind>& soak_fault_kinds() {
  static const std::vector<SoakFaultKind> kinds = build_fault_kinds();
  return kinds;
}

std::string fault_kind(const FaultSpec& fault) {
  return std::string(fakes::to_string(fault.position)) + " " + fakes::to_string(fault.action);
}

nlohmann::json fault_to_json(const FaultSpec& fault) {
  nlohmann::json json = {{"at", fakes::to_string(fault.position)}, {"action", fakes::to_string(fault.action)}};
  if (fault.position == FaultPosition::AfterDeltas || fault.position == FaultPosition::MidEvent)
    json["n"] = fault.deltas;
  if (fault.action == FaultAction::Stall || fault.action == FaultAction::Slow) json["ms"] = fault.ms;
  if (fault.action == FaultAction::Status) {
    json["status"] = fault.status;
    if (!fault.retry_after.empty()) json["retry_after"] = fault.retry_after;
  }
  if (fault.action == FaultAction::Drip) json["bytes"] = fault.bytes;
  return json;
}

int SoakStreamPlan::planned_faults() const {
  int faults = 0;
  for (const auto& d : chain) {
    for (const auto& entry : d.script) faults += entry.fault ? 1 : 0;
    faults += d.then.fault ? 1 : 0;
  }
  return faults;
}

std::string SoakStreamPlan::chain_key() const {
  std::string key;
  for (const auto& d : chain) key += (key.empty() ? "" : ">") + std::string(to_string(d.upstream));
  return key;
}

std::string SoakStreamPlan::describe() const {
  std::string text = std::string(to_string(front)) + " over ";
  for (size_t i = 0; i < chain.size(); ++i) {
    const auto& d = chain[i];
    text += (i ? " -> [" : "[") + std::string(to_string(d.upstream)) + ": ";
    if (d.healthy()) {
      text += "ok]";
      continue;
    }
    for (const auto& entry : d.script) text += entry.describe() + ", ";
    text += d.then.fault ? "then always " + d.then.describe() + "]" : "then ok]";
  }
  return text;
}

SoakStreamPlan plan_stream(uint64_t seed, int index, double fault_rate) {
  PlanRng rng(seed, index);
  SoakStreamPlan plan;
  plan.seed = seed;
  plan.index = index;
  plan.front = rng.chance(0.5) ? harness::Front::Chat : harness::Front::Responses;
  const int length = rng.chance(0.5) ? 2 : 3;
  for (int i = 0; i < length; ++i)
    plan.chain.push_back({static_cast<SoakUpstream>(rng.below(kSoakUpstreams)), {}, {}});
  // Drawn whether or not the stream is faulted, so fault_rate changes which streams carry
  // faults, not the fronts and chains of the others.
  std::vector<FaultSpec> faults;
  std::vector<bool> persistent;
  for (int i = 0; i < length; ++i) {
    faults.push_back(draw_fault(rng));
    persistent.push_back(rng.chance(kPersistent));
  }
  const bool fallback_faulted[] = {true, rng.chance(kFallbackFaulted), rng.chance(kFallbackFaulted)};
  if (!rng.chance(fault_rate)) return plan;
  for (int i = 0; i < length; ++i) {
    // A fallback is faulted only when the one before it is: faults stack from the primary down.
    if (i > 0 && (!fallback_faulted[i] || plan.chain[static_cast<size_t>(i - 1)].healthy())) break;
    auto& d = plan.chain[static_cast<size_t>(i)];
    if (persistent[static_cast<size_t>(i)]) d.then.fault = faults[static_cast<size_t>(i)];
    else d.script.push_back({faults[static_cast<size_t>(i)]});
  }
  return plan;
}

std::vector<SoakStreamPlan> plan_soak(uint64_t seed, int streams, double fault_rate) {
  std::vector<SoakStreamPlan> plans;
  plans.reserve(static_cast<size_t>(std::max(0, streams)));
  for (int i = 0; i < streams; ++i) plans.push_back(plan_stream(seed, i, fault_rate));
  return plans;
}

nlohmann::json soak_router_settings(uint64_t seed, const TimeScale& scale) {
  // Short timeouts, so a 1500 ms stall is cut within a few hundred ms at any position; one
  // retry with a small backoff; Retry-After capped low so "retry_after: 1" costs 200 ms.
  return {{"num_retries", 1},
          {"backoff_base_ms", 10},
          {"backoff_max_ms", 50},
          {"retry_after_max_ms", 200},
          {"timeout_ms", scale.scale(400)},
          {"stream_timeout_ms", scale.scale(400)},
          {"idle_timeout_ms", scale.scale(300)},
          {"keepalive_ms", scale.scale(100)},
          {"deadline_ms", scale.scale(kSoakRouterDeadlineMs)},
          {"usage_policy", "billed"},
          {"seed", seed}};
}

// ---------------------------------------------------------------------------------------------
// Judging one stream.

namespace {

std::map<std::string, int> word_counts(const std::string& text) {
  std::map<std::string, int> counts;
  std::istringstream in(text);
  for (std::string word; in >> word;) ++counts[word];
  return counts;
}

// A repeat: a word the client got more often than the answer has it, or extra bytes.
bool repeats(const std::string& text, const std::string& answer) {
  if (text.size() > answer.size()) return true;
  const auto want = word_counts(answer);
  for (const auto& [word, count] : word_counts(text)) {
    auto it = want.find(word);
    if (count > (it == want.end() ? 0 : it->second)) return true;
  }
  return false;
}

// The fakes mark a request as a continuation only once they compute its reply, so one faulted
// before that (on_connect, before_status) is journaled as a fresh request, and the replay check
// would call the router's continuation a changed conversation. The fakes' own model decides it
// here from the body the fake journaled.
std::map<std::string, std::vector<fakes::JournalEntry>> mark_continuations(
    std::map<std::string, std::vector<fakes::JournalEntry>> journals,
    const std::vector<fakes::ProviderConfig>& providers) {
  for (const auto& provider : providers) {
    auto it = journals.find(provider.name);
    if (it == journals.end()) continue;
    for (auto& entry : it->second) {
      if (!entry.has_request || entry.continuation) continue;
      const auto body = nlohmann::json::parse(entry.body, nullptr, false);
      if (body.is_discarded()) continue;
      wire::RequestError error;
      const auto request = wire::decode_request(provider.dialect, body, &error);
      if (!request) continue;
      const fakes::ModelReply reply = fakes::answer_request(*request, provider.answer);
      entry.continuation = reply.continuation;
      entry.partial = reply.partial;
      entry.mismatch = reply.mismatch;
    }
  }
  return journals;
}

bool is_text_check(const std::string& id) {
  return id == check::kTextExact || id == check::kTextPrefix || id == check::kNoTruncatedSuccess;
}

}  // namespace

SoakStreamResult judge_stream(const SoakStreamPlan& plan, const ClientSpec& spec,
                              const ClientTranscript& transcript,
                              const std::vector<fakes::ProviderConfig>& providers,
                              const std::map<std::string, std::vector<fakes::JournalEntry>>& journals,
                              const std::vector<std::string>& left_open, router::UsagePolicy usage_policy,
                              const TimeScale& scale) {
  SoakStreamResult r;
  r.index = plan.index;
  r.duration_ms = transcript.ended_ms - transcript.started_ms;
  for (const auto& d : plan.chain) r.healthy_fallback = r.healthy_fallback || d.healthy();

  // The stream as a one-off scenario, so the catalogue's own checks judge it. Which outcome to
  // expect is read from the stream itself: both a whole answer and a clean error are allowed,
  // and each is then held to every check of its kind.
  const FrontView view = read_front(spec, transcript);
  const bool looks_complete = transcript.status == 200 && view.errors.empty() &&
                              (view.terminator || transcript.end == net::StreamEnd::Complete);
  Scenario scenario;
  scenario.id = "soak." + std::to_string(plan.index);
  scenario.providers = providers;
  scenario.client = spec;
  scenario.expect.outcome = looks_complete ? Outcome::Complete : Outcome::Error;
  scenario.expect.in_band_error = transcript.status == 200;
  scenario.expect.max_duration_ms = scale.scale(kSoakStreamBoundMs);
  const Observation observation{scenario, transcript, view, mark_continuations(journals, providers), true, "",
                                usage_policy, scale.factor};
  const auto checks = run_checks(observation);

  for (const auto& [name, entries] : journals)
    for (const auto& entry : entries) {
      if (!entry.fault) continue;
      if (entry.fault_fired) {
        ++r.faults_fired;
        ++r.fired_kinds[fault_kind(*entry.fault)];
      } else if (entry.ended != fakes::ExchangeEnd::PeerClosed) {
        ++r.faults_unreached;  // e.g. after_deltas:20 on a continuation that carries 8 deltas
      }
    }

  std::string detail;
  auto note = [&](const std::string& line) { detail += (detail.empty() ? "" : "; ") + line; };
  bool text_wrong = false;
  for (const auto& c : checks) {
    if (c.passed || c.id == check::kFaultFired) continue;  // an unreached fault is the plan's, not the router's
    note(c.id + ": expected " + c.expected + ", got " + c.actual);
    if (is_text_check(c.id)) text_wrong = true;
    else if (c.id == check::kUsage) r.usage_mismatch = true;
    else if (c.id == check::kDuration) r.hung = true;
    else r.other.push_back(c.id);
  }
  const std::string& answer = scenario.answer();
  if (text_wrong) {
    if (answer.compare(0, view.text.size(), view.text) == 0) r.truncated_success = true;
    else if (repeats(view.text, answer)) r.duplicated_text = true;
    else r.lost_text = true;
  }
  for (const auto& name : left_open) {
    r.upstream_left_open = true;
    note("upstream.closed: " + name + "'s exchange still open after the settle wait");
  }
  r.client_text = view.text;
  const bool violated = r.lost_text || r.duplicated_text || r.truncated_success || r.usage_mismatch || r.hung ||
                        r.upstream_left_open || !r.other.empty();
  if (violated) {
    r.ending = SoakEnding::Violation;
    r.detail = detail;
  } else {
    r.ending = looks_complete ? SoakEnding::Completed : SoakEnding::CleanError;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// The run.

namespace {

using Clock = net::Clock;

constexpr auto kJournalSettle = std::chrono::milliseconds(3000);
constexpr router::UsagePolicy kUsagePolicy = router::UsagePolicy::Billed;
constexpr wire::Dialect kDialects[] = {wire::Dialect::OpenAIChat, wire::Dialect::OpenAIResponses,
                                       wire::Dialect::Anthropic};

int dialect_slot(wire::Dialect dialect) {
  for (int i = 0; i < 3; ++i)
    if (kDialects[i] == dialect) return i;
  return 0;
}

int count_entries(const char* dir) {
  std::error_code error;
  int n = 0;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) ++n;
  return n;
}
int open_fds() { return count_entries("/proc/self/fd"); }
int thread_count() { return count_entries("/proc/self/task"); }

double current_rss_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double peak_rss_mb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
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

// One lane: a fake per (chain position, dialect), used by one stream at a time, so every stream
// has fakes of its own to script and whose journals it reads alone.
struct Lane {
  int index = 0;
  std::vector<std::unique_ptr<fakes::FakeProvider>> fakes;  // [position * 3 + dialect slot]

  fakes::FakeProvider& fake(int position, SoakUpstream upstream) {
    return *fakes[static_cast<size_t>(position * 3 + dialect_slot(dialect_of(upstream)))];
  }
};

std::string group_name(int lane, int position, SoakUpstream upstream) {
  return "l" + std::to_string(lane) + ".p" + std::to_string(position) + "." + to_string(upstream);
}
std::string primary_group(int lane, const std::string& chain_key) {
  return "l" + std::to_string(lane) + "/" + chain_key;
}

// The deployment's LiteLLM params: provider prefixes vary with the chain position, so the run
// covers openai/azure/openrouter and anthropic/vertex_ai/bedrock as well as the dialects.
nlohmann::json litellm_params(int position, SoakUpstream upstream, const std::string& api_base) {
  static const char* openai[] = {"openai", "azure", "openrouter"};
  static const char* anthropic[] = {"anthropic", "vertex_ai", "bedrock"};
  nlohmann::json params = {{"api_base", api_base}, {"api_key", "sk-midstream-soak"}};
  switch (upstream) {
    case SoakUpstream::OpenAIChat:
      params["model"] = std::string(openai[position]) + "/gpt-4o";
      break;
    case SoakUpstream::OpenAIResponses:
      params["model"] = "openai-responses/gpt-4.1";
      break;
    case SoakUpstream::Anthropic:
    case SoakUpstream::AnthropicPrefill:
      params["model"] = std::string(anthropic[position]) + "/claude-sonnet-4-5";
      params["supports_prefill"] = upstream == SoakUpstream::AnthropicPrefill;
      break;
  }
  return params;
}

// Every chain shape of 2 and 3 upstreams.
std::vector<std::vector<SoakUpstream>> all_chains() {
  std::vector<std::vector<SoakUpstream>> chains;
  for (int length = 2; length <= kSoakMaxChain; ++length) {
    int total = 1;
    for (int i = 0; i < length; ++i) total *= kSoakUpstreams;
    for (int code = 0; code < total; ++code) {
      std::vector<SoakUpstream> chain;
      for (int i = 0, c = code; i < length; ++i, c /= kSoakUpstreams)
        chain.push_back(static_cast<SoakUpstream>(c % kSoakUpstreams));
      chains.push_back(std::move(chain));
    }
  }
  return chains;
}

// Per lane: a primary group for every chain shape (its fallbacks list is the chain), and the
// fallback groups per (position, upstream) the chains share.
nlohmann::json router_json(std::vector<Lane>& lanes, const SoakOptions& options) {
  nlohmann::json model_list = nlohmann::json::array(), fallbacks = nlohmann::json::array();
  const auto chains = all_chains();
  for (auto& lane : lanes) {
    for (int position = 1; position < kSoakMaxChain; ++position)
      for (int u = 0; u < kSoakUpstreams; ++u) {
        const auto upstream = static_cast<SoakUpstream>(u);
        model_list.push_back({{"model_name", group_name(lane.index, position, upstream)},
                              {"litellm_params", litellm_params(position, upstream, lane.fake(position, upstream).base_url())}});
      }
    for (const auto& chain : chains) {
      std::string key;
      for (auto u : chain) key += (key.empty() ? "" : ">") + std::string(to_string(u));
      const std::string primary = primary_group(lane.index, key);
      model_list.push_back({{"model_name", primary},
                            {"litellm_params", litellm_params(0, chain[0], lane.fake(0, chain[0]).base_url())}});
      nlohmann::json rest = nlohmann::json::array();
      for (size_t p = 1; p < chain.size(); ++p) rest.push_back(group_name(lane.index, static_cast<int>(p), chain[p]));
      fallbacks.push_back({{primary, rest}});
    }
  }
  nlohmann::json settings = soak_router_settings(options.seed, options.time_scale);
  settings["fallbacks"] = fallbacks;
  nlohmann::json json = {{"model_list", model_list}, {"router_settings", settings}};
  if (!options.defects.empty()) json["defects"] = options.defects;
  return json;
}

std::vector<wire::Message> soak_messages() {
  return {{"system", "You are a concise assistant."},
          {"user", "Tell me about the quick brown fox and the careful router."}};
}

ClientSpec client_spec(const SoakStreamPlan& plan, int lane, const TimeScale& scale) {
  ClientSpec spec;
  spec.front = plan.front;
  spec.stream = true;
  spec.request.model = primary_group(lane, plan.chain_key());
  spec.request.messages = soak_messages();
  spec.request.include_usage = true;
  spec.timeout_ms = scale.scale(kSoakClientTimeoutMs);
  return spec;
}

struct StreamRun {
  SoakStreamResult result;
  std::string body;  // what the client received, kept for a replayed stream
  std::map<std::string, std::vector<fakes::JournalEntry>> journals;
};

// The deployment's script in dilated time: stalls and slow events last `scale` times longer.
fakes::ScriptEntry dilated(fakes::ScriptEntry entry, const TimeScale& scale) {
  using fakes::FaultAction;
  if (entry.fault && (entry.fault->action == FaultAction::Stall || entry.fault->action == FaultAction::Slow))
    entry.fault->ms = scale.scale(entry.fault->ms);
  return entry;
}

StreamRun run_stream(Lane& lane, const SoakStreamPlan& plan, uint16_t port, Clock::time_point epoch,
                     const TimeScale& scale) {
  std::vector<fakes::FakeProvider*> chain;
  std::vector<fakes::ProviderConfig> providers;
  for (size_t p = 0; p < plan.chain.size(); ++p) {
    auto& fake = lane.fake(static_cast<int>(p), plan.chain[p].upstream);
    fake.journal().clear();
    std::vector<fakes::ScriptEntry> script;
    for (const auto& entry : plan.chain[p].script) script.push_back(dilated(entry, scale));
    fake.set_script(script, dilated(plan.chain[p].then, scale));
    chain.push_back(&fake);
    providers.push_back(fake.config());
  }
  const ClientSpec spec = client_spec(plan, lane.index, scale);
  const ClientTranscript transcript = run_client(spec, port, epoch, nullptr);
  // Each fake finishes its side (a router hanging up on a stalled upstream) before reading.
  const auto settle_by = Clock::now() + std::chrono::milliseconds(scale.scale(kJournalSettle.count()));
  std::map<std::string, std::vector<fakes::JournalEntry>> journals;
  std::vector<std::string> left_open;
  for (auto* fake : chain) {
    if (!fake->journal().wait_until_idle(settle_by)) left_open.push_back(fake->name());
    journals[fake->name()] = fake->journal().entries();
  }
  StreamRun run;
  run.result = judge_stream(plan, spec, transcript, providers, journals, left_open, kUsagePolicy, scale);
  run.body = transcript.body;
  run.journals = std::move(journals);
  return run;
}

std::string violation_kinds(const SoakStreamResult& r) {
  std::string kinds;
  auto add = [&](bool on, const std::string& name) {
    if (on) kinds += (kinds.empty() ? "" : ", ") + name;
  };
  add(r.lost_text, "lost_text");
  add(r.duplicated_text, "duplicated_text");
  add(r.truncated_success, "truncated_success");
  add(r.usage_mismatch, "usage_mismatch");
  add(r.hung, "hung");
  add(r.upstream_left_open, "upstream_left_open");
  for (const auto& id : r.other) add(true, id);
  return kinds;
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

std::string progress_line(const SoakReport& r, int total, double elapsed_s) {
  std::ostringstream line;
  line << std::fixed << std::setprecision(1) << r.streams_run << "/" << total << " streams, " << r.faults_fired
       << " faults fired, " << r.completed << " completed, " << r.clean_errors << " clean errors, "
       << r.violating_streams << " violations, " << (elapsed_s > 0 ? r.streams_run / elapsed_s : 0)
       << " streams/s, " << elapsed_s << " s";
  return line.str();
}

}  // namespace

bool SoakReport::passed() const {
  return streams_run > 0 && violating_streams == 0 && fd_leak == 0 && thread_leak == 0 &&
         fd_after_stop <= fd_before_start && thread_after_stop <= thread_before_start + kRuntimeThreads &&
         !rss_unbounded;
}

SoakReport run_soak(const SoakOptions& options, const std::function<void(const std::string&)>& progress) {
  validate(options);
  SoakReport report;
  report.options = options;
  const bool replay = options.only_stream >= 0;
  const int total = replay ? 1 : options.streams;
  const int lane_count = replay ? 1 : std::min(options.concurrency, options.streams);
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };

  report.fd_before_start = open_fds();
  report.thread_before_start = thread_count();
  const auto epoch = Clock::now();
  const auto limit = epoch + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(options.duration_limit_s));
  {
    std::vector<Lane> lanes(static_cast<size_t>(lane_count));
    for (int l = 0; l < lane_count; ++l) {
      Lane& lane = lanes[static_cast<size_t>(l)];
      lane.index = l;
      for (int position = 0; position < kSoakMaxChain; ++position)
        for (auto dialect : kDialects) {
          fakes::ProviderConfig config;
          config.name = "l" + std::to_string(l) + "p" + std::to_string(position) + "-" +
                        std::string(wire::to_string(dialect));
          config.dialect = dialect;
          auto fake = std::make_unique<fakes::FakeProvider>(std::move(config));
          fake->journal().set_epoch(epoch);
          fake->start();
          lane.fakes.push_back(std::move(fake));
        }
    }
    router::ServerOptions server;
    // A streamed answer holds a worker for its whole length; a few spare for the health checks.
    server.threads = static_cast<size_t>(lane_count + 8);
    router::RouterServer router(router::load_router_config(router_json(lanes, options), "midstream soak"), server);
    const uint16_t port = router.start();

    // A warm-up stream per lane, not counted: whatever the router and the clients allocate once
    // (thread pools, lazily opened files) is then part of the baseline, not of a leak.
    {
      std::vector<std::thread> warmups;
      for (auto& lane : lanes)
        warmups.emplace_back([&lane, port, epoch, &options] {
          SoakStreamPlan healthy = plan_stream(0, 0, 0.0);
          run_stream(lane, healthy, port, epoch, options.time_scale);
        });
      for (auto& t : warmups) t.join();
    }
    // Idle keep-alive connections to the fakes (and the fakes' threads serving them) are not
    // part of the baseline; they are closed again before the leak check below. The pause
    // first lets every warm-up stream hand its connection back.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    router.close_idle_upstream_connections();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    report.fd_baseline = open_fds();
    report.thread_baseline = thread_count();
    report.rss_start_mb = current_rss_mb();
    const auto started = Clock::now();

    std::mutex mutex;
    std::condition_variable done_cv;
    int running = lane_count;
    std::atomic<int> next{0};
    std::atomic<bool> cut{false};
    std::vector<std::thread> workers;
    for (auto& lane : lanes)
      workers.emplace_back([&, lane_ptr = &lane] {
        for (;;) {
          if (Clock::now() >= limit) {
            cut = true;
            break;
          }
          const int i = next.fetch_add(1);
          if (i >= total) break;
          const int index = replay ? options.only_stream : i;
          const SoakStreamPlan plan = plan_stream(options.seed, index, options.fault_rate);
          StreamRun run = run_stream(*lane_ptr, plan, port, epoch, options.time_scale);
          std::lock_guard<std::mutex> lock(mutex);
          tally(report, plan, run.result);
          if (replay) {
            report.replayed = run.result;
            report.replayed_body = std::move(run.body);
            report.replayed_journals = std::move(run.journals);
          }
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

    // With the router still up and idle: every client connection, upstream connection and
    // per-request thread of the run must be gone once the idle keep-alive connections the
    // router keeps for reuse are closed.
    router.close_idle_upstream_connections();
    const auto [fds, threads] =
        settle(report.fd_baseline, report.thread_baseline, Clock::now() + std::chrono::milliseconds(options.settle_ms));
    report.fd_after = fds;
    report.thread_after = threads;
    report.fd_leak = std::max(0, fds - report.fd_baseline);
    report.thread_leak = std::max(0, threads - report.thread_baseline);
    report.rss_end_mb = current_rss_mb();
    // Under AddressSanitizer freed memory sits in its quarantine (256 MB by default) and every
    // allocation has shadow and redzones, so RSS says nothing about the router: reported, not judged.
    report.rss_unbounded =
        !kUnderAddressSanitizer && report.rss_end_mb - report.rss_start_mb > options.max_rss_growth_mb;
    router.stop();
    for (auto& lane : lanes)
      for (auto& fake : lane.fakes) fake->stop();
  }
  // And once everything was stopped: back to what the process had before it started any.
  const auto [fds, threads] = settle(report.fd_before_start, report.thread_before_start + kRuntimeThreads,
                                     Clock::now() + std::chrono::milliseconds(options.settle_ms));
  report.fd_after_stop = fds;
  report.thread_after_stop = threads;
  report.peak_rss_mb = peak_rss_mb();
  return report;
}

// ---------------------------------------------------------------------------------------------
// Output.

namespace {

std::string replay_command(const SoakOptions& o, int stream) {
  std::ostringstream cmd;
  cmd << "midstream soak --seed " << o.seed << " --fault-rate " << o.fault_rate;
  for (const auto& d : o.defects) cmd << " --defect " << d;
  cmd << " --only-stream " << stream;
  if (o.time_scale.factor != 1.0) cmd << " --time-scale " << o.time_scale.factor;
  return cmd.str();
}

}  // namespace

nlohmann::json to_json(const SoakReport& r) {
  nlohmann::json violations = nlohmann::json::array();
  for (const auto& v : r.violations)
    violations.push_back({{"seed", r.options.seed},
                          {"stream", v.stream},
                          {"kinds", v.kinds},
                          {"plan", v.plan},
                          {"detail", v.detail},
                          {"replay", replay_command(r.options, v.stream)}});
  // Clean errors although a deployment of the chain had no fault: allowed, listed for a look.
  nlohmann::json unrescued = nlohmann::json::array();
  for (const auto& u : r.unrescued) unrescued.push_back({{"stream", u.stream}, {"plan", u.plan}});
  nlohmann::json json = {
      {"seed", r.options.seed},
      {"streams", r.streams_run},
      {"streams_planned", r.options.only_stream >= 0 ? 1 : r.options.streams},
      {"concurrency", r.options.only_stream >= 0 ? 1 : r.options.concurrency},
      {"fault_rate", r.options.fault_rate},
      {"defects", r.options.defects},
      {"time_scale", {{"factor", r.options.time_scale.factor}, {"source", r.options.time_scale.source}}},
      {"faulted_streams", r.faulted_streams},
      {"faults_planned", r.faults_planned},
      {"faults_fired", r.faults_fired},
      {"faults_unreached", r.faults_unreached},
      {"completed", r.completed},
      {"clean_errors", r.clean_errors},
      {"clean_errors_with_healthy_fallback", r.clean_errors_with_healthy_fallback},
      {"lost_text", r.lost_text},
      {"duplicated_text", r.duplicated_text},
      {"truncated_success", r.truncated_success},
      {"usage_mismatches", r.usage_mismatches},
      {"hung", r.hung},
      {"upstream_left_open", r.upstream_left_open},
      {"other_violations", r.other_violations},
      {"violating_streams", r.violating_streams},
      {"fd_leak", r.fd_leak},
      {"thread_leak", r.thread_leak},
      {"fds", {{"baseline", r.fd_baseline}, {"after", r.fd_after}, {"before_start", r.fd_before_start},
               {"after_stop", r.fd_after_stop}}},
      {"threads", {{"baseline", r.thread_baseline}, {"after", r.thread_after},
                   {"before_start", r.thread_before_start}, {"after_stop", r.thread_after_stop}}},
      {"rss_start_mb", r.rss_start_mb},
      {"rss_end_mb", r.rss_end_mb},
      {"rss_unbounded", r.rss_unbounded},
      {"peak_rss_mb", r.peak_rss_mb},
      {"max_stream_ms", r.max_stream_ms},
      {"duration_s", r.duration_s},
      {"streams_per_s", r.streams_per_s},
      {"bounded_by_time", r.bounded_by_time},
      {"faults_by_kind", r.fired_kinds},
      {"violations", violations},
      {"unrescued", unrescued},
      {"passed", r.passed()},
  };
  if (r.replayed) {
    json["replayed"] = {{"stream", r.replayed->index},
                        {"client_text", r.replayed->client_text},
                        {"duration_ms", r.replayed->duration_ms},
                        {"client_body", r.replayed_body}};
    nlohmann::json journals = nlohmann::json::object();
    for (const auto& [name, entries] : r.replayed_journals)
      for (const auto& e : entries) journals[name].push_back(fakes::to_json(e));
    json["replayed"]["journals"] = journals;
  }
  return json;
}

std::string format_soak_report(const SoakReport& r) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1);
  const SoakOptions& o = r.options;
  out << "midstream soak: seed " << o.seed;
  if (o.only_stream >= 0) out << ", stream " << o.only_stream << " alone";
  else out << ", " << r.streams_run << "/" << o.streams << " streams, " << o.concurrency << " concurrent";
  out << ", fault rate " << std::setprecision(2) << o.fault_rate << std::setprecision(1);
  for (const auto& d : o.defects) out << ", defect " << d;
  out << ", time scale x" << std::setprecision(1) << o.time_scale.factor << " (" << o.time_scale.source << ")";
  out << "\n\n";
  if (r.replayed) {
    const auto plan = plan_stream(o.seed, o.only_stream, o.fault_rate);
    out << "  plan     " << plan.describe() << "\n"
        << "  text     \"" << r.replayed->client_text << "\"\n"
        << "  took     " << r.replayed->duration_ms << " ms, " << r.replayed->faults_fired << " faults fired\n"
        << "  upstream requests, in order:\n";
    std::vector<std::pair<std::string, const fakes::JournalEntry*>> entries;
    for (const auto& [name, list] : r.replayed_journals)
      for (const auto& e : list) entries.emplace_back(name, &e);
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.second->received_ms < b.second->received_ms; });
    for (const auto& [name, e] : entries) {
      out << "    " << name << " #" << e->index << " at " << std::setprecision(0) << e->received_ms << " ms: "
          << (e->fault ? e->fault->describe() + (e->fault_fired ? " (fired)" : " (not fired)") : "ok")
          << (e->continuation ? ", continuation of " + std::to_string(e->partial.size()) + " bytes" : "")
          << (e->mismatch ? " (MISMATCH)" : "") << ", status " << e->status << ", sent \"" << e->text_sent
          << "\", usage ";
      if (e->usage_sent) out << e->usage_sent->input_tokens << "/" << e->usage_sent->output_tokens;
      else out << "none";
      out << ", ended " << e->ended << " at " << e->ended_ms << " ms\n";
    }
    out << std::setprecision(1) << "  body     " << r.replayed_body.size() << " bytes:\n";
    std::istringstream body(r.replayed_body.substr(0, 16 * 1024));
    for (std::string line; std::getline(body, line);)
      if (!line.empty()) out << "    | " << line << "\n";
    out << "\n";
  }
  out << "  streams            " << r.streams_run << " (" << r.faulted_streams << " with faults; "
      << r.faults_fired << " faults fired, " << r.faults_unreached << " planned but not reached)\n"
      << "  completed          " << r.completed << "\n"
      << "  clean errors       " << r.clean_errors << " (" << r.clean_errors_with_healthy_fallback
      << " with a healthy deployment in the chain)\n"
      << "  lost text          " << r.lost_text << "\n"
      << "  duplicated text    " << r.duplicated_text << "\n"
      << "  truncated success  " << r.truncated_success << "\n"
      << "  usage mismatches   " << r.usage_mismatches << "\n"
      << "  hung               " << r.hung << " (slowest stream " << std::setprecision(0) << r.max_stream_ms
      << " ms, bound " << o.time_scale.scale(kSoakStreamBoundMs) << " ms)\n";
  if (r.upstream_left_open) out << "  upstream left open " << r.upstream_left_open << "\n";
  for (const auto& [id, n] : r.other_violations) out << "  " << id << " failed  " << n << "\n";
  out << "  fds                " << r.fd_baseline << " -> " << r.fd_after << " (leak " << r.fd_leak << "); "
      << r.fd_before_start << " before start-up, " << r.fd_after_stop << " after stop\n"
      << "  threads            " << r.thread_baseline << " -> " << r.thread_after << " (leak " << r.thread_leak
      << "); " << r.thread_before_start << " before start-up, " << r.thread_after_stop << " after stop\n"
      << std::setprecision(1) << "  RSS                " << r.rss_start_mb << " MB -> " << r.rss_end_mb
      << (kUnderAddressSanitizer ? " MB (not judged under AddressSanitizer" : " MB (bound +")
      << (kUnderAddressSanitizer ? "" : std::to_string(static_cast<int>(o.max_rss_growth_mb)) + " MB")
      << (r.rss_unbounded ? ", EXCEEDED" : "") << "), peak "
      << r.peak_rss_mb << " MB\n"
      << "  time               " << r.duration_s << " s, " << r.streams_per_s << " streams/s"
      << (r.bounded_by_time ? " (STOPPED BY --duration-limit)" : "") << "\n";
  if (!r.violations.empty()) {
    out << "\nviolations (" << r.violating_streams << " streams";
    if (r.violating_streams > static_cast<int>(r.violations.size()))
      out << ", the first " << r.violations.size() << " listed";
    out << "):\n";
    for (const auto& v : r.violations)
      out << "  seed " << o.seed << " stream " << v.stream << ": " << v.kinds << "\n"
          << "    plan:   " << v.plan << "\n"
          << "    checks: " << v.detail << "\n"
          << "    replay: " << replay_command(o, v.stream) << "\n";
  }
  out << "\n" << (r.passed() ? "PASS" : "FAIL") << ": ";
  if (r.passed()) out << "every stream ended whole or in a clean error, usage exact, nothing leaked\n";
  else {
    std::vector<std::string> why;
    if (r.streams_run == 0) why.push_back("no stream ran");
    if (r.violating_streams) why.push_back(std::to_string(r.violating_streams) + " streams violated a check");
    if (r.fd_leak || r.fd_after_stop > r.fd_before_start) why.push_back("file descriptors leaked");
    if (r.thread_leak || r.thread_after_stop > r.thread_before_start + kRuntimeThreads)
      why.push_back("threads leaked");
    if (r.rss_unbounded) why.push_back("RSS grew past its bound");
    for (size_t i = 0; i < why.size(); ++i) out << (i ? "; " : "") << why[i];
    out << "\n";
  }
  return out.str();
}

}  // namespace midstream::stress
