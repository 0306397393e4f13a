// The anthropic message object and stop reasons.
#include <utility>

#include "wire/anthropic.h"

namespace midstream::wire::anthropic {

using detail::ordered_json;

ordered_json message_object(const std::string& id, const std::string& model, ordered_json content,
                            const std::string& stop_reason, const Usage& usage) {
  ordered_json message;
  message["id"] = id;
  message["type"] = "message";
  message["role"] = "assistant";
  message["model"] = model;
  message["content"] = std::move(content);
  message["stop_reason"] = stop_reason.empty() ? ordered_json(nullptr) : ordered_json(stop_reason);
  message["stop_sequence"] = nullptr;
  message["usage"] = {{"input_tokens", usage.input_tokens}, {"output_tokens", usage.output_tokens}};
  return message;
}

std::string finish_from_stop_reason(const std::string& stop_reason) {
  if (stop_reason == "end_turn" || stop_reason == "stop_sequence" || stop_reason == "pause_turn") {
    return "stop";
  }
  if (stop_reason == "max_tokens") return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return stop_reason;
}

std::string stop_reason_from_finish(const std::string& finish_reason) {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  return "end_turn";
}

}  // namespace midstream::wire::anthropic
