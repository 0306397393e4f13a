#include "router/usage.h"

#include <iterator>

namespace midstream::router {

void UsageAccountant::record(int attempt, const wire::Usage& usage) { last_[attempt] = usage; }

std::optional<wire::Usage> UsageAccountant::total(UsagePolicy policy) const {
  if (policy == UsagePolicy::Served) {
    if (!serving_) return std::nullopt;
    const auto it = last_.find(*serving_);
    if (it == last_.end()) return std::nullopt;
    return it->second;
  }
  if (last_.empty()) return std::nullopt;
  wire::Usage sum;
  for (const auto& [attempt, usage] : last_) {
    sum.input_tokens += usage.input_tokens;
    sum.output_tokens += usage.output_tokens;
  }
  return sum;
}

void UsageAccountant::drop_failed() {
  for (auto it = last_.begin(); it != last_.end();) {
    it = (serving_ && it->first == *serving_) ? std::next(it) : last_.erase(it);
  }
}

}  // namespace midstream::router
