// The soak's plan (soak_plan.h): a seeded generator per stream, the fault vocabulary, and the
// router settings every soak runs with.
#include "stress/soak_plan.h"

#include <algorithm>

namespace midstream::stress {

using fakes::FaultAction;
using fakes::FaultPosition;
using fakes::FaultSpec;

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

}  // namespace midstream::stress
