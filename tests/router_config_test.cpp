#include "router/config.h"

#include <gtest/gtest.h>

#include "router/defects.h"
#include "wire/json_reader.h"

namespace midstream::router {
namespace {

using nlohmann::json;

json good_config() {
  return json::parse(R"({
    "model_list": [
      {"model_name": "primary", "litellm_params": {"model": "anthropic/claude-x",
        "api_base": "http://127.0.0.1:9001/v1", "api_key": "sk-a", "supports_prefill": true}},
      {"model_name": "primary", "litellm_params": {"model": "openai/gpt-x",
        "api_base": "http://127.0.0.1:9002/v1"}},
      {"model_name": "backup", "litellm_params": {"model": "openai-responses/gpt-y",
        "api_base": "http://127.0.0.1:9003/v1"}},
      {"model_name": "large", "litellm_params": {"model": "vertex_ai/gemini",
        "api_base": "http://127.0.0.1:9004/v1", "dialect": "openai-chat"}}
    ],
    "router_settings": {
      "fallbacks": [{"primary": ["backup", "large"]}],
      "context_window_fallbacks": [{"primary": ["large"]}],
      "content_policy_fallbacks": [{"backup": ["primary"]}],
      "num_retries": 2, "retry_after_max_ms": 1500, "backoff_base_ms": 10,
      "backoff_max_ms": 80, "timeout_ms": 1000, "stream_timeout_ms": 2000,
      "idle_timeout_ms": 300, "deadline_ms": 9000, "cooldown_ms": 5000, "allowed_fails": 1,
      "mid_stream": "error", "usage_policy": "served", "seed": 42
    },
    "defects": ["second-preamble", "ignore-retry-after"]
  })");
}

// Loads `config` and returns the pointer of the ConfigError it throws ("<none>" if none).
std::string error_pointer(const json& config, std::string* message = nullptr) {
  try {
    load_router_config(config, "router.json");
  } catch (const wire::ConfigError& error) {
    if (message != nullptr) *message = error.what();
    EXPECT_EQ(error.file(), "router.json");
    return error.pointer();
  }
  return "<none>";
}

TEST(RouterConfig, LoadsDeploymentsSettingsAndDefects) {
  const RouterConfig config = load_router_config(good_config(), "router.json");
  ASSERT_EQ(config.model_list.size(), 4u);
  const Deployment& first = config.model_list[0];
  EXPECT_EQ(first.id, "primary#0");
  EXPECT_EQ(first.model_name, "primary");
  EXPECT_EQ(first.provider, "anthropic");
  EXPECT_EQ(first.model, "claude-x");
  EXPECT_EQ(first.dialect, wire::Dialect::Anthropic);
  EXPECT_EQ(first.api_base, "http://127.0.0.1:9001/v1");
  EXPECT_EQ(first.api_key, "sk-a");
  EXPECT_TRUE(first.supports_prefill);
  EXPECT_EQ(config.model_list[1].id, "primary#1");
  EXPECT_EQ(config.model_list[1].dialect, wire::Dialect::OpenAIChat);
  EXPECT_FALSE(config.model_list[1].supports_prefill);
  EXPECT_EQ(config.model_list[1].api_key, "");
  EXPECT_EQ(config.model_list[2].id, "backup#0");
  EXPECT_EQ(config.model_list[2].dialect, wire::Dialect::OpenAIResponses);
  // An explicit dialect overrides the provider's default (vertex_ai would be anthropic).
  EXPECT_EQ(config.model_list[3].dialect, wire::Dialect::OpenAIChat);

  const RouterSettings& s = config.settings;
  EXPECT_EQ(s.fallbacks.at("primary"), (std::vector<std::string>{"backup", "large"}));
  EXPECT_EQ(s.context_window_fallbacks.at("primary"), (std::vector<std::string>{"large"}));
  EXPECT_EQ(s.content_policy_fallbacks.at("backup"), (std::vector<std::string>{"primary"}));
  EXPECT_EQ(s.num_retries, 2);
  EXPECT_EQ(s.retry_after_max_ms, 1500);
  EXPECT_EQ(s.backoff_base_ms, 10);
  EXPECT_EQ(s.backoff_max_ms, 80);
  EXPECT_EQ(s.timeout_ms, 1000);
  EXPECT_EQ(s.stream_timeout_ms, 2000);
  EXPECT_EQ(s.idle_timeout_ms, 300);
  EXPECT_EQ(s.deadline_ms, 9000);
  EXPECT_EQ(s.cooldown_ms, 5000);
  EXPECT_EQ(s.allowed_fails, 1);
  EXPECT_EQ(s.mid_stream, MidStreamPolicy::Error);
  EXPECT_EQ(s.usage_policy, UsagePolicy::Served);
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(config.defects, (std::set<std::string>{"ignore-retry-after", "second-preamble"}));

  ASSERT_EQ(config.deployments_of("primary").size(), 2u);
  EXPECT_EQ(config.deployments_of("primary")[1], &config.model_list[1]);
  EXPECT_TRUE(config.has_group("large"));
  EXPECT_FALSE(config.has_group("nope"));
  EXPECT_TRUE(config.deployments_of("nope").empty());
}

TEST(RouterConfig, DefaultsWithoutSettings) {
  const RouterConfig config = load_router_config(json::parse(R"({"model_list": [
      {"model_name": "m", "litellm_params": {"model": "bedrock/c", "api_base": "http://h:1"}}]})"),
                                                 "router.json");
  EXPECT_EQ(config.model_list[0].dialect, wire::Dialect::Anthropic);
  EXPECT_EQ(config.settings.num_retries, 0);
  EXPECT_EQ(config.settings.cooldown_ms, 0);
  EXPECT_EQ(config.settings.mid_stream, MidStreamPolicy::Continue);
  EXPECT_EQ(config.settings.usage_policy, UsagePolicy::Billed);
  EXPECT_TRUE(config.settings.fallbacks.empty());
  EXPECT_TRUE(config.defects.empty());
}

