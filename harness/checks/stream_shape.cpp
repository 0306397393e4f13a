// The wire shape of a streamed 200, as the front's decoder read it back.
#include <algorithm>
#include <set>

#include "harness/checks/check_functions.h"

namespace midstream::harness::checks {
namespace {

bool streamed_200(const Observation& o) { return o.client.status == 200 && o.front.streamed; }

}  // namespace

// Reads the front view's shape problems, malformed events, chunk ids and event order.
void well_formed(const Observation& o, CheckSink& sink) {
  if (!streamed_200(o)) return;
  std::vector<std::string> problems = o.front.shape_problems;
  if (o.front.malformed) problems.push_back(std::to_string(o.front.malformed) + " malformed events");
  if (o.front.chunk_ids.size() > 1) problems.push_back(std::to_string(o.front.chunk_ids.size()) + " different chunk ids");
  if (o.front.events_after_terminator) problems.push_back("events after the terminator");
  if (!o.front.events.empty() && o.front.events.front().kind != wire::EventKind::Preamble &&
      o.front.events.front().kind != wire::EventKind::Error)
    problems.push_back("the first event is not the preamble");
  const std::string actual = joined(problems);
  sink.add(problems.empty(), "every event decodes, one id, nothing after the terminator",
           actual.empty() ? "well formed" : actual);
}

// Reads how many Responses events came with `data:` lines only. A SHOULD: both official OpenAI
// SDKs dispatch on the JSON type, so such a stream reaches the client whole (LiteLLM sends it).
void event_lines(const Observation& o, CheckSink& sink) {
  if (!streamed_200(o) || o.scenario.client.front != Front::Responses) return;
  const auto& life = o.front.responses;
  sink.add(life.without_event_line == 0, "an event: line on every event, naming its type",
           life.without_event_line == 0
               ? "every event named"
               : std::to_string(life.without_event_line) + " of " + std::to_string(o.front.sse_events) +
                     " events without an event: line (first: " + life.first_without_event_line + ")");
}

// Reads how many preambles the client saw.
void single_preamble(const Observation& o, CheckSink& sink) {
  if (!streamed_200(o)) return;
  sink.add(o.front.preambles == 1, "exactly 1 preamble", std::to_string(o.front.preambles) + " preambles");
}

// Reads the finish reasons the client saw, against how the stream ended rather than what the
// scenario expected, so a clean error after content on a scenario that accepts one (safe_ok) is
// judged as the error it is: no finish at all. A whole answer has one; a stream that broke off
// without an error is judged against the expected outcome, as no ending of its own applies.
void single_finish(const Observation& o, CheckSink& sink) {
  if (!streamed_200(o)) return;
  const auto& reasons = o.front.finish_reasons;
  if (!o.front.errors.empty()) {
    sink.add(reasons.empty(), "no finish reason in a stream that ends in an error",
             reasons.empty() ? "none" : "finish_reason " + reasons.front());
  } else if (expects_whole_answer(o)) {
    sink.add(reasons.size() == 1, "exactly 1 finish reason",
             std::to_string(reasons.size()) + " finish reasons");
  } else if (o.scenario.expect.outcome == Outcome::Error) {
    const bool stop = std::count(reasons.begin(), reasons.end(), "stop") > 0;
    sink.add(!stop, "no finish_reason \"stop\" after a failure", stop ? "finish_reason stop" : "none");
  }
}

// Reads the Responses lifecycle events: the done and completed texts repeat what the deltas said.
void responses_lifecycle(const Observation& o, CheckSink& sink) {
  if (!streamed_200(o) || o.scenario.client.front != Front::Responses || o.client.disconnected) return;
  const auto& life = o.front.responses;
  std::vector<std::string> problems;
  for (const auto& done : life.text_done)
    if (done != o.front.text) problems.push_back("output_text.done " + quote(done, 60));
  if (life.completed_text && *life.completed_text != o.front.text)
    problems.push_back("response.completed text " + quote(*life.completed_text, 60));
  // Against how the stream ended: an error ends in response.failed alone, a whole answer in
  // response.completed with its output_text.done.
  const bool ended_in_error = !o.front.errors.empty();
  if (life.completed + life.failed != 1 || (ended_in_error && life.failed != 1))
    problems.push_back(std::to_string(life.completed) + " response.completed and " +
                       std::to_string(life.failed) + " response.failed" +
                       (ended_in_error ? " after an error" : ""));
  if (!ended_in_error && life.completed > 0 && life.text_done.empty())
    problems.push_back("no output_text.done");
  const std::string actual = joined(problems);
  sink.add(problems.empty(), "one terminal event; output_text.done and response.completed text equal to the deltas",
           actual.empty() ? "consistent" : actual);
}

// Reads the output items the Responses events added and the ones the text deltas name. A
// fallback must go on writing into the item the client already has: an item added again at an
// output_index already taken crashes the openai Python SDK, and deltas under a new id or index
// land in an item the client never saw.
void responses_output_items(const Observation& o, CheckSink& sink) {
  if (!streamed_200(o) || o.scenario.client.front != Front::Responses) return;
  const auto& life = o.front.responses;
  std::vector<std::string> problems;
  std::set<int64_t> indexes;
  std::set<std::string> ids;
  const FrontView::ResponsesLifecycle::ItemRef* message = nullptr;
  int messages = 0;
  for (const auto& item : life.items_added) {
    const std::string named = item.id + " at output_index " + std::to_string(item.output_index);
    if (!indexes.insert(item.output_index).second)
      problems.push_back("output_index taken again by " + named);
    if (!ids.insert(item.id).second) problems.push_back("item added again: " + named);
    if (item.type == "message" && ++messages == 1) message = &item;
  }
  if (messages > 1) problems.push_back(std::to_string(messages) + " message items");
  for (const auto& ref : life.text_delta_items) {
    if (message && ref.id == message->id && ref.output_index == message->output_index) continue;
    problems.push_back("output_text.delta for " + ref.id + " at output_index " +
                       std::to_string(ref.output_index) +
                       (message ? ", not the message item " + message->id : ", no message item added"));
  }
  const std::string actual = joined(problems);
  sink.add(problems.empty(),
           "one message item carries the text; each item added once at its own output_index",
           actual.empty() ? "consistent" : actual);
}

}  // namespace midstream::harness::checks
