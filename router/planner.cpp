#include "router/planner.h"

#include <algorithm>
#include <utility>

namespace midstream::router {
namespace {

// The deployments of each group in order; a deployment listed twice is tried once.
std::vector<const Deployment*> deployments_of_groups(const RouterConfig& config,
                                                     const std::vector<std::string>& groups,
                                                     std::vector<const Deployment*> chain = {}) {
  for (const auto& group : groups) {
    for (const Deployment* deployment : config.deployments_of(group)) {
      if (std::find(chain.begin(), chain.end(), deployment) == chain.end()) {
        chain.push_back(deployment);
      }
    }
  }
  return chain;
}

Decision give_up(std::string reason) {
  Decision decision;
  decision.kind = Decision::Kind::GiveUp;
  decision.reason = std::move(reason);
  return decision;
}

}  // namespace

FallbackPlanner::FallbackPlanner(const RouterConfig& config, std::string model_group,
                                 bool disable_fallbacks, uint64_t seed,
                                 CooldownTracker* cooldowns, Defects defects)
    : config_(config),
      group_(std::move(model_group)),
      disable_fallbacks_(disable_fallbacks),
      cooldowns_(cooldowns),
      defects_(std::move(defects)),
      rng_(seed) {
  chain_ = deployments_of_groups(config_, {group_});
  primary_count_ = chain_.size();
  // The fallback groups are always in the chain; reachable_ decides whether they may be used.
  if (const auto it = config_.settings.fallbacks.find(group_);
      it != config_.settings.fallbacks.end()) {
    chain_ = deployments_of_groups(config_, it->second, std::move(chain_));
  }
}

const Deployment* FallbackPlanner::first(int64_t now_ms) {
  if (!config_.has_group(group_)) {
    first_error_ = "unknown model group '" + group_ + "'";
    return nullptr;
  }
  reachable_ = disable_fallbacks_ ? primary_count_ : chain_.size();
  for (size_t i = 0; i < reachable_; ++i) {
    if (!cooling(chain_[i], now_ms)) {
      position_ = i;
      current_ = chain_[i];
      retries_of_current_ = 0;
      ++attempts_;
      return current_;
    }
  }
  first_error_ = "every deployment of '" + group_ + "'" +
                 (reachable_ > primary_count_ ? " and of its fallbacks" : "") +
                 " is cooling down";
  return nullptr;
}

Decision FallbackPlanner::after_failure(const AttemptFailure& failure, int64_t now_ms) {
  if (current_ == nullptr) return give_up("no attempt was in flight");
  const Deployment* failed = current_;
  const std::string what = failed->id + " failed: " + describe(failure);

  FailureClass failure_class = classify(failure);
  if (failure_class == FailureClass::ClientError && defects_.on(defect::kRetryClientErrors)) {
    failure_class = FailureClass::Retryable;
  }
  // Client errors and the deadline say nothing about the deployment's health; cooling a
  // deployment down because one client sent a too-long prompt would punish everyone else.
  if (cooldowns_ != nullptr &&
      (failure_class == FailureClass::Retryable || failure_class == FailureClass::FallbackNoRetry)) {
    cooldowns_->record_failure(failed->id, now_ms);
  }
  const bool fallbacks_ok = fallbacks_allowed(failure);
  reachable_ = (switched_chain_ || fallbacks_ok) ? chain_.size() : primary_count_;

  const auto fall_back = [&](const std::vector<std::string>* extra_chain,
                             const std::string& why) -> Decision {
    const Deployment* next = next_in_chain(extra_chain, now_ms);
    if (next == nullptr) {
      return give_up(what + "; " + why + ", and no deployment is left to try" +
                     (fallbacks_ok ? "" : " (fallbacks disabled)"));
    }
    Decision decision;
    decision.kind = Decision::Kind::Fallback;
    decision.deployment = next;
    decision.delay_ms = 0;  // a Retry-After from one provider does not delay another
    decision.reason = what + "; " + why + ", falling back to " + next->id;
    return decision;
  };

  switch (failure_class) {
    case FailureClass::Fatal:
      return give_up(what + "; the request deadline has passed");
    case FailureClass::ClientError:
      return give_up(what + "; a client error is neither retried nor fallen back");
    case FailureClass::ContextWindow:
    case FailureClass::ContentPolicy: {
      const std::string name(to_string(failure_class));
      if (switched_chain_) return fall_back(nullptr, name + " again");
      const std::vector<std::string>* chain = special_chain(failure_class);
      if (chain == nullptr) return give_up(what + "; no " + name + " fallbacks are configured");
      if (!fallbacks_ok) return give_up(what + "; fallbacks are disabled for this request");
      return fall_back(chain, name);
    }
    case FailureClass::FallbackNoRetry:
      return fall_back(nullptr, "not retried");
    case FailureClass::Retryable:
      break;
  }

  // A deployment that has just entered cooldown is not retried, whatever retries are left.
  if (retries_of_current_ < config_.settings.num_retries && !cooling(failed, now_ms)) {
    Decision decision;
    decision.kind = Decision::Kind::Retry;
    decision.deployment = failed;
    decision.delay_ms = backoff_ms(retries_of_current_, failure.retry_after_ms);
    ++retries_of_current_;
    ++attempts_;
    decision.reason = what + "; retry " + std::to_string(retries_of_current_) + "/" +
                      std::to_string(config_.settings.num_retries) + " in " +
                      std::to_string(decision.delay_ms) + " ms";
    return decision;
  }
  return fall_back(nullptr, config_.settings.num_retries > 0 ? "retries used up" : "no retries");
}

void FallbackPlanner::on_success(int64_t /*now_ms*/) {
  if (cooldowns_ != nullptr && current_ != nullptr) cooldowns_->record_success(current_->id);
}

const Deployment* FallbackPlanner::next_in_chain(const std::vector<std::string>* extra_chain,
                                                 int64_t now_ms) {
  size_t start = position_ + 1;
  if (extra_chain != nullptr) {
    // The special chain replaces the rest of the plan; the deployment that just refused the
    // request is not asked again.
    std::vector<const Deployment*> chain = deployments_of_groups(config_, *extra_chain);
    std::erase(chain, current_);
    chain_ = std::move(chain);
    primary_count_ = reachable_ = chain_.size();
    switched_chain_ = true;
    start = 0;
  }
  for (size_t i = start; i < std::min(reachable_, chain_.size()); ++i) {
    if (!cooling(chain_[i], now_ms)) {
      position_ = i;
      current_ = chain_[i];
      retries_of_current_ = 0;
      ++attempts_;
      return current_;
    }
  }
  return nullptr;
}

int64_t FallbackPlanner::backoff_ms(int retry_number, int64_t retry_after_ms) {
  const RouterSettings& settings = config_.settings;
  if (retry_after_ms >= 0 && !defects_.on(defect::kIgnoreRetryAfter)) {
    return std::min(retry_after_ms, settings.retry_after_max_ms);
  }
  int64_t ceiling = settings.backoff_base_ms;
  for (int i = 0; i < retry_number && ceiling < settings.backoff_max_ms; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, settings.backoff_max_ms);
  if (ceiling <= 0) return 0;
  // Jitter in [50%, 100%] of the ceiling. Plain modulo on mt19937_64 output (not a
  // distribution, whose algorithm varies by standard library) keeps a seed reproducible.
  const int64_t low = (ceiling + 1) / 2;
  const auto span = static_cast<uint64_t>(ceiling - low) + 1;
  return low + static_cast<int64_t>(rng_() % span);
}

bool FallbackPlanner::cooling(const Deployment* deployment, int64_t now_ms) const {
  return cooldowns_ != nullptr && cooldowns_->cooling_down(deployment->id, now_ms);
}

bool FallbackPlanner::fallbacks_allowed(const AttemptFailure& failure) const {
  if (!disable_fallbacks_) return true;
  // LiteLLM #19077: the mid-stream handler hardcodes disable_fallbacks=False.
  return failure.after_content && defects_.on(defect::kIgnoreDisableFallbacks);
}

const std::vector<std::string>* FallbackPlanner::special_chain(FailureClass failure_class) const {
  const auto& chains = failure_class == FailureClass::ContextWindow
                           ? config_.settings.context_window_fallbacks
                           : config_.settings.content_policy_fallbacks;
  // The requested group's chain, else the chain of the group now serving (after a fallback).
  for (const std::string* group : {&group_, current_ ? &current_->model_name : nullptr}) {
    if (group == nullptr) continue;
    if (const auto it = chains.find(*group); it != chains.end() && !it->second.empty()) {
      return &it->second;
    }
  }
  return nullptr;
}

}  // namespace midstream::router
