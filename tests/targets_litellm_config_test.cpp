// A scenario's router config as the LiteLLM proxy's config.yaml (targets/litellm_config.h): what
// maps, each dialect's URL convention, and what is UNSUPPORTED with the reason. Pure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "targets/litellm_config.h"
#include "harness/scenario.h"
#include "tests/scenario_helpers.h"

namespace midstream::targets {
using namespace midstream::harness;

namespace {

using testing_helpers::scenario_by_id;

using testing::HasSubstr;

nlohmann::json router_config(const nlohmann::json& settings) {
  return {{"model_list",
           {{{"model_name", "gpt-4o"},
             {"litellm_params",
              {{"model", "openai/gpt-4o"}, {"api_base", "http://127.0.0.1:9101/v1"}, {"api_key", "sk-p"}}}},
            {{"model_name", "claude"},
             {"litellm_params",
              {{"model", "vertex_ai/claude-x"}, {"api_base", "http://127.0.0.1:9100/v1"}, {"api_key", "sk-c"}}}},
            {{"model_name", "gpt-5"},
             {"litellm_params",
              {{"model", "openai/gpt-5"},
               {"api_base", "http://127.0.0.1:9102/v1"},
               {"api_key", "sk-r"},
               {"dialect", "openai-responses"}}}}}},
          {"router_settings", settings}};
}

TEST(LiteLLMConfig, EachDialectGetsItsModelPrefixAndUrlConvention) {
  const auto t = translate_for_litellm(router_config({{"fallbacks", {{{"gpt-4o", {"claude", "gpt-5"}}}}}}));
  ASSERT_FALSE(t.unsupported) << *t.unsupported;
  const auto& list = t.config["model_list"];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["model_name"], "gpt-4o");
  EXPECT_EQ(list[0]["litellm_params"]["model"], "openai/gpt-4o");
  EXPECT_EQ(list[0]["litellm_params"]["use_chat_completions_api"], true);
  EXPECT_EQ(list[0]["litellm_params"]["api_base"], "http://127.0.0.1:9101/v1");
  EXPECT_EQ(list[0]["litellm_params"]["api_key"], "sk-p");
  // vertex_ai speaks anthropic; LiteLLM appends /v1/messages to an Anthropic api_base itself.
  EXPECT_EQ(list[1]["litellm_params"]["model"], "anthropic/claude-x");
  EXPECT_EQ(list[1]["litellm_params"]["api_base"], "http://127.0.0.1:9100");
  EXPECT_FALSE(list[1]["litellm_params"].contains("use_chat_completions_api"));
  EXPECT_EQ(list[2]["litellm_params"]["model"], "openai/responses/gpt-5");
  EXPECT_EQ(list[2]["litellm_params"]["api_base"], "http://127.0.0.1:9102/v1");
  EXPECT_EQ(t.config["router_settings"]["fallbacks"], nlohmann::json::parse(R"([{"gpt-4o": ["claude", "gpt-5"]}])"));
  EXPECT_EQ(t.config["general_settings"]["disable_model_info_refresh"], true);
}

TEST(LiteLLMConfig, RetriesAreAlwaysWrittenAndCooldownsOffUnlessSet) {
  auto t = translate_for_litellm(router_config(nlohmann::json::object()));
  ASSERT_FALSE(t.unsupported);
  EXPECT_EQ(t.config["router_settings"]["num_retries"], 0);  // LiteLLM's own default is 2
  EXPECT_EQ(t.config["router_settings"]["disable_cooldowns"], true);
  EXPECT_FALSE(t.config["router_settings"].contains("timeout"));

  t = translate_for_litellm(router_config({{"num_retries", 2}, {"cooldown_ms", 600}, {"allowed_fails", 1}}));
  ASSERT_FALSE(t.unsupported);
  EXPECT_EQ(t.config["router_settings"]["num_retries"], 2);
  EXPECT_EQ(t.config["router_settings"]["cooldown_time"], 0.6);
  EXPECT_EQ(t.config["router_settings"]["allowed_fails"], 1);
  EXPECT_FALSE(t.config["router_settings"].contains("disable_cooldowns"));
}

TEST(LiteLLMConfig, OneTimeoutValueBoundsEveryRead) {
  for (const char* key : {"timeout_ms", "stream_timeout_ms", "idle_timeout_ms"}) {
    const auto t = translate_for_litellm(router_config({{key, 300}}));
    ASSERT_FALSE(t.unsupported) << key;
    EXPECT_EQ(t.config["router_settings"]["timeout"], 0.3) << key;
    EXPECT_EQ(t.config["router_settings"]["stream_timeout"], 0.3) << key;
  }
  EXPECT_FALSE(translate_for_litellm(router_config({{"stream_timeout_ms", 300}, {"idle_timeout_ms", 300}})).unsupported);
  const auto t = translate_for_litellm(router_config({{"timeout_ms", 400}, {"idle_timeout_ms", 300}}));
  ASSERT_TRUE(t.unsupported);
  EXPECT_THAT(*t.unsupported, HasSubstr("timeout_ms 400, idle_timeout_ms 300"));
}

TEST(LiteLLMConfig, WhatLiteLLMCannotExpressIsUnsupportedWithTheReason) {
  auto t = translate_for_litellm(router_config({{"deadline_ms", 600}, {"mid_stream", "error"}}));
  ASSERT_TRUE(t.unsupported);
  EXPECT_THAT(*t.unsupported, HasSubstr("deadline_ms"));
  EXPECT_THAT(*t.unsupported, HasSubstr("mid_stream: error"));
  EXPECT_TRUE(t.config.is_null());

  auto two = router_config(nlohmann::json::object());
  two["model_list"][1]["model_name"] = "gpt-4o";
  t = translate_for_litellm(two);
  ASSERT_TRUE(t.unsupported);
  EXPECT_THAT(*t.unsupported, HasSubstr("'gpt-4o' has several deployments"));

  EXPECT_TRUE(translate_for_litellm(scenario_by_id("1.2.2")).unsupported);   // Retry-After 30 s, cap 300 ms
  EXPECT_FALSE(translate_for_litellm(scenario_by_id("1.2.1")).unsupported);  // 1 s under a 10 s cap
}

TEST(LiteLLMConfig, TimingOnlyAndPolicySettingsChangeNothing) {
  const auto plain = translate_for_litellm(router_config({{"num_retries", 1}}));
  for (const auto& extra : {nlohmann::json{{"usage_policy", "served"}}, nlohmann::json{{"keepalive_ms", 50}},
                            nlohmann::json{{"backoff_base_ms", 5}, {"backoff_max_ms", 40}, {"seed", 3}}}) {
    auto settings = extra;
    settings["num_retries"] = 1;
    const auto t = translate_for_litellm(router_config(settings));
    ASSERT_FALSE(t.unsupported) << extra.dump();
    EXPECT_EQ(t.config, plain.config) << extra.dump();
  }
}

TEST(LiteLLMConfig, EveryCatalogueScenarioTranslatesOrSaysWhyNot) {
  int supported = 0, unsupported = 0;
  for (const auto& file : find_scenario_files({MIDSTREAM_SCENARIO_DIR})) {
    const auto s = load_scenario(file);
    const auto t = translate_for_litellm(s);
    if (t.unsupported) {
      EXPECT_FALSE(t.unsupported->empty()) << s.id;
      ++unsupported;
    } else {
      EXPECT_FALSE(t.config["model_list"].empty()) << s.id;
      ++supported;
    }
  }
  EXPECT_GT(supported, 150);
  EXPECT_LT(unsupported, 10);
}

}  // namespace
}  // namespace midstream::targets
