#pragma once
// Deployment cooldown shared by all requests of one router: a deployment that failed more than
// allowed_fails times within cooldown_ms is skipped until cooldown_ms after its last failure.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace midstream::router {

class CooldownTracker {
 public:
  CooldownTracker(int64_t cooldown_ms, int allowed_fails)
      : cooldown_ms_(cooldown_ms), allowed_fails_(allowed_fails) {}

  void record_failure(const std::string& deployment_id, int64_t now_ms);
  void record_success(const std::string& deployment_id);
  bool cooling_down(const std::string& deployment_id, int64_t now_ms) const;

 private:
  int64_t cooldown_ms_;
  int allowed_fails_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<int64_t>> failures_;  // recent failure times
  std::map<std::string, int64_t> until_;                  // cooling down until
};

}  // namespace midstream::router
