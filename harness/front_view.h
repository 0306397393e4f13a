#pragma once
// What the client saw, read back through the front's own decoder: the events, the text, the
// usage, errors and terminators, and the wire-shape facts the checks look at.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/client.h"
#include "wire/events.h"

namespace midstream::harness {

struct FrontView {
  bool streamed = false;             // an SSE body (vs a JSON body)
  std::vector<wire::StreamEvent> events;
  std::vector<double> event_ms;      // arrival time of each SSE event
  int sse_events = 0;
  std::string text;
  std::vector<wire::ToolDelta> tool_calls;  // merged by index: name and whole arguments
  std::optional<wire::Usage> usage;  // the last usage reported
  int preambles = 0;
  int role_chunks = 0;                // chat: chunks whose delta carries a role
  std::vector<std::string> finish_reasons;
  std::vector<wire::ErrorInfo> errors;     // in-band errors (or the error body of a non-2xx)
  int malformed = 0;
  bool terminator = false;           // the front's terminator arrived ([DONE], response.completed)
  int events_after_terminator = 0;
  std::set<std::string> chunk_ids;   // chat: every chunk's id
  std::vector<std::string> shape_problems;  // wire-shape violations found while reading
  bool error_body_shaped = false;    // non-2xx: the body is {"error":{"message":str,"type":str}}

  // Responses front: the lifecycle as the wire showed it.
  struct ResponsesLifecycle {
    int created = 0;                 // response.created events
    int completed = 0;               // response.completed events
    int failed = 0;                  // response.failed events
    // Events framed with `data:` lines only (the type is in the JSON): the SDKs read them, so
    // this is a framing deviation, kept apart from the shape problems above.
    int without_event_line = 0;
    std::string first_without_event_line;  // the JSON type of the first such event
    std::vector<int64_t> sequence;   // sequence_number of every event, in order
    std::vector<std::string> text_done;  // response.output_text.done texts
    // The output items as the events name them: every response.output_item.added, and each
    // distinct item the response.output_text.delta events point at (output_index -1: absent).
    struct ItemRef {
      std::string id;
      std::string type;  // output_item.added only: "message", "function_call"...
      int64_t output_index = -1;
      bool operator==(const ItemRef&) const = default;
    };
    std::vector<ItemRef> items_added;
    std::vector<ItemRef> text_delta_items;
    std::optional<std::string> completed_text;  // output_text of response.completed's output
  } responses;
};

FrontView read_front(const ClientSpec& spec, const ClientTranscript& transcript);

}  // namespace midstream::harness
