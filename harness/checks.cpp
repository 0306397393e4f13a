#include "harness/checks.h"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "wire/request.h"

namespace midstream::harness {
namespace {

using reports::CheckResult;
using reports::Severity;

constexpr double kUpstreamCloseBoundMs = 2000;

std::string quote(const std::string& text, size_t max = 160) {
  if (text.size() <= max) return "\"" + text + "\"";
  return "\"" + text.substr(0, max) + "...\" (" + std::to_string(text.size()) + " bytes)";
}

std::string usage_text(const std::optional<wire::Usage>& usage) {
  if (!usage) return "no usage";
  return "input " + std::to_string(usage->input_tokens) + ", output " +
         std::to_string(usage->output_tokens);
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// The client saw a stream that looks finished: a clean HTTP end and no error anywhere.
bool presented_as_complete(const Observation& o) {
  if (o.client.disconnected || o.client.status != 200) return false;
  if (!o.front.errors.empty()) return false;
  return o.client.end == net::StreamEnd::Complete;
}

bool clean_error(const Observation& o) {
  if (o.client.status >= 400) return o.front.error_body_shaped;
  return o.client.status == 200 && !o.front.errors.empty() && !o.front.terminator;
}

std::string describe_client(const Observation& o) {
  std::ostringstream out;
  if (o.client.status == 0) {
    out << "no response (" << net::to_string(o.client.end)
        << (o.client.detail.empty() ? "" : ": " + o.client.detail) << ")";
    return out.str();
  }
  out << "status " << o.client.status;
  if (o.client.status >= 400) {
    if (!o.front.errors.empty()) out << " with error \"" << o.front.errors.front().message << "\"";
    return out.str();
  }
  if (o.front.streamed) {
    out << ", " << o.front.events.size() << " events";
    if (!o.front.errors.empty()) out << ", in-band error \"" << o.front.errors.front().message << "\"";
    out << (o.front.terminator ? ", terminator" : ", no terminator");
    if (!o.front.finish_reasons.empty()) out << ", finish_reason " << o.front.finish_reasons.back();
    out << ", connection " << net::to_string(o.client.end);
  } else {
    out << ", JSON body";
  }
  if (o.client.disconnected) out << ", client hung up";
  return out.str();
}

wire::Dialect dialect_of(const Scenario& s, const std::string& provider) {
  const auto* p = s.provider(provider);
  return p ? p->dialect : wire::Dialect::OpenAIChat;
}

using MaybeUsage = std::optional<wire::Usage>;

MaybeUsage plus(const MaybeUsage& a, const MaybeUsage& b) {
  if (!a) return b;
  if (!b) return a;
  return wire::Usage{a->input_tokens + b->input_tokens, a->output_tokens + b->output_tokens};
}

// What the router may have read of an attempt's usage (docs/contract.md, "Usage of abandoned
// attempts"). An exchange the fake ended (completed, reset, closed, status...) was read whole:
// its last usage. One the router abandoned (the fake saw the router close first: its own
// timeout, a client hang-up) may have had usage in flight: the router counts what it read, and
// that is the last usage written before a stall the router then waited out, or any later one,
// or none, depending on a race no journal can settle. All of those are accepted, and said.
std::vector<MaybeUsage> readable_usage(const fakes::JournalEntry& e) {
  if (e.ended != fakes::ExchangeEnd::PeerClosed || e.usage_trail.empty()) return {e.usage_sent};
  const bool stalled = e.fault_fired && e.fault && e.fault->action == fakes::FaultAction::Stall;
  MaybeUsage settled;
  size_t first_open = 0;
  for (; first_open < e.usage_trail.size(); ++first_open) {
    if (!stalled || e.usage_trail[first_open].ms > e.fault_ms) break;
    settled = e.usage_trail[first_open].usage;
  }
  std::vector<MaybeUsage> options{settled};
  for (size_t i = first_open; i < e.usage_trail.size(); ++i) options.push_back(e.usage_trail[i].usage);
  return options;
}

struct ExpectedUsage {
  std::vector<MaybeUsage> accepted;      // the first is every attempt's usage counted in full
  std::vector<std::string> in_flight;    // "primary #1": attempts whose count is ambiguous
};

ExpectedUsage expected_usage(const Observation& o) {
  ExpectedUsage out{{std::nullopt}, {}};
  const fakes::JournalEntry* serving = nullptr;
  for (const auto& [name, entries] : o.journals)
    for (const auto& e : entries) {
      if (!e.text_sent.empty() && e.usage_sent && (!serving || e.received_ms > serving->received_ms))
        serving = &e;
      auto options = readable_usage(e);
      // The full count first, so the first accepted total is the unambiguous reading.
      std::rotate(options.begin(), options.end() - 1, options.end());
      if (options.size() > 1) out.in_flight.push_back(name + " #" + std::to_string(e.index));
      std::vector<MaybeUsage> next;
      for (const auto& total : out.accepted)
        for (const auto& option : options) {
          const MaybeUsage sum = plus(total, option);
          if (std::find(next.begin(), next.end(), sum) == next.end()) next.push_back(sum);
        }
      out.accepted = std::move(next);
    }
  if (o.usage_policy == router::UsagePolicy::Served) return {{serving ? serving->usage_sent : std::nullopt}, {}};
  return out;
}

std::string expected_usage_text(const ExpectedUsage& expected, router::UsagePolicy policy) {
  std::string text = usage_text(expected.accepted.front());
  for (size_t i = 1; i < expected.accepted.size(); ++i) text += "; or " + usage_text(expected.accepted[i]);
  text += " (" + std::string(router::to_string(policy));
  if (!expected.in_flight.empty()) {
    text += "; the router abandoned";
    for (size_t i = 0; i < expected.in_flight.size(); ++i) text += (i ? ", " : " ") + expected.in_flight[i];
    text += " with usage in flight, so what it read of that usage cannot be known: each count is accepted";
  }
  return text + ")";
}

}  // namespace

std::vector<CheckResult> run_checks(const Observation& o) {
  const Scenario& s = o.scenario;
  const Expectation& e = s.expect;
  const std::string& answer = s.answer();
  std::vector<CheckResult> checks;
  auto add = [&](const char* id, Severity severity, bool passed, std::string expected,
                 std::string actual, std::string note = "") {
    checks.push_back({id, severity, passed, std::move(expected), std::move(actual), std::move(note)});
  };

  // harness.fault_fired: a request that reached a planned fault must have seen it fire.
  {
    std::vector<std::string> missed;
    for (const auto& [name, entries] : o.journals)
      for (const auto& entry : entries)
        if (entry.fault && !entry.fault_fired && entry.ended != fakes::ExchangeEnd::PeerClosed)
          missed.push_back(name + " request " + std::to_string(entry.index) + " (" +
                           entry.fault->describe() + ", ended " + std::string(fakes::to_string(entry.ended)) + ")");
    std::string actual = missed.empty() ? "every reached fault fired" : "";
    for (const auto& m : missed) actual += (actual.empty() ? "did not fire: " : "; ") + m;
    add(check::kFaultFired, Severity::Must, missed.empty(), "every planned fault that a request reached fires",
        actual, "a fault that did not fire means the scenario tested nothing");
  }

  const bool error_status = o.client.status >= 400;
  // outcome
  if (e.outcome == Outcome::Complete) {
    bool ok = o.client.status == 200 && o.front.errors.empty() && o.front.terminator &&
              (!o.front.streamed || o.client.end == net::StreamEnd::Complete);
    if (o.client.disconnected) ok = o.client.status == 200 && o.front.errors.empty();
    add(check::kOutcome, Severity::Must, ok,
        o.client.disconnected ? "status 200 and no error before the client hung up"
                              : "status 200 and a complete answer with the front's terminator",
        describe_client(o));
  } else {
    bool ok;
    std::string expected;
    if (e.in_band_error) {
      ok = o.client.status == 200 && !o.front.errors.empty() && !o.front.terminator;
      expected = "status 200, then the front's in-band error and no terminator";
    } else {
      std::vector<int> allowed = e.status;
      ok = error_status && (allowed.empty() || std::count(allowed.begin(), allowed.end(), o.client.status));
      expected = "an HTTP error status";
      if (!allowed.empty()) {
        expected += " (";
        for (size_t i = 0; i < allowed.size(); ++i) expected += (i ? " or " : "") + std::to_string(allowed[i]);
        expected += ")";
      }
      expected += " before any stream byte";
    }
    add(check::kOutcome, Severity::Must, ok, expected, describe_client(o));
  }

  // text
  if (e.outcome == Outcome::Complete && !o.client.disconnected) {
    add(check::kTextExact, Severity::Must, o.front.text == answer, quote(answer), quote(o.front.text),
        "no gap and no repeat at the seam");
  } else if (!error_status) {
    add(check::kTextPrefix, Severity::Must, starts_with(answer, o.front.text),
        "a prefix of " + quote(answer), quote(o.front.text), "what was sent must be the answer's beginning, once");
  }

  // tool_call.exact: the answer's tool call arrives whole, once.
  if (s.tool_call() && e.outcome == Outcome::Complete && !o.client.disconnected) {
    const auto& want = *s.tool_call();
    std::string actual;
    for (const auto& call : o.front.tool_calls)
      actual += (actual.empty() ? "" : "; ") + call.name + " " + quote(call.arguments, 80);
    const bool ok = o.front.tool_calls.size() == 1 && o.front.tool_calls[0].name == want.name &&
                    o.front.tool_calls[0].arguments == want.arguments;
    add(check::kToolCall, Severity::Must, ok, want.name + " " + quote(want.arguments, 80),
        actual.empty() ? "no tool call" : actual);
  }

  // no_truncated_success: always applies.
  {
    const bool complete_looking = presented_as_complete(o);
    bool whole = o.front.text == answer;
    if (s.tool_call())
      whole = whole && o.front.tool_calls.size() == 1 && o.front.tool_calls[0].arguments == s.tool_call()->arguments;
    const bool ok = !complete_looking || whole;
    add(check::kNoTruncatedSuccess, Severity::Must, ok,
        "a clean end of stream only after the whole answer",
        complete_looking ? "clean end with text " + quote(o.front.text) : "not presented as complete",
        "a truncated answer presented as complete is the worst outcome");
  }

  // wire shape of a streamed 200
  if (o.client.status == 200 && o.front.streamed) {
    std::vector<std::string> problems = o.front.shape_problems;
    if (o.front.malformed) problems.push_back(std::to_string(o.front.malformed) + " malformed events");
    if (o.front.chunk_ids.size() > 1) problems.push_back(std::to_string(o.front.chunk_ids.size()) + " different chunk ids");
    if (o.front.events_after_terminator) problems.push_back("events after the terminator");
    if (!o.front.events.empty() && o.front.events.front().kind != wire::EventKind::Preamble &&
        o.front.events.front().kind != wire::EventKind::Error)
      problems.push_back("the first event is not the preamble");
    std::string actual;
    for (const auto& p : problems) actual += (actual.empty() ? "" : "; ") + p;
    add(check::kWellFormed, Severity::Must, problems.empty(),
        "every event decodes, one id, nothing after the terminator",
        actual.empty() ? "well formed" : actual);
    add(check::kSinglePreamble, Severity::Must, o.front.preambles == 1, "exactly 1 preamble",
        std::to_string(o.front.preambles) + " preambles");
    const auto& reasons = o.front.finish_reasons;
    if (e.outcome == Outcome::Complete && !o.client.disconnected) {
      add(check::kSingleFinish, Severity::Must, reasons.size() == 1, "exactly 1 finish reason",
          std::to_string(reasons.size()) + " finish reasons");
    } else if (e.outcome == Outcome::Error) {
      const bool stop = std::count(reasons.begin(), reasons.end(), "stop") > 0;
      add(check::kSingleFinish, Severity::Must, !stop, "no finish_reason \"stop\" after a failure",
          stop ? "finish_reason stop" : "none");
    }
  }

  // The Responses lifecycle: the done and completed texts repeat exactly what the deltas said.
  if (o.client.status == 200 && o.front.streamed && s.client.front == Front::Responses && !o.client.disconnected) {
    const auto& life = o.front.responses;
    std::vector<std::string> problems;
    for (const auto& done : life.text_done)
      if (done != o.front.text) problems.push_back("output_text.done " + quote(done, 60));
    if (life.completed_text && *life.completed_text != o.front.text)
      problems.push_back("response.completed text " + quote(*life.completed_text, 60));
    if (life.completed + life.failed != 1)
      problems.push_back(std::to_string(life.completed) + " response.completed and " +
                         std::to_string(life.failed) + " response.failed");
    if (e.outcome == Outcome::Complete && life.text_done.empty()) problems.push_back("no output_text.done");
    std::string actual;
    for (const auto& p : problems) actual += (actual.empty() ? "" : "; ") + p;
    add(check::kLifecycle, Severity::Must, problems.empty(),
        "one terminal event; output_text.done and response.completed text equal to the deltas",
        actual.empty() ? "consistent" : actual);
  }

  // error shape
  if (e.outcome == Outcome::Error) {
    if (error_status)
      add(check::kErrorShape, Severity::Must, o.front.error_body_shaped,
          "an OpenAI-shaped body {\"error\":{\"message\",\"type\"}}", quote(o.client.body));
    else if (o.client.status == 200)
      add(check::kErrorShape, Severity::Must,
          !o.front.errors.empty() && !o.front.terminator &&
              (s.client.front != Front::Responses || o.front.responses.failed == 1),
          s.client.front == Front::Responses ? "an error event and response.failed, no response.completed"
                                        : "the front's in-band error, no terminator",
          o.front.errors.empty() ? "no error event" : "error event" + std::string(o.front.terminator ? " and a terminator" : ""));
  }

  // attempts
  if (!e.attempts.empty()) {
    bool ok = true;
    std::string expected, actual;
    for (const auto& [name, count] : e.attempts) {
      auto it = o.journals.find(name);
      const int seen = it == o.journals.end() ? 0 : static_cast<int>(it->second.size());
      ok = ok && seen == count;
      expected += (expected.empty() ? "" : ", ") + name + " " + std::to_string(count);
      actual += (actual.empty() ? "" : ", ") + name + " " + std::to_string(seen);
    }
    add(check::kAttempts, Severity::Must, ok, expected, actual, "requests each fake received");
  }

  // continuation
  for (const auto& name : e.continuation) {
    const fakes::JournalEntry* found = nullptr;
    for (const auto& entry : o.journals.at(name))
      if (entry.continuation) found = &entry;
    bool ok = found && !found->mismatch && !found->partial.empty() &&
              starts_with(answer, found->partial) && starts_with(o.front.text, found->partial);
    add(check::kContinuation, Severity::Must, ok,
        name + " gets a continuation carrying the partial the client already has",
        found ? "partial " + quote(found->partial) + (found->mismatch ? " (not a prefix of the answer)" : "")
              : "no continuation request at " + name);
  }

  // replay: a request that is not a continuation carries the client's conversation unchanged.
  {
    std::vector<std::string> problems;
    for (const auto& [name, entries] : o.journals)
      for (const auto& entry : entries) {
        if (!entry.has_request || entry.continuation) continue;
        auto body = nlohmann::json::parse(entry.body, nullptr, false);
        wire::RequestError error;
        std::optional<wire::CanonicalRequest> request;
        if (!body.is_discarded()) request = wire::decode_request(dialect_of(s, name), body, &error);
        if (!request) {
          problems.push_back(name + " request " + std::to_string(entry.index) + " unreadable: " + error.message);
        } else if (request->messages != s.client.request.messages) {
          problems.push_back(name + " request " + std::to_string(entry.index) + " changed the conversation");
        }
      }
    std::string actual;
    for (const auto& p : problems) actual += (actual.empty() ? "" : "; ") + p;
    add(check::kReplay, Severity::Must, problems.empty(),
        "every fresh upstream request carries the client's messages unchanged",
        actual.empty() ? "unchanged" : actual);
  }

  // usage
  const bool wants_usage = e.usage.value_or(e.outcome == Outcome::Complete && !o.client.disconnected &&
                                            (!s.client.stream || s.client.request.include_usage ||
                                             s.client.front == Front::Responses));
  if (wants_usage) {
    const ExpectedUsage expected = expected_usage(o);
    const bool ok = std::find(expected.accepted.begin(), expected.accepted.end(), o.front.usage) !=
                    expected.accepted.end();
    add(check::kUsage, Severity::Must, ok, expected_usage_text(expected, o.usage_policy),
        usage_text(o.front.usage), "computed from what each fake reported");
  }

  // duration
  {
    const double took = o.client.ended_ms - o.client.started_ms;
    const bool ok = !o.client.timed_out && took <= static_cast<double>(e.max_duration_ms);
    std::ostringstream actual;
    actual.precision(0);
    actual << std::fixed << took << " ms" << (o.client.timed_out ? " (client timed out)" : "");
    add(check::kDuration, Severity::Must, ok, "at most " + std::to_string(e.max_duration_ms) + " ms",
        actual.str());
  }

  add(check::kAlive, Severity::Must, o.router_alive, "the router answers GET /health afterwards",
      o.router_alive ? "alive" : o.router_alive_detail);

  const double close_bound_ms = kUpstreamCloseBoundMs * o.time_scale;
  for (const auto& name : e.upstream_closed) {
    const auto& entries = o.journals.at(name);
    bool ok = false;
    std::string actual = "no request";
    if (!entries.empty()) {
      const auto& last = entries.back();
      const double after = last.ended_ms - o.client.disconnect_ms;
      ok = last.ended == fakes::ExchangeEnd::PeerClosed && after <= close_bound_ms;
      std::ostringstream text;
      text.precision(0);
      text << std::fixed << "ended " << fakes::to_string(last.ended);
      if (last.ended != fakes::ExchangeEnd::Open) text << " " << after << " ms after the client hung up";
      actual = text.str();
    }
    add(check::kUpstreamClosed, Severity::Must, ok,
        name + " connection closed by the router within " +
            std::to_string(static_cast<int>(close_bound_ms)) + " ms of the client hanging up",
        actual);
  }

  for (const auto& [name, gap] : e.min_gap_ms) {
    const auto& entries = o.journals.at(name);
    double smallest = -1;
    for (size_t i = 1; i < entries.size(); ++i) {
      // From when the fake began its answer (a status fault fires before the write): a fake
      // thread starved between writing and journaling must not shorten the router's wait.
      const auto& previous = entries[i - 1];
      const double sent = previous.fault_fired && previous.fault_ms > 0
                              ? std::min(previous.fault_ms, previous.ended_ms)
                              : previous.ended_ms;
      const double g = entries[i].received_ms - sent;
      if (smallest < 0 || g < smallest) smallest = g;
    }
    std::ostringstream actual;
    actual.precision(0);
    if (smallest < 0) actual << "fewer than 2 requests";
    else actual << std::fixed << smallest << " ms";
    add(check::kRetryAfter, Severity::Should, smallest >= static_cast<double>(gap) - 1.0,
        "at least " + std::to_string(gap) + " ms between requests to " + name, actual.str());
  }
  return checks;
}

Grade grade(const Scenario& scenario, const std::vector<CheckResult>& checks,
            const Observation& o) {
  auto failed = [&](const char* id) {
    return std::any_of(checks.begin(), checks.end(),
                       [&](const CheckResult& c) { return c.id == id && !c.passed; });
  };
  for (const auto& c : checks)
    if (!c.passed && c.id.rfind("harness.", 0) == 0) return {reports::Verdict::Error, c.actual};
  if (failed(check::kNoTruncatedSuccess))
    return {reports::Verdict::Fail, "a truncated answer was presented as complete"};
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
  if (scenario.expect.safe_ok && only_rescue && clean_error(o))
    return {reports::Verdict::Safe, "not rescued, but a clean bounded error"};
  std::string reason = "MUST failed: " + musts.front()->id;
  if (musts.size() > 1) reason += " (+" + std::to_string(musts.size() - 1) + " more)";
  return {reports::Verdict::Fail, reason};
}

}  // namespace midstream::harness
