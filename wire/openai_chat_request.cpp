// openai-chat request bodies: {"model","messages",...}.
#include <utility>

#include "wire/json_reader.h"
#include "wire/openai_chat.h"
#include "wire/request_fields.h"

namespace midstream::wire::openai_chat {
namespace {

using detail::fail;
using nlohmann::json;

bool is_chat_role(const std::string& role) {
  return role == "system" || role == "developer" || role == "user" || role == "assistant" ||
         role == "tool";
}

bool read_messages(const json& body, std::vector<Message>& out, RequestError* error) {
  const auto messages = body.find("messages");
  if (messages == body.end()) {
    return fail(error, "/messages", "expected a non-empty array of messages; the field is required");
  }
  if (!messages->is_array() || messages->empty()) {
    return fail(error, "/messages", "expected a non-empty array of messages");
  }
  for (size_t i = 0; i < messages->size(); ++i) {
    const json& item = (*messages)[i];
    const std::string pointer = join_pointer("/messages", i);
    if (!item.is_object()) return fail(error, pointer, "expected a message object");
    const auto role = item.find("role");
    if (role == item.end() || !role->is_string() ||
        !is_chat_role(role->get_ref<const std::string&>())) {
      return fail(error, join_pointer(pointer, "role"),
                  "expected one of \"system\", \"developer\", \"user\", \"assistant\", \"tool\"");
    }
    Message message;
    message.role = role->get<std::string>();
    const auto content = item.find("content");
    // An assistant turn that only called tools has no content.
    const bool may_be_empty = message.role == "assistant";
    if (content == item.end() || content->is_null()) {
      if (!may_be_empty) {
        return fail(error, join_pointer(pointer, "content"),
                    "expected a string or an array of content parts");
      }
    } else if (!detail::read_content(*content, join_pointer(pointer, "content"), message.content,
                                     error)) {
      return false;
    }
    out.push_back(std::move(message));
  }
  return true;
}

}  // namespace

std::optional<CanonicalRequest> decode_request(const json& body, RequestError* error) {
  if (!body.is_object()) {
    fail(error, "", "expected a JSON object");
    return std::nullopt;
  }
  CanonicalRequest request;
  std::optional<int64_t> max_tokens, max_completion_tokens;
  if (!detail::read_model(body, request.model, error) ||
      !read_messages(body, request.messages, error) ||
      !detail::read_bool(body, "stream", request.stream, error) ||
      !detail::read_int(body, "max_tokens", max_tokens, error) ||
      !detail::read_int(body, "max_completion_tokens", max_completion_tokens, error) ||
      !detail::read_bool(body, "disable_fallbacks", request.disable_fallbacks, error)) {
    return std::nullopt;
  }
  if (const auto options = body.find("stream_options"); options != body.end()) {
    if (!options->is_object()) {
      fail(error, "/stream_options", "expected an object");
      return std::nullopt;
    }
    if (const auto include = options->find("include_usage"); include != options->end()) {
      if (!include->is_boolean()) {
        fail(error, "/stream_options/include_usage", "expected a boolean");
        return std::nullopt;
      }
      request.include_usage = include->get<bool>();
    }
  }
  // The newer name wins when a client sends both.
  request.max_tokens = max_completion_tokens ? max_completion_tokens : max_tokens;
  detail::copy_extra(body,
                     {"model", "messages", "stream", "stream_options", "max_tokens",
                      "max_completion_tokens", "disable_fallbacks"},
                     request);
  return request;
}

json encode_request(const CanonicalRequest& request) {
  json body = json::object();
  body["model"] = request.model;
  json messages = json::array();
  for (const Message& message : request.messages) {
    messages.push_back({{"role", message.role}, {"content", message.content}});
  }
  body["messages"] = std::move(messages);
  body["stream"] = request.stream;
  if (request.stream) body["stream_options"] = {{"include_usage", request.include_usage}};
  if (request.max_tokens) body["max_tokens"] = *request.max_tokens;
  // disable_fallbacks is the router's own switch: it is never forwarded upstream.
  detail::merge_extra(request, body);
  return body;
}

}  // namespace midstream::wire::openai_chat
