#include "wire/json_fields.h"

namespace midstream::wire::detail {

const json* member(const json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string string_member(const json& object, const std::string& key) {
  const json* value = member(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

int64_t int_member(const json& object, const std::string& key, int64_t fallback) {
  const json* value = member(object, key);
  if (value == nullptr) return fallback;
  if (value->is_number_unsigned()) {
    const uint64_t n = value->get<uint64_t>();
    return n <= static_cast<uint64_t>(INT64_MAX) ? static_cast<int64_t>(n) : fallback;
  }
  if (value->is_number_integer()) return value->get<int64_t>();
  if (value->is_number_float()) {
    // Converting a double outside int64's range (1e300, or the infinity 1e999 parses to) is
    // undefined behaviour; 2^63 itself is out of range, -2^63 is not.
    const double d = value->get<double>();
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return fallback;
    return static_cast<int64_t>(d);
  }
  return fallback;
}

int64_t count_member(const json& object, const std::string& key, int64_t fallback) {
  const int64_t n = int_member(object, key, -1);
  return n >= 0 && n <= kMaxCount ? n : fallback;
}

std::string scalar_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return "";
}

const json& object_member(const json& object, const std::string& key) {
  static const json empty = json::object();
  const json* value = member(object, key);
  return value != nullptr && value->is_object() ? *value : empty;
}

const json& array_member(const json& object, const std::string& key) {
  static const json empty = json::array();
  const json* value = member(object, key);
  return value != nullptr && value->is_array() ? *value : empty;
}

std::string dump_compact(const ordered_json& value) {
  return value.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

bool parse_event_object(const SseEvent& event, json& payload, std::vector<StreamEvent>& out) {
  payload = json::parse(event.data, nullptr, false);
  if (payload.is_discarded()) {
    out.push_back(StreamEvent::malformed(event.data, "invalid JSON"));
    return false;
  }
  if (!payload.is_object()) {
    out.push_back(StreamEvent::malformed(event.data, "not a JSON object"));
    return false;
  }
  return true;
}

}  // namespace midstream::wire::detail
