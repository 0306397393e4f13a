#pragma once
// The canonical request: what a client asked for, independent of the API it used. Each dialect
// reads and writes its own request body shape from and to it.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wire/events.h"

namespace midstream::wire {

struct Message {
  std::string role;     // system, developer, user, assistant
  std::string content;  // text only; structured content is flattened to its text parts
  bool operator==(const Message&) const = default;
};

struct CanonicalRequest {
  std::string model;
  std::vector<Message> messages;  // the conversation in order (Responses `instructions` and
                                  // Anthropic `system` become a leading system message)
  bool stream = false;
  bool include_usage = false;     // chat stream_options.include_usage
  std::optional<int64_t> max_tokens;
  bool disable_fallbacks = false;  // router extension, per request
  nlohmann::json extra = nlohmann::json::object();  // other fields, passed through unchanged
};

struct RequestError {
  std::string pointer;  // JSON pointer of the offending field, "" for the whole body
  std::string message;  // what was expected
};

// Reads a request body in a dialect's shape. On failure returns nullopt and fills *error.
std::optional<CanonicalRequest> decode_request(Dialect dialect, const nlohmann::json& body,
                                               RequestError* error);
// Writes a request body in a dialect's shape.
nlohmann::json encode_request(Dialect dialect, const CanonicalRequest& request);

// All text of the messages, in order, joined with '\n' (what the fake model counts as input).
std::string input_text(const CanonicalRequest& request);
// The fake model's documented token rule: the number of whitespace-separated words.
int64_t count_tokens(std::string_view text);

}  // namespace midstream::wire
