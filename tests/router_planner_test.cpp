#include "router/planner.h"

#include <gtest/gtest.h>

#include <vector>

namespace midstream::router {
namespace {

using Kind = Decision::Kind;

// Groups A (two deployments when asked), B, C and L (a large-context group).
RouterConfig make_config(int deployments_of_a = 1) {
  RouterConfig config;
  const auto add = [&](const std::string& group, int index) {
    Deployment deployment;
    deployment.id = group + "#" + std::to_string(index);
    deployment.model_name = group;
    deployment.provider = "openai";
    deployment.model = group;
    deployment.api_base = "http://127.0.0.1:1/v1";
    config.model_list.push_back(deployment);
  };
  for (int i = 0; i < deployments_of_a; ++i) add("A", i);
  add("B", 0);
  add("C", 0);
  add("L", 0);
  config.settings.fallbacks["A"] = {"B", "C"};
  config.settings.num_retries = 1;
  config.settings.backoff_base_ms = 0;  // no delay unless a test asks for one
  return config;
}

AttemptFailure status(int code, int64_t retry_after_ms = -1) {
  AttemptFailure failure;
  failure.kind = FailureKind::HttpStatus;
  failure.http_status = code;
  failure.retry_after_ms = retry_after_ms;
  return failure;
}

AttemptFailure reset_after_content() {
  AttemptFailure failure;
  failure.kind = FailureKind::Reset;
  failure.after_content = true;
  return failure;
}

std::string id_of(const Decision& decision) {
  return decision.deployment != nullptr ? decision.deployment->id : "<none>";
}

void expect_one_line(const Decision& decision) {
  EXPECT_FALSE(decision.reason.empty());
  EXPECT_EQ(decision.reason.find('\n'), std::string::npos) << decision.reason;
}

TEST(RouterPlanner, RetriesThenFallsBackAlongTheChain) {
  const RouterConfig config = make_config();
  FallbackPlanner planner(config, "A", false, 1, nullptr);
  ASSERT_NE(planner.first(0), nullptr);
  EXPECT_EQ(planner.current()->id, "A#0");
  EXPECT_EQ(planner.attempts(), 1);

  const std::vector<std::pair<Kind, std::string>> expected = {
      {Kind::Retry, "A#0"}, {Kind::Fallback, "B#0"}, {Kind::Retry, "B#0"},
      {Kind::Fallback, "C#0"}, {Kind::Retry, "C#0"}, {Kind::GiveUp, "<none>"}};
  for (const auto& [kind, id] : expected) {
    const Decision decision = planner.after_failure(status(503), 0);
    EXPECT_EQ(decision.kind, kind) << decision.reason;
    EXPECT_EQ(id_of(decision), id) << decision.reason;
    expect_one_line(decision);
    if (decision.kind != Kind::GiveUp) {
      EXPECT_EQ(planner.current(), decision.deployment);
    }
  }
  EXPECT_EQ(planner.attempts(), 6);
}

TEST(RouterPlanner, NumRetriesCountsExtraTriesOfTheSameDeployment) {
  RouterConfig config = make_config();
  config.settings.num_retries = 3;
  FallbackPlanner planner(config, "A", false, 1, nullptr);
  planner.first(0);
  for (int i = 0; i < 3; ++i) {
    AttemptFailure failure;
    failure.kind = FailureKind::Truncated;
    EXPECT_EQ(planner.after_failure(failure, 0).kind, Kind::Retry) << i;
  }
  const Decision decision = planner.after_failure(status(500), 0);
  EXPECT_EQ(decision.kind, Kind::Fallback);
  EXPECT_EQ(id_of(decision), "B#0");
  EXPECT_EQ(planner.attempts(), 5);

  config.settings.num_retries = 0;
  FallbackPlanner no_retries(config, "A", false, 1, nullptr);
  no_retries.first(0);
  EXPECT_EQ(id_of(no_retries.after_failure(status(500), 0)), "B#0");
}

TEST(RouterPlanner, DeploymentsOfTheGroupComeBeforeFallbacks) {
  RouterConfig config = make_config(2);
  config.settings.num_retries = 0;
  FallbackPlanner planner(config, "A", false, 1, nullptr);
  EXPECT_EQ(planner.first(0)->id, "A#0");
  EXPECT_EQ(id_of(planner.after_failure(status(502), 0)), "A#1");
  EXPECT_EQ(id_of(planner.after_failure(status(502), 0)), "B#0");
}

TEST(RouterPlanner, RetryAfterIsHonouredAndCapped) {
  RouterConfig config = make_config();
  config.settings.num_retries = 2;
  config.settings.retry_after_max_ms = 1000;
  config.settings.backoff_base_ms = 10;
  FallbackPlanner planner(config, "A", false, 1, nullptr);
  planner.first(0);
  Decision decision = planner.after_failure(status(429, 700), 0);
  EXPECT_EQ(decision.kind, Kind::Retry);
  EXPECT_EQ(decision.delay_ms, 700);
  decision = planner.after_failure(status(429, 5000), 0);
  EXPECT_EQ(decision.kind, Kind::Retry);
  EXPECT_EQ(decision.delay_ms, 1000);
  // Another provider is not delayed by this one's Retry-After.
  decision = planner.after_failure(status(429, 5000), 0);
  EXPECT_EQ(decision.kind, Kind::Fallback);
  EXPECT_EQ(decision.delay_ms, 0);
}

TEST(RouterPlanner, IgnoreRetryAfterDefectUsesBackoff) {
  RouterConfig config = make_config();
  config.settings.backoff_base_ms = 40;
  FallbackPlanner planner(config, "A", false, 1, nullptr,
                          Defects({std::string(defect::kIgnoreRetryAfter)}));
  planner.first(0);
  const Decision decision = planner.after_failure(status(429, 5000), 0);
  EXPECT_EQ(decision.kind, Kind::Retry);
  EXPECT_GE(decision.delay_ms, 20);
  EXPECT_LE(decision.delay_ms, 40);
}

std::vector<int64_t> backoffs(uint64_t seed) {
  RouterConfig config = make_config();
  config.settings.num_retries = 6;
  config.settings.backoff_base_ms = 100;
  config.settings.backoff_max_ms = 1000;
  FallbackPlanner planner(config, "A", false, seed, nullptr);
  planner.first(0);
  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) delays.push_back(planner.after_failure(status(503), 0).delay_ms);
  return delays;
}

TEST(RouterPlanner, JitteredBackoffIsDeterministicAndBounded) {
  const std::vector<int64_t> delays = backoffs(7);
  EXPECT_EQ(delays, backoffs(7));
  EXPECT_NE(delays, backoffs(8));
  const std::vector<int64_t> ceilings = {100, 200, 400, 800, 1000, 1000};
  for (size_t i = 0; i < delays.size(); ++i) {
    EXPECT_GE(delays[i], ceilings[i] / 2) << i;
    EXPECT_LE(delays[i], ceilings[i]) << i;
  }
}

TEST(RouterPlanner, AuthErrorsFallBackWithoutRetry) {
  RouterConfig config = make_config();
  config.settings.num_retries = 3;
  for (int code : {401, 403, 404}) {
    FallbackPlanner planner(config, "A", false, 1, nullptr);
    planner.first(0);
    const Decision decision = planner.after_failure(status(code), 0);
    EXPECT_EQ(decision.kind, Kind::Fallback) << code;
    EXPECT_EQ(id_of(decision), "B#0") << code;
  }
}

TEST(RouterPlanner, ClientErrorsGiveUp) {
  RouterConfig config = make_config();
  config.settings.num_retries = 3;
  for (int code : {400, 413, 422}) {
    FallbackPlanner planner(config, "A", false, 1, nullptr);
    planner.first(0);
    const Decision decision = planner.after_failure(status(code), 0);
    EXPECT_EQ(decision.kind, Kind::GiveUp) << code;
    expect_one_line(decision);
    EXPECT_EQ(planner.attempts(), 1);
  }
}

TEST(RouterPlanner, RetryClientErrorsDefectRetriesThem) {
  const RouterConfig config = make_config();
  FallbackPlanner planner(config, "A", false, 1, nullptr,
                          Defects({std::string(defect::kRetryClientErrors)}));
  planner.first(0);
  EXPECT_EQ(planner.after_failure(status(400), 0).kind, Kind::Retry);
  EXPECT_EQ(id_of(planner.after_failure(status(400), 0)), "B#0");
}

TEST(RouterPlanner, DeadlineIsFatal) {
  const RouterConfig config = make_config();
  FallbackPlanner planner(config, "A", false, 1, nullptr);
  planner.first(0);
  AttemptFailure failure;
  failure.kind = FailureKind::DeadlineExceeded;
  EXPECT_EQ(planner.after_failure(failure, 0).kind, Kind::GiveUp);
}

AttemptFailure context_too_long() {
  AttemptFailure failure = status(400);
  failure.error_code = "context_length_exceeded";
  return failure;
}

TEST(RouterPlanner, ContextWindowSwitchesToItsOwnChain) {
  RouterConfig config = make_config();
  config.settings.context_window_fallbacks["A"] = {"L", "C"};
  FallbackPlanner planner(config, "A", false, 1, nullptr);
  planner.first(0);
  Decision decision = planner.after_failure(context_too_long(), 0);
  EXPECT_EQ(decision.kind, Kind::Fallback);
  EXPECT_EQ(id_of(decision), "L#0");
  // The special chain replaced the plan: retries and fallbacks now walk L then C.
  EXPECT_EQ(planner.after_failure(status(503), 0).kind, Kind::Retry);
  EXPECT_EQ(id_of(planner.after_failure(status(503), 0)), "C#0");
  EXPECT_EQ(planner.after_failure(context_too_long(), 0).kind, Kind::GiveUp);
}

TEST(RouterPlanner, ContextWindowWithoutItsChainGivesUp) {
  const RouterConfig config = make_config();  // ordinary fallbacks only
  FallbackPlanner planner(config, "A", false, 1, nullptr);
  planner.first(0);
  EXPECT_EQ(planner.after_failure(context_too_long(), 0).kind, Kind::GiveUp);
}

TEST(RouterPlanner, ContentPolicyUsesContentPolicyChain) {
  RouterConfig config = make_config();
  config.settings.context_window_fallbacks["A"] = {"L"};
  config.settings.content_policy_fallbacks["A"] = {"C"};
  FallbackPlanner planner(config, "A", false, 1, nullptr);
  planner.first(0);
  AttemptFailure failure = status(400);
  failure.error_code = "content_policy_violation";
  EXPECT_EQ(id_of(planner.after_failure(failure, 0)), "C#0");
}

TEST(RouterPlanner, DisableFallbacksKeepsToTheGroup) {
  RouterConfig config = make_config(2);
  config.settings.num_retries = 0;
  config.settings.context_window_fallbacks["A"] = {"L"};
  FallbackPlanner planner(config, "A", true, 1, nullptr);
  planner.first(0);
  EXPECT_EQ(id_of(planner.after_failure(status(503), 0)), "A#1");
  EXPECT_EQ(planner.after_failure(status(503), 0).kind, Kind::GiveUp);

  FallbackPlanner context(config, "A", true, 1, nullptr);
  context.first(0);
  EXPECT_EQ(context.after_failure(context_too_long(), 0).kind, Kind::GiveUp);

  // Mid-stream too (LiteLLM #19077 is the bug of ignoring it there).
  FallbackPlanner mid_stream(config, "A", true, 1, nullptr);
  mid_stream.first(0);
  mid_stream.after_failure(reset_after_content(), 0);
  EXPECT_EQ(mid_stream.after_failure(reset_after_content(), 0).kind, Kind::GiveUp);
}

TEST(RouterPlanner, IgnoreDisableFallbacksDefectFallsBackMidStream) {
  RouterConfig config = make_config();
  config.settings.num_retries = 0;
  const Defects defects({std::string(defect::kIgnoreDisableFallbacks)});
  FallbackPlanner planner(config, "A", true, 1, nullptr, defects);
  planner.first(0);
  const Decision decision = planner.after_failure(reset_after_content(), 0);
  EXPECT_EQ(decision.kind, Kind::Fallback);
  EXPECT_EQ(id_of(decision), "B#0");

  // Before content the request's flag is still honoured, as in LiteLLM.
  FallbackPlanner before_content(config, "A", true, 1, nullptr, defects);
  before_content.first(0);
  EXPECT_EQ(before_content.after_failure(status(503), 0).kind, Kind::GiveUp);
}

TEST(RouterPlanner, CooldownSkipsDeployments) {
  RouterConfig config = make_config(2);
  CooldownTracker cooldowns(1000, 0);
  FallbackPlanner first_request(config, "A", false, 1, &cooldowns);
  first_request.first(100);
  // A#0 cools down at once (allowed_fails 0), so it is not retried either.
  const Decision decision = first_request.after_failure(status(503), 100);
  EXPECT_EQ(decision.kind, Kind::Fallback);
  EXPECT_EQ(id_of(decision), "A#1");
  first_request.on_success(150);

  FallbackPlanner second_request(config, "A", false, 1, &cooldowns);
  EXPECT_EQ(second_request.first(200)->id, "A#1");
  FallbackPlanner after_cooldown(config, "A", false, 1, &cooldowns);
  EXPECT_EQ(after_cooldown.first(1100)->id, "A#0");
}

TEST(RouterPlanner, FallbackSkipsCoolingDeployments) {
  RouterConfig config = make_config();
  config.settings.num_retries = 0;
  CooldownTracker cooldowns(1000, 0);
  cooldowns.record_failure("B#0", 0);
  FallbackPlanner planner(config, "A", false, 1, &cooldowns);
  planner.first(10);
  EXPECT_EQ(id_of(planner.after_failure(status(503), 10)), "C#0");
}

TEST(RouterPlanner, NothingToTry) {
  const RouterConfig config = make_config();
  FallbackPlanner unknown(config, "Z", false, 1, nullptr);
  EXPECT_EQ(unknown.first(0), nullptr);
  EXPECT_NE(unknown.first_error().find("Z"), std::string::npos);
  EXPECT_EQ(unknown.attempts(), 0);

  CooldownTracker cooldowns(1000, 0);
  for (const char* id : {"A#0", "B#0", "C#0"}) cooldowns.record_failure(id, 0);
  FallbackPlanner cooling(config, "A", false, 1, &cooldowns);
  EXPECT_EQ(cooling.first(10), nullptr);
  EXPECT_NE(cooling.first_error().find("cooling down"), std::string::npos);
}

TEST(RouterCooldown, StrikesWithinTheWindow) {
  CooldownTracker cooldowns(1000, 2);
  cooldowns.record_failure("x", 0);
  cooldowns.record_failure("x", 100);
  EXPECT_FALSE(cooldowns.cooling_down("x", 150));
  cooldowns.record_failure("x", 200);  // a third failure within 1000 ms
  EXPECT_TRUE(cooldowns.cooling_down("x", 250));
  EXPECT_TRUE(cooldowns.cooling_down("x", 1199));
  EXPECT_FALSE(cooldowns.cooling_down("x", 1200));
  EXPECT_FALSE(cooldowns.cooling_down("y", 250));
}

TEST(RouterCooldown, OldFailuresExpireAndSuccessClearsStrikes) {
  CooldownTracker cooldowns(1000, 1);
  cooldowns.record_failure("x", 0);
  cooldowns.record_failure("x", 1500);  // the first is outside the window
  EXPECT_FALSE(cooldowns.cooling_down("x", 1600));
  cooldowns.record_success("x");
  cooldowns.record_failure("x", 1700);
  EXPECT_FALSE(cooldowns.cooling_down("x", 1800));
  cooldowns.record_failure("x", 1900);
  EXPECT_TRUE(cooldowns.cooling_down("x", 2000));
}

TEST(RouterCooldown, ZeroDisables) {
  CooldownTracker cooldowns(0, 0);
  for (int i = 0; i < 10; ++i) cooldowns.record_failure("x", i);
  EXPECT_FALSE(cooldowns.cooling_down("x", 10));
}

}  // namespace
}  // namespace midstream::router
