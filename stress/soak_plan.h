#pragma once
// The soak's plan (pure): for every stream a front, a fallback chain of 2-3 deployments of
// random upstream dialects, and faults drawn from the fakes' vocabulary (position x action) at
// random deployments. A stream's plan is a function of (seed, stream index) alone, so any
// stream can be replayed by itself.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/provider_config.h"
#include "harness/front.h"
#include "harness/time_scale.h"

namespace midstream::stress {

using harness::TimeScale;

// An upstream as the router sees it: a dialect, and for Anthropic whether the deployment takes
// an assistant prefill for continuations (the router's two continuation shapes).
enum class SoakUpstream { OpenAIChat, OpenAIResponses, Anthropic, AnthropicPrefill };
inline constexpr int kSoakUpstreams = 4;
inline constexpr int kSoakMaxChain = 3;

const char* to_string(SoakUpstream upstream);
wire::Dialect dialect_of(SoakUpstream upstream);

struct SoakDeploymentPlan {
  SoakUpstream upstream = SoakUpstream::OpenAIChat;
  std::vector<fakes::ScriptEntry> script;  // the first requests this deployment gets
  fakes::ScriptEntry then;                 // every later request (a persistent fault, or ok)
  bool healthy() const { return script.empty() && !then.fault; }
};

struct SoakStreamPlan {
  uint64_t seed = 0;
  int index = 0;
  harness::Front front = harness::Front::Chat;  // always streamed
  std::vector<SoakDeploymentPlan> chain;   // 2-3 deployments: the primary, then its fallbacks
  int planned_faults() const;              // script entries and persistent faults with a fault
  // The router's model group for this chain shape: "openai-chat>anthropic-prefill".
  std::string chain_key() const;
  // "chat over [openai-chat: after_deltas:3 reset, then ok] -> [anthropic: ok]"
  std::string describe() const;
};

// Every (position, action) pair the plan draws from: the fakes' vocabulary minus
// duplicate_event of a text delta (after_preamble, after_deltas), where a repeated word is
// indistinguishable on the wire from a model saying it twice, so no router can be held to it.
struct SoakFaultKind {
  fakes::FaultPosition position;
  fakes::FaultAction action;
};
const std::vector<SoakFaultKind>& soak_fault_kinds();
// "after_deltas reset": position and action without parameters (the histogram's key).
std::string fault_kind(const fakes::FaultSpec& fault);
// The fault as a scenario-file script entry ({"at", "n", "action", ...}).
nlohmann::json fault_to_json(const fakes::FaultSpec& fault);

// The plan of stream `index`: its own generator seeded from (seed, index), so a stream's plan
// does not depend on how many streams run or in what order. `fault_rate` is the share of
// streams with at least one fault (0..1).
SoakStreamPlan plan_stream(uint64_t seed, int index, double fault_rate);
std::vector<SoakStreamPlan> plan_soak(uint64_t seed, int streams, double fault_rate);

// The router settings every soak runs with: num_retries 1, short timeouts so a stall resolves
// in a few hundred ms, a whole-request deadline, the usage policy and the jitter seed; every
// timeout and the deadline in the time dilated by `scale` (harness/time_scale.h).
nlohmann::json soak_router_settings(uint64_t seed, const TimeScale& scale = {});
inline constexpr int64_t kSoakRouterDeadlineMs = 6'000;
inline constexpr int64_t kSoakStreamBoundMs = kSoakRouterDeadlineMs + 2'000;  // "hung" past this
inline constexpr int64_t kSoakClientTimeoutMs = kSoakRouterDeadlineMs + 4'000;

}  // namespace midstream::stress
