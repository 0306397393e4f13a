#include "router/cooldown.h"

#include <algorithm>

namespace midstream::router {

void CooldownTracker::record_failure(const std::string& deployment_id, int64_t now_ms) {
  if (cooldown_ms_ <= 0) return;
  std::lock_guard lock(mutex_);
  auto& times = failures_[deployment_id];
  // Only failures within the last cooldown_ms count as strikes.
  std::erase_if(times, [&](int64_t at) { return at <= now_ms - cooldown_ms_; });
  times.push_back(now_ms);
  if (static_cast<int64_t>(times.size()) > allowed_fails_) {
    until_[deployment_id] = now_ms + cooldown_ms_;
  }
}

void CooldownTracker::record_success(const std::string& deployment_id) {
  std::lock_guard lock(mutex_);
  failures_.erase(deployment_id);
}

bool CooldownTracker::cooling_down(const std::string& deployment_id, int64_t now_ms) const {
  if (cooldown_ms_ <= 0) return false;
  std::lock_guard lock(mutex_);
  const auto it = until_.find(deployment_id);
  return it != until_.end() && now_ms < it->second;
}

}  // namespace midstream::router
