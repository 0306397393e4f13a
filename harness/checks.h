#pragma once
// The checks of SPEC section 7 and the grading into verdicts. Pure: they read what the client
// saw and what the fakes journaled, and never touch a socket. The checks themselves are rows of
// harness/check_table.h, one function each in harness/checks/.
#include <map>
#include <string>
#include <vector>

#include "fakes/journal.h"
#include "harness/client.h"
#include "harness/front_view.h"
#include "harness/scenario.h"
#include "router/config.h"
#include "reports/results.h"

namespace midstream::harness {

struct Observation {
  const Scenario& scenario;
  const ClientTranscript& client;
  const FrontView& front;
  std::map<std::string, std::vector<fakes::JournalEntry>> journals;  // provider -> entries
  bool router_alive = true;
  std::string router_alive_detail;
  router::UsagePolicy usage_policy = router::UsagePolicy::Billed;
  double time_scale = 1.0;  // the run's dilation: harness-side bounds are multiplied by it
};

// Every check that applies to the scenario, passed or not, in the table's order.
std::vector<reports::CheckResult> run_checks(const Observation& observation);

// The check ids (the table's rows use these; so does the grader).
namespace check {
inline constexpr const char* kFaultFired = "harness.fault_fired";
inline constexpr const char* kOutcome = "outcome";
inline constexpr const char* kTextExact = "text.exact";
inline constexpr const char* kTextPrefix = "text.prefix";
inline constexpr const char* kToolCall = "tool_call.exact";
inline constexpr const char* kNoTruncatedSuccess = "no_truncated_success";
inline constexpr const char* kWellFormed = "stream.well_formed";
inline constexpr const char* kEventLines = "stream.event_lines";
inline constexpr const char* kSinglePreamble = "preamble.single";
inline constexpr const char* kSingleFinish = "finish.single";
inline constexpr const char* kErrorShape = "error.shape";
inline constexpr const char* kLifecycle = "responses.lifecycle";
inline constexpr const char* kOutputItems = "responses.output_items";
inline constexpr const char* kAttempts = "attempts";
inline constexpr const char* kContinuation = "continuation.carries_partial";
inline constexpr const char* kReplay = "replay.original_request";
inline constexpr const char* kUsage = "usage.exact";
inline constexpr const char* kDuration = "duration.bounded";
inline constexpr const char* kAlive = "router.alive";
inline constexpr const char* kUpstreamClosed = "upstream.closed";
inline constexpr const char* kRetryAfter = "retry_after.honoured";
}  // namespace check

struct Grade {
  reports::Verdict verdict = reports::Verdict::Error;
  std::string reason;
};

// PASS, NON-STRICT (only SHOULDs failed), SAFE (not rescued, but a clean error after a beginning
// of the answer, and the scenario accepts that), FAIL (a MUST failed or a truncated answer was
// presented as complete), ERROR (a harness check failed: the planned fault did not fire).
Grade grade(const Scenario& scenario, const std::vector<reports::CheckResult>& checks,
            const Observation& observation);

}  // namespace midstream::harness
