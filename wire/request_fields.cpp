#include "wire/request_fields.h"

#include <algorithm>
#include <utility>

#include "wire/json_reader.h"

namespace midstream::wire::detail {

bool fail(RequestError* error, std::string pointer, std::string message) {
  if (error != nullptr) *error = RequestError{std::move(pointer), std::move(message)};
  return false;
}

bool read_model(const json& body, std::string& out, RequestError* error) {
  const auto it = body.find("model");
  if (it == body.end()) return fail(error, "/model", "expected a non-empty string; the field is required");
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return fail(error, "/model", "expected a non-empty string");
  }
  out = it->get<std::string>();
  return true;
}

bool read_bool(const json& body, const std::string& key, bool& out, RequestError* error) {
  const auto it = body.find(key);
  if (it == body.end()) return true;
  if (!it->is_boolean()) return fail(error, join_pointer("", key), "expected a boolean");
  out = it->get<bool>();
  return true;
}

bool read_int(const json& body, const std::string& key, std::optional<int64_t>& out,
              RequestError* error) {
  const auto it = body.find(key);
  if (it == body.end()) return true;
  if (!it->is_number_integer() ||
      (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))) {
    return fail(error, join_pointer("", key), "expected an integer");
  }
  out = it->get<int64_t>();
  return true;
}

bool read_content(const json& content, const std::string& pointer, std::string& out,
                  RequestError* error) {
  if (content.is_string()) {
    out = content.get<std::string>();
    return true;
  }
  if (!content.is_array()) {
    return fail(error, pointer, "expected a string or an array of content parts");
  }
  out.clear();
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    const std::string part_pointer = join_pointer(pointer, i);
    if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) {
      return fail(error, part_pointer, "expected a content part object with a string \"type\"");
    }
    const std::string& type = part["type"].get_ref<const std::string&>();
    if (type != "text" && type != "input_text" && type != "output_text") continue;
    const auto text = part.find("text");
    if (text == part.end() || !text->is_string()) {
      return fail(error, join_pointer(part_pointer, "text"), "expected a string");
    }
    out += text->get_ref<const std::string&>();
  }
  return true;
}

void copy_extra(const json& body, std::initializer_list<std::string_view> known,
                CanonicalRequest& out) {
  for (const auto& item : body.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      out.extra[item.key()] = item.value();
    }
  }
}

void merge_extra(const CanonicalRequest& request, json& body) {
  if (!request.extra.is_object()) return;
  for (const auto& item : request.extra.items()) {
    if (!body.contains(item.key())) body[item.key()] = item.value();
  }
}

}  // namespace midstream::wire::detail