TEST(RouterConfig, ProviderPrefixesPickDialects) {
  const std::vector<std::pair<std::string, wire::Dialect>> cases = {
      {"openai", wire::Dialect::OpenAIChat},      {"azure", wire::Dialect::OpenAIChat},
      {"openrouter", wire::Dialect::OpenAIChat},  {"anthropic", wire::Dialect::Anthropic},
      {"vertex_ai", wire::Dialect::Anthropic},    {"bedrock", wire::Dialect::Anthropic},
      {"openai-responses", wire::Dialect::OpenAIResponses}};
  for (const auto& [provider, dialect] : cases) {
    json config = good_config();
    config["model_list"][1]["litellm_params"]["model"] = provider + "/x";
    EXPECT_EQ(load_router_config(config, "router.json").model_list[1].dialect, dialect)
        << provider;
  }
}

TEST(RouterConfig, BadValuesNameTheirPointer) {
  struct Case {
    std::string patch_pointer;
    json value;
    std::string error_pointer;
  };
  const std::vector<Case> cases = {
      {"/model_list/1/litellm_params/model", "gpt-x", "/model_list/1/litellm_params/model"},
      {"/model_list/1/litellm_params/model", "openai/", "/model_list/1/litellm_params/model"},
      {"/model_list/1/litellm_params/model", "cohere/x", "/model_list/1/litellm_params/model"},
      {"/model_list/1/litellm_params/model", 7, "/model_list/1/litellm_params/model"},
      {"/model_list/2/litellm_params/api_base", "https://x/v1",
       "/model_list/2/litellm_params/api_base"},
      {"/model_list/0/litellm_params/dialect", "gemini", "/model_list/0/litellm_params/dialect"},
      {"/model_list/0/litellm_params/supports_prefill", "yes",
       "/model_list/0/litellm_params/supports_prefill"},
      {"/model_list/0/model_name", "", "/model_list/0/model_name"},
      {"/router_settings/num_retries", -1, "/router_settings/num_retries"},
      {"/router_settings/num_retries", "2", "/router_settings/num_retries"},
      {"/router_settings/timeout_ms", 0, "/router_settings/timeout_ms"},
      {"/router_settings/mid_stream", "retry", "/router_settings/mid_stream"},
      {"/router_settings/usage_policy", "all", "/router_settings/usage_policy"},
      {"/router_settings/fallbacks/0", json::parse(R"({"primary": ["backup"], "x": ["y"]})"),
       "/router_settings/fallbacks/0"},
      {"/router_settings/fallbacks/0/primary", json::array(), "/router_settings/fallbacks/0/primary"},
      {"/router_settings/fallbacks/0/primary/1", 3, "/router_settings/fallbacks/0/primary/1"},
      {"/router_settings/fallbacks/0/primary/1", "primary",
       "/router_settings/fallbacks/0/primary/1"},
  };
  for (const Case& c : cases) {
    json config = good_config();
    config[json::json_pointer(c.patch_pointer)] = c.value;
    EXPECT_EQ(error_pointer(config), c.error_pointer) << c.patch_pointer << " = " << c.value;
  }
}

