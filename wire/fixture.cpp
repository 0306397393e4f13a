#include "wire/fixture.h"

#include <fstream>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wire/json_fields.h"
#include "wire/json_reader.h"
#include "wire/sse.h"

namespace midstream::wire {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string frame_json_lines(std::string_view lines) {
  std::string out;
  size_t pos = 0;
  while (pos < lines.size()) {
    size_t eol = lines.find('\n', pos);
    if (eol == std::string_view::npos) eol = lines.size();
    const std::string_view line = lines.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) continue;
    const nlohmann::json payload = nlohmann::json::parse(line, nullptr, false);
    append_sse_frame(out, detail::string_member(payload, "type"), line);
  }
  return out;
}

}  // namespace

std::string read_fixture_stream(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path, "", "a readable fixture file");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (ends_with(path, ".jsonl")) return frame_json_lines(bytes.str());
  return bytes.str();
}

}  // namespace midstream::wire
