#include "tests/fixture_replay.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wire/events.h"
#include "wire/json_reader.h"
#include "wire/sse.h"

namespace midstream::fixtures {
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
    const auto type = payload.is_object() ? payload.find("type") : payload.end();
    const bool named = type != payload.end() && type->is_string();
    wire::append_sse_frame(out, named ? type->get<std::string>() : std::string(), line);
  }
  return out;
}

}  // namespace

std::string read_fixture_stream(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw wire::ConfigError(path, "", "a readable fixture file");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (ends_with(path, ".jsonl")) return frame_json_lines(bytes.str());
  return bytes.str();
}

std::vector<std::string> decodable_fixtures(const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<std::string> paths;
  std::error_code missing;
  if (!fs::is_directory(root, missing)) return paths;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".sse" && ext != ".jsonl")) continue;
    const std::string relative = fs::relative(entry.path(), root).generic_string();
    if (wire::dialect_from_string(relative.substr(0, relative.find('/'))) == wire::Dialect::Unknown)
      continue;
    paths.push_back(relative);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace midstream::fixtures
