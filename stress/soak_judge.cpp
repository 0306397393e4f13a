// Judging one soak stream (soak_judge.h).
#include "stress/soak_judge.h"

#include <sstream>

#include "fakes/fake_model.h"
#include "harness/checks.h"
#include "harness/front_view.h"
#include "wire/request.h"

namespace midstream::stress {
using namespace midstream::harness;

namespace {

using Journals = std::map<std::string, std::vector<fakes::JournalEntry>>;

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
Journals mark_continuations(Journals journals, const std::vector<fakes::ProviderConfig>& providers) {
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

// The faults the fakes fired, and those planned for a request that ended before their position.
void count_faults(const Journals& journals, SoakStreamResult& r) {
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
}

// The stream as a one-off scenario, so the catalogue's own checks judge it. Which outcome to
// expect is read from the stream itself: both a whole answer and a clean error are allowed, and
// each is then held to every check of its kind.
Scenario one_off_scenario(const SoakStreamPlan& plan, const ClientSpec& spec,
                          const std::vector<fakes::ProviderConfig>& providers, const ClientTranscript& transcript,
                          bool looks_complete, const TimeScale& scale) {
  Scenario scenario;
  scenario.id = "soak." + std::to_string(plan.index);
  scenario.providers = providers;
  scenario.client = spec;
  scenario.expect.outcome = looks_complete ? Outcome::Complete : Outcome::Error;
  scenario.expect.in_band_error = transcript.status == 200;
  scenario.expect.max_duration_ms = scale.scale(kSoakStreamBoundMs);
  return scenario;
}

// Sorts the failed checks into the result's kinds; returns them, expected vs actual.
std::string sort_failed_checks(const std::vector<reports::CheckResult>& checks, const std::string& answer,
                               const std::string& text, SoakStreamResult& r) {
  std::string detail;
  bool text_wrong = false;
  for (const auto& c : checks) {
    if (c.passed || c.id == check::kFaultFired) continue;  // an unreached fault is the plan's, not the router's
    detail += (detail.empty() ? "" : "; ") + c.id + ": expected " + c.expected + ", got " + c.actual;
    if (is_text_check(c.id)) text_wrong = true;
    else if (c.id == check::kUsage) r.usage_mismatch = true;
    else if (c.id == check::kDuration) r.hung = true;
    else r.other.push_back(c.id);
  }
  if (text_wrong) {
    if (answer.compare(0, text.size(), text) == 0) r.truncated_success = true;
    else if (repeats(text, answer)) r.duplicated_text = true;
    else r.lost_text = true;
  }
  return detail;
}

}  // namespace

SoakStreamResult judge_stream(const SoakStreamPlan& plan, const ClientSpec& spec,
                              const ClientTranscript& transcript,
                              const std::vector<fakes::ProviderConfig>& providers, const Journals& journals,
                              const std::vector<std::string>& left_open, router::UsagePolicy usage_policy,
                              const TimeScale& scale) {
  SoakStreamResult r;
  r.index = plan.index;
  r.duration_ms = transcript.ended_ms - transcript.started_ms;
  for (const auto& d : plan.chain) r.healthy_fallback = r.healthy_fallback || d.healthy();

  const FrontView view = read_front(spec, transcript);
  const bool looks_complete = transcript.status == 200 && view.errors.empty() &&
                              (view.terminator || transcript.end == net::StreamEnd::Complete);
  const Scenario scenario = one_off_scenario(plan, spec, providers, transcript, looks_complete, scale);
  const Observation observation{scenario, transcript, view, mark_continuations(journals, providers), true, "",
                                usage_policy, scale.factor};
  count_faults(journals, r);
  std::string detail = sort_failed_checks(run_checks(observation), scenario.answer(), view.text, r);
  for (const auto& name : left_open) {
    r.upstream_left_open = true;
    detail += (detail.empty() ? "" : "; ") + ("upstream.closed: " + name + "'s exchange still open after the settle wait");
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

}  // namespace midstream::stress