TEST(RouterConfig, MissingRequiredFieldsNameTheirPointer) {
  json config = good_config();
  config["model_list"][0]["litellm_params"].erase("api_base");
  EXPECT_EQ(error_pointer(config), "/model_list/0/litellm_params/api_base");

  config = good_config();
  config["model_list"][2].erase("litellm_params");
  EXPECT_EQ(error_pointer(config), "/model_list/2/litellm_params");

  config = good_config();
  config.erase("model_list");
  EXPECT_EQ(error_pointer(config), "/model_list");

  config = good_config();
  config["model_list"] = json::array();
  EXPECT_EQ(error_pointer(config), "/model_list");
}

TEST(RouterConfig, UnknownKeysAreErrors) {
  json config = good_config();
  config["router_settings"]["routing_strategy"] = "simple-shuffle";
  EXPECT_EQ(error_pointer(config), "/router_settings/routing_strategy");

  config = good_config();
  config["model_list"][1]["litellm_params"]["rpm"] = 10;
  EXPECT_EQ(error_pointer(config), "/model_list/1/litellm_params/rpm");

  config = good_config();
  config["model_list"][1]["tpm"] = 10;
  EXPECT_EQ(error_pointer(config), "/model_list/1/tpm");

  config = good_config();
  config["litellm_settings"] = json::object();
  EXPECT_EQ(error_pointer(config), "/litellm_settings");
}

TEST(RouterConfig, UnknownDefectListsTheKnownOnes) {
  json config = good_config();
  config["defects"] = {"second-preamble", "drop-everything"};
  std::string message;
  EXPECT_EQ(error_pointer(config, &message), "/defects/1");
  for (const DefectInfo& info : all_defects()) {
    EXPECT_NE(message.find(std::string(info.name)), std::string::npos) << info.name;
  }
}

TEST(RouterConfig, FallbackToUnknownGroupIsAnError) {
  json config = good_config();
  config["router_settings"]["fallbacks"] = json::parse(R"([{"primary": ["backup", "ghost"]}])");
  std::string message;
  EXPECT_EQ(error_pointer(config, &message), "/router_settings/fallbacks/0/primary/1");
  EXPECT_NE(message.find("ghost"), std::string::npos);

  config = good_config();
  config["router_settings"]["context_window_fallbacks"] = json::parse(R"([{"ghost": ["large"]}])");
  EXPECT_EQ(error_pointer(config), "/router_settings/context_window_fallbacks/0/ghost");

  config = good_config();
  config["router_settings"]["content_policy_fallbacks"] =
      json::parse(R"([{"primary": ["large"]}, {"primary": ["backup"]}])");
  EXPECT_EQ(error_pointer(config), "/router_settings/content_policy_fallbacks/1/primary");
}

TEST(RouterConfig, EnumNames) {
  EXPECT_EQ(to_string(MidStreamPolicy::Continue), "continue");
  EXPECT_EQ(to_string(MidStreamPolicy::Error), "error");
  EXPECT_EQ(to_string(UsagePolicy::Billed), "billed");
  EXPECT_EQ(to_string(UsagePolicy::Served), "served");
}

TEST(RouterDefects, EveryConstantIsKnownAndDescribed) {
  const std::vector<std::string_view> constants = {
      defect::kCleanCloseAfterDrop, defect::kNoMidStreamFallback, defect::kResendPartial,
      defect::kSecondPreamble,      defect::kDropFailedUsage,     defect::kNoIdleTimeout,
      defect::kCommitBeforeContent, defect::kUpstreamLeftOpen,    defect::kIgnoreRetryAfter,
      defect::kRetryClientErrors,   defect::kFallbackOnlyFirstEventError,
      defect::kIgnoreDisableFallbacks, defect::kNoRetryOnceOpen,  defect::kPrefillEverywhere,
      defect::kBrokenSeam,          defect::kSequenceRestart,     defect::kSpliceToolCall};
  EXPECT_EQ(all_defects().size(), constants.size());
  for (std::string_view name : constants) EXPECT_TRUE(is_known_defect(name)) << name;
  for (const DefectInfo& info : all_defects()) {
    EXPECT_FALSE(info.reproduces.empty()) << info.name;
    EXPECT_FALSE(info.effect.empty()) << info.name;
  }
  EXPECT_FALSE(is_known_defect("portkey"));
  EXPECT_FALSE(is_known_defect(""));
}

}  // namespace
}  // namespace midstream::router
