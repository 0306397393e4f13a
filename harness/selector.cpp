#include "harness/selector.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>

namespace midstream::harness {
namespace {

bool only(const std::string& text, const std::string& allowed) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
    return allowed.find(c) != std::string::npos;
  });
}

}  // namespace

bool selects(const std::string& selector, const std::string& id, const std::string& file) {
  static const std::string kIdChars = "0123456789.";
  static const std::string kGlobChars = "*?[]";
  if (only(selector, kIdChars)) {
    std::string prefix = selector;
    while (!prefix.empty() && prefix.back() == '.') prefix.pop_back();
    return id == prefix || id.rfind(prefix + ".", 0) == 0;
  }
  if (only(selector, kIdChars + kGlobChars)) return fnmatch(selector.c_str(), id.c_str(), 0) == 0;
  const std::string name = std::filesystem::path(file).filename().string();
  const bool glob = selector.find_first_of(kGlobChars) != std::string::npos;
  const std::string pattern = glob ? selector : "*" + selector + "*";
  return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

}  // namespace midstream::harness
