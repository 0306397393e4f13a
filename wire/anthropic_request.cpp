// anthropic request bodies: {"model","system","messages","max_tokens",...}.
#include <utility>

#include "wire/anthropic.h"
#include "wire/json_reader.h"
#include "wire/request_fields.h"

namespace midstream::wire::anthropic {
namespace {

using detail::fail;
using nlohmann::json;

// Anthropic requires max_tokens; this is what a request without a limit asks for.
constexpr int64_t kDefaultMaxTokens = 1024;

bool read_system(const json& body, std::vector<Message>& out, RequestError* error) {
  const auto system = body.find("system");
  if (system == body.end() || system->is_null()) return true;
  Message message{"system", ""};
  if (!detail::read_content(*system, "/system", message.content, error)) return false;
  out.push_back(std::move(message));
  return true;
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
    if (role == item.end() || !role->is_string() || (*role != "user" && *role != "assistant")) {
      return fail(error, join_pointer(pointer, "role"), "expected \"user\" or \"assistant\"");
    }
    Message message;
    message.role = role->get<std::string>();
    const auto content = item.find("content");
    if (content == item.end()) {
      return fail(error, join_pointer(pointer, "content"),
                  "expected a string or an array of content parts");
    }
    // Blocks other than text (images, tool_use, tool_result) contribute no text.
    if (!detail::read_content(*content, join_pointer(pointer, "content"), message.content, error)) {
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
  if (!detail::read_model(body, request.model, error) ||
      !read_system(body, request.messages, error) ||
      !read_messages(body, request.messages, error) ||
      !detail::read_bool(body, "stream", request.stream, error) ||
      !detail::read_int(body, "max_tokens", request.max_tokens, error) ||
      !detail::read_bool(body, "disable_fallbacks", request.disable_fallbacks, error)) {
    return std::nullopt;
  }
  detail::copy_extra(body, {"model", "system", "messages", "stream", "max_tokens", "disable_fallbacks"},
                     request);
  return request;
}

json encode_request(const CanonicalRequest& request) {
  json body = json::object();
  body["model"] = request.model;
  // Leading system and developer messages become `system`; Anthropic has no such role in
  // `messages`, so any later one is sent as a user turn.
  std::string system;
  bool leading = true;
  json messages = json::array();
  for (const Message& message : request.messages) {
    const bool is_system = message.role == "system" || message.role == "developer";
    if (leading && is_system) {
      if (!system.empty()) system += "\n";
      system += message.content;
      continue;
    }
    leading = false;
    const std::string role = message.role == "assistant" ? "assistant" : "user";
    messages.push_back({{"role", role}, {"content", message.content}});
  }
  if (!system.empty()) body["system"] = system;
  body["messages"] = std::move(messages);
  body["max_tokens"] = request.max_tokens.value_or(kDefaultMaxTokens);
  body["stream"] = request.stream;
  // disable_fallbacks is the router's own switch: it is never forwarded upstream.
  detail::merge_extra(request, body);
  return body;
}

}  // namespace midstream::wire::anthropic
