#pragma once
// The canonical stream event model: every wire dialect decodes into these events and every
// front encodes from them, so bridging is decoder x encoder, never a pairwise translator.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace midstream::wire {

enum class Dialect { Unknown, OpenAIChat, OpenAIResponses, Anthropic };

// "openai-chat", "openai-responses", "anthropic".
std::string_view to_string(Dialect dialect);
// Unknown for anything else.
Dialect dialect_from_string(std::string_view name);
// The upstream path a dialect is served on, e.g. "/v1/chat/completions".
std::string_view request_path(Dialect dialect);

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t total() const { return input_tokens + output_tokens; }
  bool operator==(const Usage&) const = default;
};

struct ErrorInfo {
  std::string type;     // e.g. "server_error", "overloaded_error", "rate_limit_exceeded"
  std::string code;     // may be empty (the wire had null)
  std::string message;
  int http_status = 0;  // 0 when the error arrived in-band
  bool operator==(const ErrorInfo&) const = default;
};

struct ToolDelta {
  int index = 0;          // the call's ordinal in the answer: 0, 1, ... in every dialect
  std::string id;         // set on the first delta of a call
  std::string name;       // set on the first delta of a call
  std::string arguments;  // a fragment of the JSON arguments
  bool operator==(const ToolDelta&) const = default;
};

enum class EventKind {
  Preamble,   // role chunk / response.created / message_start: carries id and model
  TextDelta,  // a piece of assistant text
  ToolDelta,  // a piece of a tool call
  Usage,      // token counts as the dialect reported them (cumulative where the dialect is)
  Finish,     // the finish reason, canonical OpenAI-chat names: stop, length, tool_calls, content_filter
  Error,      // an in-band error event from the provider
  Malformed,  // an event the decoder could not read (text holds the raw data, error.message why)
  End,        // the dialect's own terminator: [DONE], message_stop, response.completed/failed
};

std::string_view to_string(EventKind kind);

struct StreamEvent {
  EventKind kind = EventKind::TextDelta;
  std::string id;             // Preamble
  std::string model;          // Preamble
  std::string text;           // TextDelta; raw data for Malformed
  ToolDelta tool;             // ToolDelta
  Usage usage;                // Usage; on Preamble, the usage a dialect reports at the start
                              // (Anthropic message_start), zero otherwise
  std::string finish_reason;  // Finish
  ErrorInfo error;            // Error, Malformed

  static StreamEvent preamble(std::string id, std::string model);
  static StreamEvent text_delta(std::string text);
  static StreamEvent tool_delta(ToolDelta delta);
  static StreamEvent usage_report(Usage usage);
  static StreamEvent finish(std::string reason);
  static StreamEvent error_event(ErrorInfo error);
  static StreamEvent malformed(std::string raw, std::string why);
  static StreamEvent end();

  bool is_content() const { return kind == EventKind::TextDelta || kind == EventKind::ToolDelta; }
  bool operator==(const StreamEvent&) const = default;
};

// One line for logs and test failures, e.g. `text_delta "Hello"` or `usage 12/5`.
std::string describe(const StreamEvent& event);

// A whole (non-streamed) answer, as a front returns it for stream:false.
struct Completion {
  std::string id;
  std::string model;
  std::string text;
  std::string finish_reason;  // canonical names as in Finish
  std::optional<Usage> usage;
  std::vector<ToolDelta> tool_calls;  // one entry per call, arguments complete
  int64_t created = 0;  // unix seconds (chat `created`, Responses `created_at`); 0 when unknown
  bool operator==(const Completion&) const = default;
};

}  // namespace midstream::wire
