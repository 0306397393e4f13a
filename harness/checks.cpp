#include "harness/checks.h"

#include <algorithm>

#include "harness/check_table.h"
#include "harness/checks/check_functions.h"
#include "harness/checks/text_divergence.h"

namespace midstream::harness {

using reports::CheckResult;
using reports::Severity;

namespace {

// What was wrong with an answer presented as complete: a repeat is not a truncation.
std::string wrong_answer_reason(const Observation& o) {
  const auto divergence = checks::find_divergence(o.scenario.answer(), o.front.text, true);
  const std::string at = " (at byte " + std::to_string(divergence.offset) + ")";
  switch (divergence.kind) {
    case checks::Divergence::Repeat:
    case checks::Divergence::Gap:
      return "an answer with a " + checks::divergence_summary(divergence) + at +
             " was presented as complete";
    case checks::Divergence::Extra:
      return "an answer with " + checks::divergence_summary(divergence) + " was presented as complete";
    case checks::Divergence::Different:
      return "a different answer" + at + " was presented as complete";
    case checks::Divergence::None:  // the text is whole: the tool call is what was cut
    case checks::Divergence::Cut: break;
  }
  return "a truncated answer was presented as complete";
}

}  // namespace

std::vector<CheckResult> run_checks(const Observation& o) {
  std::vector<CheckResult> results;
  for (const auto& row : check_table()) {
    CheckSink sink(row, results);
    row.judge(o, sink);
  }
  return results;
}

Grade grade(const Scenario& scenario, const std::vector<CheckResult>& checks,
            const Observation& o) {
  auto failed = [&](const char* id) {
    return std::any_of(checks.begin(), checks.end(),
                       [&](const CheckResult& c) { return c.id == id && !c.passed; });
  };
  for (const auto& c : checks)
    if (!c.passed && c.id.rfind("harness.", 0) == 0) return {reports::Verdict::Error, c.actual};
  if (failed(check::kNoTruncatedSuccess)) return {reports::Verdict::Fail, wrong_answer_reason(o)};
  std::vector<const CheckResult*> musts, shoulds;
  for (const auto& c : checks) {
    if (c.passed) continue;
    (c.severity == Severity::Must ? musts : shoulds).push_back(&c);
  }
  if (musts.empty()) {
    if (shoulds.empty()) return {reports::Verdict::Pass, "every check held"};
    return {reports::Verdict::NonStrict, "SHOULD failed: " + shoulds.front()->id};
  }
  static const std::vector<std::string> rescue = {check::kOutcome, check::kTextExact, check::kAttempts,
                                                  check::kContinuation, check::kUsage, check::kToolCall};
  const bool only_rescue = std::all_of(musts.begin(), musts.end(), [](const CheckResult* c) {
    return std::find(rescue.begin(), rescue.end(), c->id) != rescue.end();
  });
  if (scenario.expect.safe_ok && only_rescue && harness::checks::clean_error(o)) {
    // text.exact is a rescue check, so it alone cannot tell an honest partial answer from a
    // repeat or a gap before the error: SAFE asks for the answer's beginning.
    if (harness::checks::starts_with(scenario.answer(), o.front.text))
      return {reports::Verdict::Safe, "not rescued, but a clean bounded error"};
    return {reports::Verdict::Fail,
            "a clean error, but the text before it is not the answer's beginning"};
  }
  std::string reason = "MUST failed: " + musts.front()->id;
  if (musts.size() > 1) reason += " (+" + std::to_string(musts.size() - 1) + " more)";
  return {reports::Verdict::Fail, reason};
}

}  // namespace midstream::harness
