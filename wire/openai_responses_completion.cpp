// openai-responses non-streamed bodies: the response object.
#include <utility>

#include "wire/openai_error.h"
#include "wire/openai_responses.h"

namespace midstream::wire::openai_responses {

using detail::json;
using detail::ordered_json;

std::string encode_completion(const Completion& completion) {
  const std::string base = completion.id.rfind("resp_", 0) == 0 ? completion.id.substr(5)
                                                                 : completion.id;
  ResponseShape shape;
  shape.id = completion.id;
  shape.model = completion.model;
  shape.created_at = completion.created;
  shape.status = status_for_finish(completion.finish_reason);
  shape.incomplete_reason = incomplete_reason_for_finish(completion.finish_reason);
  shape.usage = completion.usage;
  if (!completion.text.empty() || completion.tool_calls.empty()) {
    shape.output.push_back(message_item("msg_" + base + "_0", "completed", completion.text));
  }
  for (const ToolDelta& call : completion.tool_calls) {
    const std::string id = "fc_" + base + "_" + std::to_string(shape.output.size());
    shape.output.push_back(function_call_item(id, "completed", call));
  }
  return detail::dump_compact(response_object(shape));
}

std::optional<Completion> decode_completion(std::string_view body, std::string* error) {
  auto fail = [error](std::string why) -> std::optional<Completion> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  const json root = json::parse(body, nullptr, false);
  if (root.is_discarded()) return fail("invalid JSON");
  if (!root.is_object()) return fail("not a JSON object");
  // Both an HTTP error body and a failed response carry a non-null "error".
  if (const json* problem = detail::member(root, "error")) {
    return fail(detail::read_openai_error(*problem).message);
  }
  if (detail::string_member(root, "object") != "response") return fail("not a response object");

  Completion completion;
  completion.id = detail::string_member(root, "id");
  completion.model = detail::string_member(root, "model");
  completion.created = detail::int_member(root, "created_at");
  for (const json& item : detail::array_member(root, "output")) {
    const std::string type = detail::string_member(item, "type");
    if (type == "message") {
      for (const json& part : detail::array_member(item, "content")) {
        if (detail::string_member(part, "type") == "output_text") {
          completion.text += detail::string_member(part, "text");
        }
      }
    } else if (type == "function_call") {
      ToolDelta call;
      call.index = static_cast<int>(completion.tool_calls.size());
      call.id = detail::string_member(item, "call_id");
      call.name = detail::string_member(item, "name");
      call.arguments = detail::string_member(item, "arguments");
      completion.tool_calls.push_back(std::move(call));
    }
  }
  completion.finish_reason = finish_reason_of(root);
  if (const json* usage = detail::member(root, "usage")) {
    completion.usage = Usage{detail::count_member(*usage, "input_tokens"),
                             detail::count_member(*usage, "output_tokens")};
  }
  return completion;
}

}  // namespace midstream::wire::openai_responses
