// anthropic non-streamed bodies: the message object, and error bodies.
#include <utility>

#include "wire/anthropic.h"

namespace midstream::wire::anthropic {

using detail::json;
using detail::ordered_json;

std::string encode_completion(const Completion& completion) {
  ordered_json content = ordered_json::array();
  if (!completion.text.empty() || completion.tool_calls.empty()) {
    content.push_back({{"type", "text"}, {"text", completion.text}});
  }
  for (const ToolDelta& call : completion.tool_calls) {
    // Anthropic sends the input as an object; arguments that do not parse become {}.
    ordered_json input = ordered_json::parse(call.arguments, nullptr, false);
    if (input.is_discarded() || !input.is_object()) input = ordered_json::object();
    content.push_back(
        {{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", std::move(input)}});
  }
  const std::string stop_reason =
      completion.finish_reason.empty() ? "" : stop_reason_from_finish(completion.finish_reason);
  return detail::dump_compact(message_object(completion.id, completion.model, std::move(content),
                                             stop_reason, completion.usage.value_or(Usage{})));
}

std::optional<Completion> decode_completion(std::string_view body, std::string* error) {
  auto fail = [error](std::string why) -> std::optional<Completion> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  const json root = json::parse(body, nullptr, false);
  if (root.is_discarded()) return fail("invalid JSON");
  if (!root.is_object()) return fail("not a JSON object");
  const std::string type = detail::string_member(root, "type");
  if (type == "error") {
    return fail(detail::string_member(detail::object_member(root, "error"), "message"));
  }
  if (type != "message") return fail("not a message object");

  Completion completion;
  completion.id = detail::string_member(root, "id");
  completion.model = detail::string_member(root, "model");
  for (const json& block : detail::array_member(root, "content")) {
    const std::string block_type = detail::string_member(block, "type");
    if (block_type == "text") {
      completion.text += detail::string_member(block, "text");
    } else if (block_type == "tool_use") {
      ToolDelta call;
      call.index = static_cast<int>(completion.tool_calls.size());
      call.id = detail::string_member(block, "id");
      call.name = detail::string_member(block, "name");
      const json* input = detail::member(block, "input");
      call.arguments = input != nullptr ? input->dump() : "{}";
      completion.tool_calls.push_back(std::move(call));
    }
  }
  completion.finish_reason = finish_from_stop_reason(detail::string_member(root, "stop_reason"));
  if (const json* usage = detail::member(root, "usage")) {
    completion.usage = Usage{detail::count_member(*usage, "input_tokens"),
                             detail::count_member(*usage, "output_tokens")};
  }
  return completion;
}

std::string encode_error_body(const ErrorInfo& error) {
  ordered_json body;
  body["type"] = "error";
  body["error"] = {{"type", error.type.empty() ? "api_error" : error.type},
                   {"message", error.message}};
  return detail::dump_compact(body);
}

std::optional<ErrorInfo> decode_error_body(std::string_view body) {
  const json root = json::parse(body, nullptr, false);
  if (detail::string_member(root, "type") != "error") return std::nullopt;
  const json& error = detail::object_member(root, "error");
  ErrorInfo info;
  info.type = detail::string_member(error, "type");
  info.message = detail::string_member(error, "message");
  return info;
}

}  // namespace midstream::wire::anthropic
