#pragma once
// Strict reading of configuration JSON (scenarios, router and fake configs). Every error names
// the file, the JSON pointer and what was expected; unknown keys are errors, so a typo never
// silently falls back to a default. Exceptions are used here only: config is loaded, not streamed.
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace midstream::wire {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& file, const std::string& pointer, const std::string& expected);
  const std::string& file() const { return file_; }
  const std::string& pointer() const { return pointer_; }
  const std::string& expected() const { return expected_; }

 private:
  std::string file_, pointer_, expected_;
};

// Parses a whole file; throws ConfigError naming the file and the line/column on a syntax error.
nlohmann::json read_json_file(const std::string& path);
// Parses text that came from `origin` (a file name or "request body").
nlohmann::json parse_json_text(const std::string& text, const std::string& origin);

// A view of one JSON object at a pointer, that tracks which keys were read so finish() can
// reject the unknown ones.
class ObjectReader {
 public:
  ObjectReader(const nlohmann::json& value, std::string file, std::string pointer);
  // The reader keeps a reference to `value`: a temporary would dangle.
  ObjectReader(nlohmann::json&& value, std::string file, std::string pointer) = delete;

  bool has(const std::string& key) const;
  const nlohmann::json& raw(const std::string& key);  // marks the key as read; must exist
  std::string pointer_to(const std::string& key) const;
  const std::string& file() const { return file_; }
  const std::string& pointer() const { return pointer_; }

  std::string required_string(const std::string& key);
  std::string string_or(const std::string& key, const std::string& fallback);
  int64_t required_int(const std::string& key);
  int64_t int_or(const std::string& key, int64_t fallback);
  std::optional<int64_t> optional_int(const std::string& key);
  bool bool_or(const std::string& key, bool fallback);
  // Integer within [lo, hi].
  int64_t int_in(const std::string& key, int64_t fallback, int64_t lo, int64_t hi);
  // One of the listed strings.
  std::string enum_or(const std::string& key, const std::string& fallback,
                      const std::vector<std::string>& allowed);
  std::vector<std::string> string_list_or(const std::string& key,
                                          const std::vector<std::string>& fallback);
  ObjectReader object(const std::string& key);      // required object
  bool is_object(const std::string& key) const;
  const nlohmann::json& array(const std::string& key);  // required array, marks read
  // Marks a key as known without reading it (for passthrough values).
  void accept(const std::string& key);

  // Throws for the first key present but never read.
  void finish() const;
  // Fails at the first key of the object that is not in `known`, naming every known key and the
  // closest one: for readers that decide which keys apply only after reading others, so that a
  // typo ("acton") is named before "expected a fault action" is.
  void only_keys(const std::vector<std::string>& known) const;
  [[noreturn]] void fail(const std::string& key, const std::string& expected) const;

 private:
  const nlohmann::json& value_;
  std::string file_;
  std::string pointer_;
  std::set<std::string> read_;
};

// "/a/b" + "c" with RFC 6901 escaping.
std::string join_pointer(const std::string& base, const std::string& token);
std::string join_pointer(const std::string& base, size_t index);

}  // namespace midstream::wire
