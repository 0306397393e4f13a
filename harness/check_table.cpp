#include "harness/check_table.h"

#include <array>

#include "harness/checks/check_functions.h"

namespace midstream::harness {
namespace {

using enum CheckSeverity;

// In report order. A check that does not apply to a scenario reports nothing.
constexpr std::array<CheckRow, 21> kChecks{{
    // outcome and text
    {check::kFaultFired, Harness,
     "Every planned fault that a request reached fires: one that did not means the scenario tested nothing.",
     checks::fault_fired},
    {check::kOutcome, Must,
     "The client ends as the scenario expects: a complete answer with the front's terminator, or the expected "
     "error (an HTTP error status before any stream byte, or the front's in-band error).",
     checks::outcome},
    {check::kTextExact, Must,
     "A complete answer's text is exactly the canonical answer, with no gap and no repeat at the seam.",
     checks::text_exact},
    {check::kTextPrefix, Must,
     "Text that stops short of a whole answer (an error, a hang-up) is the canonical answer's beginning, sent "
     "once.",
     checks::text_prefix},
    {check::kToolCall, Must, "The answer's tool call arrives whole, once.", checks::tool_call_exact},
    {check::kNoTruncatedSuccess, Must,
     "A stream ends cleanly only after the whole answer: a truncated answer is never presented as complete.",
     checks::no_truncated_success},
    // stream shape
    {check::kWellFormed, Must,
     "Every event of a streamed 200 decodes in the front's dialect, with one id, the preamble first and nothing "
     "after the terminator.",
     checks::well_formed},
    {check::kEventLines, Should,
     "On the Responses front every event carries an event: line naming its JSON type (the official SDKs read "
     "the type from the JSON, so a missing line is framing, not a broken stream).",
     checks::event_lines},
    {check::kSinglePreamble, Must, "A streamed 200 has exactly one preamble, however many attempts served it.",
     checks::single_preamble},
    {check::kSingleFinish, Must,
     "A whole streamed answer has exactly one finish reason, and a failed stream never finishes with \"stop\".",
     checks::single_finish},
    {check::kLifecycle, Must,
     "On the Responses front one terminal event ends the stream, and output_text.done and response.completed "
     "repeat exactly the text of the deltas.",
     checks::responses_lifecycle},
    {check::kOutputItems, Must,
     "On the Responses front one message item carries the text across every attempt: each output item is "
     "added once at its own output_index, and every output_text.delta names that item's id and index.",
     checks::responses_output_items},
    {check::kErrorShape, Must,
     "An expected error is well shaped: an OpenAI-shaped body with an HTTP error status, or after the first byte "
     "the front's in-band error (on Responses, response.failed) and no terminator.",
     checks::error_shape},
    // attempts and continuation
    {check::kAttempts, Must, "Each fake the scenario names receives exactly the number of requests it expects.",
     checks::attempts},
    {check::kContinuation, Must,
     "A continuation request carries the partial text the client already has, a prefix of the answer.",
     checks::continuation},
    {check::kReplay, Must,
     "Every upstream request that is not a continuation carries the client's conversation unchanged.",
     checks::replay},
    // usage
    {check::kUsage, Must,
     "The client's usage equals what the fakes reported under the router's usage policy (billed: every attempt; "
     "served: the serving one).",
     checks::usage},
    // timing and the router
    {check::kDuration, Must, "The client's request ends within the scenario's bound on wall time.",
     checks::duration},
    {check::kAlive, Must, "The router still answers GET /health after the scenario.", checks::alive},
    {check::kUpstreamClosed, Must,
     "When the client hangs up, the router closes its upstream connection within 2 s (times the run's time "
     "scale).",
     checks::upstream_closed},
    {check::kRetryAfter, Should,
     "A retry waits at least as long as the provider's Retry-After asked.",
     checks::retry_after},
}};

}  // namespace

std::string_view to_string(CheckSeverity severity) {
  switch (severity) {
    case CheckSeverity::Must: return "MUST";
    case CheckSeverity::Should: return "SHOULD";
    case CheckSeverity::Harness: return "harness";
  }
  return "unknown";
}

reports::Severity reported_severity(CheckSeverity severity) {
  return severity == CheckSeverity::Should ? reports::Severity::Should : reports::Severity::Must;
}

void CheckSink::add(bool passed, std::string expected, std::string actual, std::string note) {
  out_.push_back({row_.id, reported_severity(row_.severity), passed, std::move(expected), std::move(actual),
                  std::move(note)});
}

std::span<const CheckRow> check_table() { return kChecks; }

const CheckRow* find_check_row(std::string_view id) {
  for (const auto& row : kChecks)
    if (id == row.id) return &row;
  return nullptr;
}

}  // namespace midstream::harness
