#pragma once
// A small argument reader for the subcommands: --flag, --flag VALUE, --flag=VALUE, positionals.
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace midstream::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  Args(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) items_.emplace_back(argv[i]);
  }

  // True when --name or --name=VALUE is present (nothing consumed).
  bool has(const std::string& name) const {
    for (const auto& item : items_)
      if (item == name || item.rfind(name + "=", 0) == 0) return true;
    return false;
  }

  // True (and consumed) when --name is present.
  bool flag(const std::string& name) {
    for (size_t i = 0; i < items_.size(); ++i)
      if (items_[i] == name) {
        items_.erase(items_.begin() + static_cast<long>(i));
        return true;
      }
    return false;
  }

  // Every value of --name VALUE / --name=VALUE, consumed.
  std::vector<std::string> values(const std::string& name) {
    std::vector<std::string> out;
    for (size_t i = 0; i < items_.size();) {
      if (items_[i] == name) {
        if (i + 1 >= items_.size()) throw UsageError(name + " needs a value");
        out.push_back(items_[i + 1]);
        items_.erase(items_.begin() + static_cast<long>(i), items_.begin() + static_cast<long>(i) + 2);
      } else if (items_[i].rfind(name + "=", 0) == 0) {
        out.push_back(items_[i].substr(name.size() + 1));
        items_.erase(items_.begin() + static_cast<long>(i));
      } else {
        ++i;
      }
    }
    return out;
  }

  std::optional<std::string> value(const std::string& name) {
    auto all = values(name);
    if (all.size() > 1) throw UsageError(name + " given more than once");
    if (all.empty()) return std::nullopt;
    return all.front();
  }

  long integer(const std::string& name, long fallback, long lo, long hi) {
    auto text = value(name);
    if (!text) return fallback;
    char* end = nullptr;
    long v = std::strtol(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || v < lo || v > hi)
      throw UsageError(name + " expects an integer between " + std::to_string(lo) + " and " +
                       std::to_string(hi) + ", got '" + *text + "'");
    return v;
  }

  // What is left once every known flag was read: positionals. An unknown --flag is an error.
  std::vector<std::string> positionals() {
    for (const auto& item : items_)
      if (item.size() > 1 && item[0] == '-') throw UsageError("unknown option " + item);
    return items_;
  }

 private:
  std::vector<std::string> items_;
};

}  // namespace midstream::cli
