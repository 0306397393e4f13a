// The outcome, the text and the tool call the client ended with.
#include <algorithm>

#include "harness/checks/check_functions.h"
#include "harness/checks/text_divergence.h"

namespace midstream::harness::checks {
namespace {

// The client's text, led by where and how it leaves the answer when it does.
std::string text_against(const std::string& answer, const std::string& text, bool whole) {
  const TextDivergence divergence = find_divergence(answer, text, whole);
  if (divergence.kind == Divergence::None) return quote(text);
  return describe_divergence(answer, text, divergence) + "; the client got " + quote(text);
}

}  // namespace

// Reads the journals: each request's planned fault, whether it fired and how the exchange ended.
void fault_fired(const Observation& o, CheckSink& sink) {
  std::vector<std::string> missed;
  for (const auto& [name, entries] : o.journals)
    for (const auto& entry : entries)
      if (entry.fault && !entry.fault_fired && entry.ended != fakes::ExchangeEnd::PeerClosed)
        missed.push_back(name + " request " + std::to_string(entry.index) + " (" +
                         entry.fault->describe() + ", ended " + std::string(fakes::to_string(entry.ended)) + ")");
  std::string actual = missed.empty() ? "every reached fault fired" : "";
  for (const auto& m : missed) actual += (actual.empty() ? "did not fire: " : "; ") + m;
  sink.add(missed.empty(), "every planned fault that a request reached fires", actual,
           "a fault that did not fire means the scenario tested nothing");
}

// Reads the client's status, errors, terminator and how its connection ended, against expect.
void outcome(const Observation& o, CheckSink& sink) {
  const Expectation& e = o.scenario.expect;
  if (e.outcome == Outcome::Complete) {
    bool ok = o.client.status == 200 && o.front.errors.empty() && o.front.terminator &&
              (!o.front.streamed || o.client.end == net::StreamEnd::Complete);
    if (o.client.disconnected) ok = o.client.status == 200 && o.front.errors.empty();
    sink.add(ok,
             o.client.disconnected ? "status 200 and no error before the client hung up"
                                   : "status 200 and a complete answer with the front's terminator",
             describe_client(o));
    return;
  }
  bool ok;
  std::string expected;
  if (e.in_band_error) {
    ok = o.client.status == 200 && !o.front.errors.empty() && !o.front.terminator;
    expected = "status 200, then the front's in-band error and no terminator";
  } else {
    const std::vector<int>& allowed = e.status;
    ok = o.client.status >= 400 &&
         (allowed.empty() || std::count(allowed.begin(), allowed.end(), o.client.status));
    expected = "an HTTP error status";
    if (!allowed.empty()) {
      expected += " (";
      for (size_t i = 0; i < allowed.size(); ++i) expected += (i ? " or " : "") + std::to_string(allowed[i]);
      expected += ")";
    }
    expected += " before any stream byte";
  }
  sink.add(ok, expected, describe_client(o));
}

// Reads the client's text when it expected the whole answer.
void text_exact(const Observation& o, CheckSink& sink) {
  if (!expects_whole_answer(o)) return;
  const std::string& answer = o.scenario.answer();
  sink.add(o.front.text == answer, quote(answer), text_against(answer, o.front.text, true),
           "no gap and no repeat at the seam");
}

// Reads the client's text otherwise, unless it got an HTTP error status.
void text_prefix(const Observation& o, CheckSink& sink) {
  if (expects_whole_answer(o) || o.client.status >= 400) return;
  const std::string& answer = o.scenario.answer();
  sink.add(starts_with(answer, o.front.text), "a prefix of " + quote(answer),
           text_against(answer, o.front.text, false),
           "what was sent must be the answer's beginning, once");
}

// Reads the client's tool calls when the answer ends with one and the client expected it whole.
void tool_call_exact(const Observation& o, CheckSink& sink) {
  if (!o.scenario.tool_call() || !expects_whole_answer(o)) return;
  const auto& want = *o.scenario.tool_call();
  std::string actual;
  for (const auto& call : o.front.tool_calls)
    actual += (actual.empty() ? "" : "; ") + call.name + " " + quote(call.arguments, 80);
  const bool ok = o.front.tool_calls.size() == 1 && o.front.tool_calls[0].name == want.name &&
                  o.front.tool_calls[0].arguments == want.arguments;
  sink.add(ok, want.name + " " + quote(want.arguments, 80), actual.empty() ? "no tool call" : actual);
}

// Reads how the client's stream ended and its text and tool call. Always applies.
void no_truncated_success(const Observation& o, CheckSink& sink) {
  const Scenario& s = o.scenario;
  const bool complete_looking = presented_as_complete(o);
  bool whole = o.front.text == s.answer();
  if (s.tool_call())
    whole = whole && o.front.tool_calls.size() == 1 && o.front.tool_calls[0].arguments == s.tool_call()->arguments;
  sink.add(!complete_looking || whole, "a clean end of stream only after the whole answer",
           complete_looking ? "clean end with text " + quote(o.front.text) : "not presented as complete",
           "a truncated answer presented as complete is the worst outcome");
}

// Reads the error body or the in-band error the client got, for a scenario that expects an error.
void error_shape(const Observation& o, CheckSink& sink) {
  if (o.scenario.expect.outcome != Outcome::Error) return;
  if (o.client.status >= 400) {
    sink.add(o.front.error_body_shaped, "an OpenAI-shaped body {\"error\":{\"message\",\"type\"}}",
             quote(o.client.body));
  } else if (o.client.status == 200) {
    const bool responses = o.scenario.client.front == Front::Responses;
    sink.add(!o.front.errors.empty() && !o.front.terminator && (!responses || o.front.responses.failed == 1),
             responses ? "an error event and response.failed, no response.completed"
                       : "the front's in-band error, no terminator",
             o.front.errors.empty() ? "no error event"
                                    : "error event" + std::string(o.front.terminator ? " and a terminator" : ""));
  }
}

}  // namespace midstream::harness::checks
