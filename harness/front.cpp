#include "harness/front.h"

#include <array>
#include <ostream>

namespace midstream::harness {
namespace {

struct FrontRow {
  Front front;
  std::string_view name;
  wire::Dialect dialect;
};

constexpr std::array<FrontRow, 2> kFronts{{
    {Front::Chat, "chat", wire::Dialect::OpenAIChat},
    {Front::Responses, "responses", wire::Dialect::OpenAIResponses},
}};

const FrontRow& row(Front front) {
  for (const auto& r : kFronts)
    if (r.front == front) return r;
  return kFronts.front();  // unreachable: every value has its row
}

}  // namespace

std::string_view to_string(Front front) { return row(front).name; }

std::optional<Front> front_from_string(std::string_view name) {
  for (const auto& r : kFronts)
    if (r.name == name) return r.front;
  return std::nullopt;
}

const std::vector<std::string>& front_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& r : kFronts) out.emplace_back(r.name);
    return out;
  }();
  return names;
}

wire::Dialect front_dialect(Front front) { return row(front).dialect; }

std::ostream& operator<<(std::ostream& out, Front front) { return out << to_string(front); }

}  // namespace midstream::harness
