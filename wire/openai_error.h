#pragma once
// The OpenAI error object, shared by the chat and Responses dialects (in-band events and
// HTTP error bodies): {"message","type","param","code"}.
#include <optional>
#include <string>
#include <string_view>

#include "wire/events.h"
#include "wire/json_fields.h"

namespace midstream::wire::detail {

// Reads an error object; a non-object yields its JSON text as the message.
ErrorInfo read_openai_error(const json& error);
// {"message","type","param":null,"code"}; an empty code is written as null.
ordered_json openai_error_object(const ErrorInfo& error);

// HTTP error bodies: {"error":{...}}.
std::string encode_openai_error_body(const ErrorInfo& error);
std::optional<ErrorInfo> decode_openai_error_body(std::string_view body);

}  // namespace midstream::wire::detail
