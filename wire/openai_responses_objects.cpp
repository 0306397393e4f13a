// Response objects and output items in the shapes of fixtures/openai-responses.
#include <utility>

#include "wire/openai_responses.h"

namespace midstream::wire::openai_responses {

using detail::json;
using detail::ordered_json;

namespace {

ordered_json usage_object(const Usage& usage) {
  ordered_json out;
  out["input_tokens"] = usage.input_tokens;
  out["input_tokens_details"] = {{"cached_tokens", 0}};
  out["output_tokens"] = usage.output_tokens;
  out["output_tokens_details"] = {{"reasoning_tokens", 0}};
  out["total_tokens"] = usage.total();
  return out;
}

}  // namespace

ordered_json response_object(const ResponseShape& shape) {
  ordered_json out;
  out["id"] = shape.id;
  out["object"] = "response";
  out["created_at"] = shape.created_at;
  out["status"] = shape.status;
  out["background"] = false;
  if (shape.error) {
    // response.error has no type: the code names the failure.
    out["error"] = {{"code", shape.error->code.empty() ? shape.error->type : shape.error->code},
                    {"message", shape.error->message}};
  } else {
    out["error"] = nullptr;
  }
  out["incomplete_details"] = shape.incomplete_reason.empty()
                                  ? ordered_json(nullptr)
                                  : ordered_json{{"reason", shape.incomplete_reason}};
  out["instructions"] = nullptr;
  out["max_output_tokens"] = nullptr;
  out["model"] = shape.model;
  out["output"] = shape.output;
  out["parallel_tool_calls"] = true;
  out["previous_response_id"] = nullptr;
  out["reasoning"] = {{"effort", nullptr}, {"summary", nullptr}};
  out["store"] = true;
  out["temperature"] = 1;
  out["text"] = {{"format", {{"type", "text"}}}};
  out["tool_choice"] = "auto";
  out["tools"] = ordered_json::array();
  out["top_p"] = 1;
  out["truncation"] = "disabled";
  out["usage"] = shape.usage ? usage_object(*shape.usage) : ordered_json(nullptr);
  out["user"] = nullptr;
  out["metadata"] = ordered_json::object();
  return out;
}

ordered_json output_text_part(const std::string& text) {
  ordered_json part;
  part["type"] = "output_text";
  part["annotations"] = ordered_json::array();
  part["logprobs"] = ordered_json::array();
  part["text"] = text;
  return part;
}

ordered_json message_item(const std::string& id, const std::string& status,
                          const std::string& text) {
  ordered_json item;
  item["id"] = id;
  item["type"] = "message";
  item["status"] = status;
  item["content"] = status == "in_progress" && text.empty()
                        ? ordered_json::array()
                        : ordered_json::array({output_text_part(text)});
  item["role"] = "assistant";
  return item;
}

ordered_json function_call_item(const std::string& id, const std::string& status,
                                const ToolDelta& call) {
  ordered_json item;
  item["id"] = id;
  item["type"] = "function_call";
  item["status"] = status;
  item["arguments"] = call.arguments;
  item["call_id"] = call.id;
  item["name"] = call.name;
  return item;
}

std::string finish_reason_of(const json& response) {
  if (detail::string_member(response, "status") == "incomplete") {
    const std::string reason =
        detail::string_member(detail::object_member(response, "incomplete_details"), "reason");
    return reason == "content_filter" ? "content_filter" : "length";
  }
  for (const json& item : detail::array_member(response, "output")) {
    if (detail::string_member(item, "type") == "function_call") return "tool_calls";
  }
  return "stop";
}

std::string status_for_finish(const std::string& finish_reason) {
  return incomplete_reason_for_finish(finish_reason).empty() ? "completed" : "incomplete";
}

std::string incomplete_reason_for_finish(const std::string& finish_reason) {
  if (finish_reason == "length") return "max_output_tokens";
  if (finish_reason == "content_filter") return "content_filter";
  return "";
}

}  // namespace midstream::wire::openai_responses
