// openai-responses request bodies: {"model","input","instructions",...}.
#include <utility>

#include "wire/json_reader.h"
#include "wire/openai_responses.h"
#include "wire/request_fields.h"

namespace midstream::wire::openai_responses {
namespace {

using detail::fail;
using nlohmann::json;

bool is_input_role(const std::string& role) {
  return role == "system" || role == "developer" || role == "user" || role == "assistant";
}

bool read_item(const json& item, const std::string& pointer, Message& out, RequestError* error) {
  if (!item.is_object()) return fail(error, pointer, "expected a message item object");
  // Other items (function_call, function_call_output, reasoning) have no canonical form;
  // dropping them would change the conversation, so they are refused.
  if (const auto type = item.find("type"); type != item.end() && *type != "message") {
    return fail(error, join_pointer(pointer, "type"), "expected \"message\"");
  }
  const auto role = item.find("role");
  if (role == item.end() || !role->is_string() ||
      !is_input_role(role->get_ref<const std::string&>())) {
    return fail(error, join_pointer(pointer, "role"),
                "expected one of \"system\", \"developer\", \"user\", \"assistant\"");
  }
  out.role = role->get<std::string>();
  const auto content = item.find("content");
  if (content == item.end()) {
    return fail(error, join_pointer(pointer, "content"),
                "expected a string or an array of content parts");
  }
  return detail::read_content(*content, join_pointer(pointer, "content"), out.content, error);
}

bool read_input(const json& body, std::vector<Message>& out, RequestError* error) {
  const auto input = body.find("input");
  if (input == body.end()) {
    return fail(error, "/input", "expected a string or an array of input items; the field is required");
  }
  if (input->is_string()) {
    out.push_back(Message{"user", input->get<std::string>()});
    return true;
  }
  if (!input->is_array() || input->empty()) {
    return fail(error, "/input", "expected a string or a non-empty array of input items");
  }
  for (size_t i = 0; i < input->size(); ++i) {
    Message message;
    if (!read_item((*input)[i], join_pointer("/input", i), message, error)) return false;
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
  if (const auto instructions = body.find("instructions");
      instructions != body.end() && !instructions->is_null()) {
    if (!instructions->is_string()) {
      fail(error, "/instructions", "expected a string");
      return std::nullopt;
    }
    request.messages.push_back(Message{"system", instructions->get<std::string>()});
  }
  if (!detail::read_model(body, request.model, error) ||
      !read_input(body, request.messages, error) ||
      !detail::read_bool(body, "stream", request.stream, error) ||
      !detail::read_int(body, "max_output_tokens", request.max_tokens, error) ||
      !detail::read_bool(body, "disable_fallbacks", request.disable_fallbacks, error)) {
    return std::nullopt;
  }
  detail::copy_extra(
      body, {"model", "input", "instructions", "stream", "max_output_tokens", "disable_fallbacks"},
      request);
  return request;
}

json encode_request(const CanonicalRequest& request) {
  json body = json::object();
  body["model"] = request.model;
  json input = json::array();
  for (const Message& message : request.messages) {
    const char* part_type = message.role == "assistant" ? "output_text" : "input_text";
    input.push_back({{"type", "message"},
                     {"role", message.role},
                     {"content", json::array({{{"type", part_type}, {"text", message.content}}})}});
  }
  body["input"] = std::move(input);
  body["stream"] = request.stream;
  if (request.max_tokens) body["max_output_tokens"] = *request.max_tokens;
  // disable_fallbacks is the router's own switch: it is never forwarded upstream.
  detail::merge_extra(request, body);
  return body;
}

}  // namespace midstream::wire::openai_responses
