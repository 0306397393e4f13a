#pragma once
// Lenient field access for untrusted wire JSON (internal to wire/): a missing field or one of
// the wrong type reads as empty, so decoders never throw on what a provider sent.
#include <cstdint>
#include <string>

#include <vector>

#include <nlohmann/json.hpp>

#include "wire/events.h"
#include "wire/sse.h"

namespace midstream::wire::detail {

using nlohmann::json;
using nlohmann::ordered_json;  // what encoders build: providers' key order, byte for byte

// The member `key` of `object`, or nullptr when `object` is not an object, lacks it or holds null.
const json* member(const json& object, const std::string& key);
// The member as a string; "" unless it is one.
std::string string_member(const json& object, const std::string& key);
// The member as an integer; `fallback` unless it is a number within int64's range (fractions
// are truncated).
int64_t int_member(const json& object, const std::string& key, int64_t fallback = 0);
// The largest count (tokens) read from the wire: 2^53, what a JSON number holds exactly. Sums
// and totals of counts within it cannot overflow.
inline constexpr int64_t kMaxCount = int64_t{1} << 53;
// The member as a count: an integer from 0 to kMaxCount, else `fallback`.
int64_t count_member(const json& object, const std::string& key, int64_t fallback = 0);
// A string as is, a number or boolean in its JSON spelling, "" for null or anything else
// (error codes arrive as strings, numbers or null).
std::string scalar_text(const json& value);
// The member if it is an object, else an empty object.
const json& object_member(const json& object, const std::string& key);
// The member if it is an array, else an empty array.
const json& array_member(const json& object, const std::string& key);

// Parses an SSE event's data as a JSON object. Anything else appends a Malformed event to out
// and returns false: decoders never throw on what a provider sent.
bool parse_event_object(const SseEvent& event, json& payload, std::vector<StreamEvent>& out);

// Compact JSON for the wire (invalid UTF-8 replaced rather than thrown on).
std::string dump_compact(const ordered_json& value);

}  // namespace midstream::wire::detail
