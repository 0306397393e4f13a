#include "wire/openai_error.h"

namespace midstream::wire::detail {

ErrorInfo read_openai_error(const json& error) {
  ErrorInfo info;
  if (!error.is_object()) {
    info.message = error.is_string() ? error.get<std::string>() : error.dump();
    return info;
  }
  info.type = string_member(error, "type");
  info.message = string_member(error, "message");
  if (const json* code = member(error, "code")) info.code = scalar_text(*code);
  return info;
}

ordered_json openai_error_object(const ErrorInfo& error) {
  ordered_json out;
  out["message"] = error.message;
  out["type"] = error.type;
  out["param"] = nullptr;
  out["code"] = error.code.empty() ? ordered_json(nullptr) : ordered_json(error.code);
  return out;
}

std::string encode_openai_error_body(const ErrorInfo& error) {
  return dump_compact({{"error", openai_error_object(error)}});
}

std::optional<ErrorInfo> decode_openai_error_body(std::string_view body) {
  const json root = json::parse(body, nullptr, false);
  const json* error = member(root, "error");
  if (error == nullptr) return std::nullopt;
  return read_openai_error(*error);
}

}  // namespace midstream::wire::detail
