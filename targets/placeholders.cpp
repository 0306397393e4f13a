#include "targets/placeholders.h"

#include <stdexcept>

namespace midstream::targets {
namespace {

bool name_start(char c) { return c >= 'a' && c <= 'z'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '_' || c == '.'; }

// The length of the placeholder starting at text[at] ('{'), or 0 when none starts there.
size_t placeholder_at(const std::string& text, size_t at) {
  if (text[at] != '{' || at + 1 >= text.size() || !name_start(text[at + 1])) return 0;
  if (at > 0 && text[at - 1] == '$') return 0;  // ${name}: a shell's or nginx's own
  size_t end = at + 1;
  while (end < text.size() && name_char(text[end])) ++end;
  return end < text.size() && text[end] == '}' ? end + 1 - at : 0;
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

}  // namespace

std::vector<std::string> split_command(const std::string& command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (blank(c)) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i < command.size()) word += command[i];
    } else if (c == '\'') {
      const size_t close = command.find('\'', i + 1);
      if (close == std::string::npos) throw std::invalid_argument("unterminated ' in the command: " + command);
      word += command.substr(i + 1, close - i - 1);
      i = close;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i >= command.size()) throw std::invalid_argument("unterminated \" in the command: " + command);
        if (command[i] == '"') break;
        const bool escape = command[i] == '\\' && i + 1 < command.size() &&
                            std::string("\"\\$`").find(command[i + 1]) != std::string::npos;
        if (escape) ++i;
        word += command[i];
      }
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(word);
  if (words.empty()) throw std::invalid_argument("the command is empty");
  return words;
}

std::set<std::string> placeholders_in(const std::string& text) {
  std::set<std::string> names;
  for (size_t i = 0; i < text.size(); ++i)
    if (const size_t length = placeholder_at(text, i)) {
      names.insert(text.substr(i + 1, length - 2));
      i += length - 1;
    }
  return names;
}

std::string expand_placeholders(const std::string& text, const std::map<std::string, std::string>& values,
                                const std::string& what) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t length = placeholder_at(text, i);
    if (length == 0) {
      out += text[i];
      continue;
    }
    const std::string name = text.substr(i + 1, length - 2);
    const auto it = values.find(name);
    if (it == values.end()) {
      std::string known;
      for (const auto& [key, value] : values) known += (known.empty() ? "{" : ", {") + key + "}";
      throw std::invalid_argument(what + " has a placeholder {" + name + "} with no value (known: " +
                                  (known.empty() ? "none" : known) + ")");
    }
    out += it->second;
    i += length - 1;
  }
  return out;
}

}  // namespace midstream::targets
