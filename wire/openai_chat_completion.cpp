// openai-chat non-streamed bodies: the chat.completion object and OpenAI error bodies.
#include <utility>

#include "wire/json_fields.h"
#include "wire/openai_chat.h"
#include "wire/openai_error.h"

namespace midstream::wire::openai_chat {

using detail::json;
using detail::ordered_json;

std::string encode_completion(const Completion& completion) {
  ordered_json message;
  message["role"] = "assistant";
  if (completion.text.empty() && !completion.tool_calls.empty()) {
    message["content"] = nullptr;
  } else {
    message["content"] = completion.text;
  }
  if (!completion.tool_calls.empty()) {
    ordered_json calls = ordered_json::array();
    for (const ToolDelta& call : completion.tool_calls) {
      calls.push_back({{"id", call.id},
                       {"type", "function"},
                       {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    }
    message["tool_calls"] = std::move(calls);
  }
  ordered_json choice;
  choice["index"] = 0;
  choice["message"] = std::move(message);
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = completion.finish_reason.empty()
                                ? ordered_json(nullptr)
                                : ordered_json(completion.finish_reason);
  ordered_json body;
  body["id"] = completion.id;
  body["object"] = "chat.completion";
  body["created"] = completion.created;
  body["model"] = completion.model;
  body["choices"] = ordered_json::array({std::move(choice)});
  if (completion.usage) {
    body["usage"] = {{"prompt_tokens", completion.usage->input_tokens},
                     {"completion_tokens", completion.usage->output_tokens},
                     {"total_tokens", completion.usage->total()}};
  }
  return detail::dump_compact(body);
}

std::optional<Completion> decode_completion(std::string_view body, std::string* error) {
  auto fail = [error](std::string why) -> std::optional<Completion> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  const json root = json::parse(body, nullptr, false);
  if (root.is_discarded()) return fail("invalid JSON");
  if (!root.is_object()) return fail("not a JSON object");
  if (const json* problem = detail::member(root, "error")) {
    return fail(detail::read_openai_error(*problem).message);
  }
  const json& choices = detail::array_member(root, "choices");
  if (choices.empty()) return fail("not a chat completion: no choices");

  Completion completion;
  completion.id = detail::string_member(root, "id");
  completion.model = detail::string_member(root, "model");
  completion.created = detail::int_member(root, "created");
  const json& choice = choices.front();
  const json& message = detail::object_member(choice, "message");
  completion.text = detail::string_member(message, "content");
  completion.finish_reason = detail::string_member(choice, "finish_reason");
  for (const json& call : detail::array_member(message, "tool_calls")) {
    const json& function = detail::object_member(call, "function");
    ToolDelta tool;
    tool.index = static_cast<int>(completion.tool_calls.size());
    tool.id = detail::string_member(call, "id");
    tool.name = detail::string_member(function, "name");
    tool.arguments = detail::string_member(function, "arguments");
    completion.tool_calls.push_back(std::move(tool));
  }
  if (const json* usage = detail::member(root, "usage")) {
    completion.usage = Usage{detail::count_member(*usage, "prompt_tokens"),
                             detail::count_member(*usage, "completion_tokens")};
  }
  return completion;
}

}  // namespace midstream::wire::openai_chat
