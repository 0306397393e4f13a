// Dispatch from a dialect to its request shape, and the fake model's token rule.
#include "wire/request.h"

#include "wire/anthropic.h"
#include "wire/openai_chat.h"
#include "wire/openai_responses.h"

namespace midstream::wire {

std::optional<CanonicalRequest> decode_request(Dialect dialect, const nlohmann::json& body,
                                               RequestError* error) {
  switch (dialect) {
    case Dialect::OpenAIChat: return openai_chat::decode_request(body, error);
    case Dialect::OpenAIResponses: return openai_responses::decode_request(body, error);
    case Dialect::Anthropic: return anthropic::decode_request(body, error);
    case Dialect::Unknown: break;
  }
  if (error != nullptr) *error = RequestError{"", "unknown dialect"};
  return std::nullopt;
}

nlohmann::json encode_request(Dialect dialect, const CanonicalRequest& request) {
  switch (dialect) {
    case Dialect::OpenAIChat: return openai_chat::encode_request(request);
    case Dialect::OpenAIResponses: return openai_responses::encode_request(request);
    case Dialect::Anthropic: return anthropic::encode_request(request);
    case Dialect::Unknown: break;
  }
  return nlohmann::json::object();
}

std::string input_text(const CanonicalRequest& request) {
  std::string out;
  for (size_t i = 0; i < request.messages.size(); ++i) {
    if (i > 0) out.push_back('\n');
    out += request.messages[i].content;
  }
  return out;
}

int64_t count_tokens(std::string_view text) {
  int64_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    // The C locale's white space, independent of the process locale.
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

}  // namespace midstream::wire
