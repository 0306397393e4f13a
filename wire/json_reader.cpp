#include "wire/json_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

namespace midstream::wire {
namespace {

using nlohmann::json;

std::string shown_pointer(const std::string& pointer) {
  return pointer.empty() ? "(root)" : pointer;
}

// "a string", "an integer", ...: the second half of "expected X, got Y".
std::string describe_type(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number with a fraction";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line L,
// column C: " prefix, which we state ourselves.
std::string parse_error_detail(const json::parse_error& error) {
  std::string_view text = error.what();
  if (const size_t bracket = text.find("] "); bracket != std::string_view::npos) {
    text.remove_prefix(bracket + 2);
  }
  if (text.rfind("parse error at line", 0) == 0) {
    if (const size_t colon = text.find(": "); colon != std::string_view::npos) {
      text.remove_prefix(colon + 2);
    }
  }
  return std::string(text);
}

// "line L, column C" of the byte at `end` (0-based).
std::string line_and_column(const std::string& text, size_t end) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < end && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

json parse_or_throw(const std::string& text, const std::string& origin) {
  // nlohmann's parser ends the input at a NUL byte, so `{...}\0<anything>` would load as the
  // JSON before it. JSON never holds a raw NUL: report where it is.
  if (const size_t nul = text.find('\0'); nul != std::string::npos) {
    throw ConfigError(origin, "", "valid JSON; syntax error at " + line_and_column(text, nul) +
                                      ": a NUL byte");
  }
  try {
    return json::parse(text);
  } catch (const json::parse_error& error) {
    // error.byte is 1-based and points at the character that could not be read.
    const size_t end = error.byte == 0 ? 0 : std::min<size_t>(error.byte - 1, text.size());
    throw ConfigError(origin, "",
                      "valid JSON; syntax error at " + line_and_column(text, end) + ": " +
                          parse_error_detail(error));
  } catch (const json::out_of_range& error) {
    // A number too large for a double (1e999) is out_of_range 406, not a parse_error.
    std::string_view what = error.what();
    if (const size_t bracket = what.find("] "); bracket != std::string_view::npos) {
      what.remove_prefix(bracket + 2);
    }
    throw ConfigError(origin, "", "valid JSON; " + std::string(what));
  }
}

std::string quoted_list(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& value : values) {
    if (!out.empty()) out += ", ";
    out += '"' + value + '"';
  }
  return out;
}

}  // namespace

ConfigError::ConfigError(const std::string& file, const std::string& pointer,
                         const std::string& expected)
    : std::runtime_error(file + ": at JSON pointer " + shown_pointer(pointer) + ": expected " +
                         expected),
      file_(file),
      pointer_(pointer),
      expected_(expected) {}

json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(path, "", std::string("a readable JSON file (") + std::strerror(errno) + ")");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(path, "", "a readable JSON file (read error)");
  return parse_or_throw(text.str(), path);
}

json parse_json_text(const std::string& text, const std::string& origin) {
  return parse_or_throw(text, origin);
}

ObjectReader::ObjectReader(const json& value, std::string file, std::string pointer)
    : value_(value), file_(std::move(file)), pointer_(std::move(pointer)) {
  if (!value_.is_object()) {
    throw ConfigError(file_, pointer_, "an object, got " + describe_type(value_));
  }
}

bool ObjectReader::has(const std::string& key) const { return value_.contains(key); }

const json& ObjectReader::raw(const std::string& key) {
  read_.insert(key);
  if (!has(key)) fail(key, "a value; the key is required");
  return value_.at(key);
}

std::string ObjectReader::pointer_to(const std::string& key) const {
  return join_pointer(pointer_, key);
}

std::string ObjectReader::required_string(const std::string& key) {
  read_.insert(key);
  if (!has(key)) fail(key, "a string; the key is required");
  return string_or(key, "");
}

std::string ObjectReader::string_or(const std::string& key, const std::string& fallback) {
  read_.insert(key);
  if (!has(key)) return fallback;
  const json& value = value_.at(key);
  if (!value.is_string()) fail(key, "a string, got " + describe_type(value));
  return value.get<std::string>();
}

int64_t ObjectReader::required_int(const std::string& key) {
  read_.insert(key);
  if (!has(key)) fail(key, "an integer; the key is required");
  return *optional_int(key);
}

