#pragma once
// A randomized soak on 127.0.0.1 (`midstream soak`): many streams through one long-lived
// reference router, each with faults drawn from the fakes' vocabulary (position x action) at
// random deployments of a 2-3 deployment fallback chain of random upstream dialects, on a random
// front. The plan is a pure function of (seed, stream index), so any violation can be replayed
// alone; the I/O driver only executes plans and hands what it saw to the same checks
// `midstream run` grades with (harness/checks.*, harness/front_view.*).
//
// Per stream: the client's text is the canonical answer exactly, or the stream ends in a clean
// error (an HTTP error status with a shaped body, or the front's in-band error and no terminator)
// with only a prefix of the answer sent; never a truncated answer presented as complete, never a
// repeat; usage exact under the router's policy; no stream outlives its deadline. After the run:
// open file descriptors and threads back to their baseline, RSS growth bounded.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/journal.h"
#include "fakes/provider_config.h"
#include "harness/client.h"
#include "harness/time_scale.h"
#include "harness/scenario.h"

namespace midstream::stress {

using harness::ClientSpec;
using harness::ClientTranscript;
using harness::TimeScale;

// ---------------------------------------------------------------------------------------------
// The plan (pure).

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

// ---------------------------------------------------------------------------------------------
// Judging one stream (pure): what the client saw and what the fakes journaled, through
// run_checks and read_front, sorted into the soak's counters.

enum class SoakEnding { Completed, CleanError, Violation };

struct SoakStreamResult {
  int index = 0;
  SoakEnding ending = SoakEnding::Violation;
  bool lost_text = false;          // the text has a gap or garbled words (not a mere prefix)
  bool duplicated_text = false;    // some word arrives more often than the answer has it
  bool truncated_success = false;  // a clean end with only a prefix of the answer
  bool usage_mismatch = false;
  bool hung = false;               // the client's timeout fired or the stream outlived its bound
  bool upstream_left_open = false; // a fake's exchange still open after the settle wait
  std::vector<std::string> other;  // ids of any other failed check (stream.well_formed, ...)
  bool healthy_fallback = false;   // the chain had a deployment with no fault at all
  int faults_fired = 0;
  std::map<std::string, int> fired_kinds;  // fault_kind -> fires in this stream
  int faults_unreached = 0;        // planned for a request that ended before the position
  std::string detail;              // the failed checks, expected vs actual (violations only)
  double duration_ms = 0;
  std::string client_text;         // what the client assembled
};

// `journals` maps each chain deployment's fake name to its entries; `providers` are those
// fakes' configs (the canonical answer, dialects); `left_open` names fakes whose exchange had
// not ended at the settle deadline.
SoakStreamResult judge_stream(const SoakStreamPlan& plan, const ClientSpec& spec,
                              const ClientTranscript& transcript,
                              const std::vector<fakes::ProviderConfig>& providers,
                              const std::map<std::string, std::vector<fakes::JournalEntry>>& journals,
                              const std::vector<std::string>& left_open,
                              router::UsagePolicy usage_policy, const TimeScale& scale = {});

// ---------------------------------------------------------------------------------------------
// The run (I/O).

struct SoakOptions {
  uint64_t seed = 1;
  int streams = 2000;
  int concurrency = 16;             // lanes: each owns a set of fakes and runs one stream at a time
  double fault_rate = 0.3;
  double duration_limit_s = 600;    // no stream starts after this; each still has its own bound
  int only_stream = -1;             // >= 0: run just this stream of the seed's plan (replay)
  std::vector<std::string> defects; // the reference router's defect switches (router/defects.h)
  int64_t settle_ms = 5'000;        // how long fds and threads get to return to their baseline
  double max_rss_growth_mb = 256;   // RSS after the run minus RSS after start-up, at most
  int64_t progress_interval_ms = 3'000;
  // Every timeout, stall and bound of the run is multiplied by it; the replay command repeats it.
  TimeScale time_scale;
};

struct SoakViolation {
  int stream = 0;
  std::string kinds;                // "duplicated_text, usage_mismatch"
  std::string plan;                 // SoakStreamPlan::describe()
  std::string detail;
};

struct SoakReport {
  SoakOptions options;
  int streams_run = 0;
  int faulted_streams = 0;          // planned with at least one fault
  int faults_planned = 0;
  int faults_fired = 0;
  int faults_unreached = 0;
  std::map<std::string, int> fired_kinds;
  int completed = 0;
  int clean_errors = 0;
  int clean_errors_with_healthy_fallback = 0;  // informational: a rescue was possible
  std::vector<SoakViolation> unrescued;          // the first kMaxListed of those (not violations)
  int lost_text = 0;
  int duplicated_text = 0;
  int truncated_success = 0;
  int usage_mismatches = 0;
  int hung = 0;
  int upstream_left_open = 0;
  std::map<std::string, int> other_violations;  // check id -> streams
  int violating_streams = 0;
  std::vector<SoakViolation> violations;        // the first kMaxListed
  static constexpr size_t kMaxListed = 100;
  double max_stream_ms = 0;
  // Leaks: /proc/self/fd and /proc/self/task once the fakes and router were up, after the run
  // (given settle_ms to come back), and after everything was stopped against before start-up.
  int fd_baseline = 0, fd_after = 0, fd_leak = 0;
  int thread_baseline = 0, thread_after = 0, thread_leak = 0;
  int fd_before_start = 0, fd_after_stop = 0;
  int thread_before_start = 0, thread_after_stop = 0;
  double rss_start_mb = 0, rss_end_mb = 0, peak_rss_mb = 0;
  bool rss_unbounded = false;
  bool bounded_by_time = false;     // --duration-limit stopped new streams
  double duration_s = 0;
  double streams_per_s = 0;
  std::optional<SoakStreamResult> replayed;  // --only-stream: the one stream's result
  std::string replayed_body;                 // and what the client received
  std::map<std::string, std::vector<fakes::JournalEntry>> replayed_journals;  // and the fakes saw

  // Every per-stream check held and nothing leaked.
  bool passed() const;
};

// Runs the soak. `progress` (optional) gets a line every progress_interval_ms. Throws
// std::invalid_argument for options out of range, std::runtime_error when a server cannot start.
SoakReport run_soak(const SoakOptions& options,
                    const std::function<void(const std::string&)>& progress = {});

nlohmann::json to_json(const SoakReport& report);
std::string format_soak_report(const SoakReport& report);

}  // namespace midstream::stress
