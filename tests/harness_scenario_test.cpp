// The scenario loader is strict: a bad file fails with its path, the JSON pointer and what was
// expected, and never runs with a silently defaulted value.
#include <gtest/gtest.h>

#include "harness/scenario.h"
#include "wire/json_reader.h"

namespace midstream::harness {
namespace {

nlohmann::json valid() {
  return nlohmann::json::parse(R"({
    "id": "9.1.1", "title": "t", "requirement": "A router MUST do it.", "refs": ["x"],
    "providers": {"primary": {"dialect": "openai-chat", "script": [{"at": "after_deltas", "n": 2, "action": "reset"}]},
                  "backup": {"dialect": "openai-chat"}},
    "router": {"model_list": [
        {"model_name": "m", "litellm_params": {"model": "openai/m", "api_base": "{{primary}}"}},
        {"model_name": "b", "litellm_params": {"model": "openai/b", "api_base": "{{backup}}"}}],
      "router_settings": {"fallbacks": [{"m": ["b"]}]}},
    "request": {"front": "chat", "stream": true},
    "expect": {"outcome": "complete", "attempts": {"primary": 1, "backup": 1}, "continuation": ["backup"]}
  })");
}

// Parses and returns the ConfigError text, or "" when it loaded.
std::string error_of(const nlohmann::json& json) {
  try {
    parse_scenario(json, "scenarios/x.json");
  } catch (const wire::ConfigError& e) {
    EXPECT_EQ(e.file(), "scenarios/x.json");
    return e.pointer() + " | " + e.expected();
  }
  return "";
}

TEST(ScenarioLoader, LoadsAValidScenario) {
  const Scenario s = parse_scenario(valid(), "x.json");
  EXPECT_EQ(s.id, "9.1.1");
  EXPECT_EQ(s.category(), "9");
  ASSERT_EQ(s.providers.size(), 2u);
  EXPECT_EQ(s.client.request.model, "m");  // defaults to the first model group
  EXPECT_EQ(s.expect.attempts.at("backup"), 1);
  EXPECT_EQ(s.upstream_dialects(), std::vector<std::string>{"openai-chat"});
  EXPECT_FALSE(s.client.request.messages.empty());
}

TEST(ScenarioLoader, UnknownKeyIsNamedWithItsPointer) {
  auto json = valid();
  json["expect"]["atempts"] = 1;
  EXPECT_NE(error_of(json).find("/expect/atempts"), std::string::npos);
}

TEST(ScenarioLoader, UnknownFaultActionNamesTheScriptEntry) {
  auto json = valid();
  json["providers"]["primary"]["script"][0]["action"] = "explode";
  const std::string error = error_of(json);
  EXPECT_NE(error.find("/providers/primary/script/0/action"), std::string::npos) << error;
}

TEST(ScenarioLoader, StatusOnlyBeforeTheStatusLine) {
  auto json = valid();
  json["providers"]["primary"]["script"][0] = {{"at", "after_deltas"}, {"n", 1}, {"action", "status"}, {"status", 500}};
  EXPECT_NE(error_of(json).find("/providers/primary/script/0"), std::string::npos);
}

TEST(ScenarioLoader, PlaceholderMustNameAProvider) {
  auto json = valid();
  json["router"]["model_list"][1]["litellm_params"]["api_base"] = "{{bakup}}";
  const std::string error = error_of(json);
  EXPECT_NE(error.find("/router/model_list/1/litellm_params/api_base"), std::string::npos) << error;
  EXPECT_NE(error.find("bakup"), std::string::npos) << error;
}

TEST(ScenarioLoader, RouterConfigErrorsCarryTheRouterPrefix) {
  auto json = valid();
  json["router"]["router_settings"]["num_retries"] = "two";
  EXPECT_EQ(error_of(json).rfind("/router/router_settings/num_retries", 0), 0u) << error_of(json);
}

TEST(ScenarioLoader, ExpectationsMustNameProviders) {
  auto json = valid();
  json["expect"]["attempts"] = {{"primary", 1}, {"nobody", 1}};
  EXPECT_NE(error_of(json).find("/expect/attempts/nobody"), std::string::npos) << error_of(json);
}

TEST(ScenarioLoader, RequirementMustSayMustOrShould) {
  auto json = valid();
  json["requirement"] = "a router does it";
  EXPECT_NE(error_of(json).find("/requirement"), std::string::npos);
}

TEST(ScenarioLoader, MissingFileIsAConfigError) {
  EXPECT_THROW(load_scenario("/nonexistent/scenario.json"), wire::ConfigError);
}

TEST(ScenarioLoader, IdsSortNumerically) {
  EXPECT_TRUE(id_less("2.9", "2.10"));
  EXPECT_FALSE(id_less("2.10", "2.9"));
  EXPECT_TRUE(id_less("1.1.1", "1.2"));
}

TEST(ScenarioLoader, BindsPlaceholdersEverywhere) {
  auto bound = bind_router_config(valid()["router"], {{"primary", "http://127.0.0.1:1/v1"}, {"backup", "http://127.0.0.1:2/v1"}});
  EXPECT_EQ(bound["model_list"][0]["litellm_params"]["api_base"], "http://127.0.0.1:1/v1");
  EXPECT_EQ(bound["model_list"][1]["litellm_params"]["api_base"], "http://127.0.0.1:2/v1");
}

}  // namespace
}  // namespace midstream::harness