int64_t ObjectReader::int_or(const std::string& key, int64_t fallback) {
  return optional_int(key).value_or(fallback);
}

std::optional<int64_t> ObjectReader::optional_int(const std::string& key) {
  read_.insert(key);
  if (!has(key)) return std::nullopt;
  const json& value = value_.at(key);
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    fail(key, "an integer that fits in 64 bits");
  }
  if (!value.is_number_integer()) fail(key, "an integer, got " + describe_type(value));
  return value.get<int64_t>();
}

bool ObjectReader::bool_or(const std::string& key, bool fallback) {
  read_.insert(key);
  if (!has(key)) return fallback;
  const json& value = value_.at(key);
  if (!value.is_boolean()) fail(key, "a boolean, got " + describe_type(value));
  return value.get<bool>();
}

int64_t ObjectReader::int_in(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) {
  const int64_t value = int_or(key, fallback);
  if (has(key) && (value < lo || value > hi)) {
    fail(key, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
                  std::to_string(value));
  }
  return value;
}

std::string ObjectReader::enum_or(const std::string& key, const std::string& fallback,
                                  const std::vector<std::string>& allowed) {
  const std::string value = string_or(key, fallback);
  if (!has(key)) return value;
  for (const std::string& candidate : allowed) {
    if (candidate == value) return value;
  }
  fail(key, "one of " + quoted_list(allowed) + ", got \"" + value + "\"");
}

std::vector<std::string> ObjectReader::string_list_or(const std::string& key,
                                                      const std::vector<std::string>& fallback) {
  read_.insert(key);
  if (!has(key)) return fallback;
  const json& value = value_.at(key);
  if (!value.is_array()) fail(key, "an array of strings, got " + describe_type(value));
  std::vector<std::string> out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      throw ConfigError(file_, join_pointer(pointer_to(key), i),
                        "a string, got " + describe_type(value[i]));
    }
    out.push_back(value[i].get<std::string>());
  }
  return out;
}

ObjectReader ObjectReader::object(const std::string& key) {
  read_.insert(key);
  if (!has(key)) fail(key, "an object; the key is required");
  return ObjectReader(value_.at(key), file_, pointer_to(key));
}

bool ObjectReader::is_object(const std::string& key) const {
  return has(key) && value_.at(key).is_object();
}

const json& ObjectReader::array(const std::string& key) {
  read_.insert(key);
  if (!has(key)) fail(key, "an array; the key is required");
  const json& value = value_.at(key);
  if (!value.is_array()) fail(key, "an array, got " + describe_type(value));
  return value;
}

void ObjectReader::accept(const std::string& key) { read_.insert(key); }

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "a known key ("acton" is not one of: action, at, n; did you mean "action"?)"
std::string unknown_key(const std::string& key, const std::vector<std::string>& known) {
  std::string allowed, closest;
  size_t best = std::max<size_t>(2, key.size() / 3) + 1;
  for (const std::string& candidate : known) {
    if (!allowed.empty()) allowed += ", ";
    allowed += candidate;
    const size_t distance = edit_distance(key, candidate);
    if (distance < best) {
      best = distance;
      closest = candidate;
    }
  }
  return "a known key (\"" + key + "\" is not one of: " +
         (allowed.empty() ? std::string("no keys are allowed here") : allowed) +
         (closest.empty() ? std::string() : "; did you mean \"" + closest + "\"?") + ")";
}

}  // namespace

void ObjectReader::finish() const {
  only_keys(std::vector<std::string>(read_.begin(), read_.end()));
}

void ObjectReader::only_keys(const std::vector<std::string>& known) const {
  for (const auto& item : value_.items())
    if (std::find(known.begin(), known.end(), item.key()) == known.end())
      fail(item.key(), unknown_key(item.key(), known));
}

void ObjectReader::fail(const std::string& key, const std::string& expected) const {
  throw ConfigError(file_, pointer_to(key), expected);
}

std::string join_pointer(const std::string& base, const std::string& token) {
  std::string out = base;
  out.reserve(base.size() + token.size() + 1);
  out.push_back('/');
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string join_pointer(const std::string& base, size_t index) {
  return base + "/" + std::to_string(index);
}

}  // namespace midstream::wire
