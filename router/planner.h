#pragma once
// The fallback planner decides, after each failed attempt, whether to retry the same
// deployment (and after what delay), fall back to the next one in the chain, or give up.
// Pure: the clock is passed in as milliseconds and jitter comes from a seeded generator.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "router/config.h"
#include "router/cooldown.h"
#include "router/defects.h"
#include "router/failure.h"

namespace midstream::router {

struct Decision {
  enum class Kind { Retry, Fallback, GiveUp };
  Kind kind = Kind::GiveUp;
  const Deployment* deployment = nullptr;  // Retry and Fallback: where the next attempt goes
  int64_t delay_ms = 0;                    // wait before the next attempt
  std::string reason;                      // one line, for logs
};

class FallbackPlanner {
 public:
  // `cooldowns` may be null (no cooldown tracking).
  FallbackPlanner(const RouterConfig& config, std::string model_group, bool disable_fallbacks,
                  uint64_t seed, CooldownTracker* cooldowns, Defects defects = {});

  // The first deployment to try, or nullptr when the group is unknown or every deployment is
  // cooling down (then first_error() says why).
  const Deployment* first(int64_t now_ms);
  // What to do after `failure` of the current attempt.
  Decision after_failure(const AttemptFailure& failure, int64_t now_ms);
  // Records that the current attempt succeeded (clears cooldown strikes).
  void on_success(int64_t now_ms);

  const Deployment* current() const { return current_; }
  int attempts() const { return attempts_; }
  const std::string& first_error() const { return first_error_; }

 private:
  const Deployment* next_in_chain(const std::vector<std::string>* extra_chain, int64_t now_ms);
  int64_t backoff_ms(int retry_number, int64_t retry_after_ms);
  bool cooling(const Deployment* deployment, int64_t now_ms) const;
  // disable_fallbacks, unless the ignore-disable-fallbacks defect overrides it (mid-stream only,
  // as in LiteLLM #19077).
  bool fallbacks_allowed(const AttemptFailure& failure) const;
  // The context-window or content-policy chain configured for this request, or null.
  const std::vector<std::string>* special_chain(FailureClass failure_class) const;

  const RouterConfig& config_;
  std::string group_;
  bool disable_fallbacks_;
  CooldownTracker* cooldowns_;
  Defects defects_;
  std::mt19937_64 rng_;
  std::vector<const Deployment*> chain_;  // primary group's deployments, then fallbacks'
  size_t position_ = 0;                   // index of current_ in chain_
  size_t primary_count_ = 0;              // chain_[0, primary_count_) is the requested group
  size_t reachable_ = 0;                  // chain_[0, reachable_) may be tried (fallbacks or not)
  const Deployment* current_ = nullptr;
  int retries_of_current_ = 0;
  int attempts_ = 0;
  bool switched_chain_ = false;           // a context-window/content-policy chain replaced chain_
  std::string first_error_;
};

}  // namespace midstream::router
