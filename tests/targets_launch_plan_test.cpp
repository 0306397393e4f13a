// Which scenarios share a router process and where their fakes listen (targets/launch_plan.h),
// the config formats' files (targets/config_formats.h): batches spread over lanes with fakes
// ports of their own per scenario, model groups renamed apart in a merged config. Pure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "targets/config_formats.h"
#include "targets/launch_plan.h"

namespace midstream::targets {
using namespace midstream::harness;

namespace {

using testing::ElementsAre;
using testing::HasSubstr;

TEST(LaunchPlan, BatchesGetPortsOfTheirOwnPerScenarioAndSpreadOverLanes) {
  // Scenarios 0, 2, 3 share settings "a"; 1 has "b"; 4 never starts.
  const auto plan = plan_launches({{"a", 2}, {"b", 3}, {"a", 3}, {"a", 1}, {"", 2}}, 2);
  ASSERT_EQ(plan.batches.size(), 2u);
  EXPECT_THAT(plan.batches[0].members, ElementsAre(0, 2, 3));
  EXPECT_THAT(plan.batches[0].port_offsets, ElementsAre(0, 2, 5));
  EXPECT_EQ(plan.batches[0].ports, 6u);
  EXPECT_THAT(plan.batches[1].members, ElementsAre(1));
  EXPECT_THAT(plan.batch_of, ElementsAre(0, 1, 0, 0, -1));
  // The biggest batch first, dealt over two lanes; then the other; what never starts last.
  ASSERT_EQ(plan.lanes.size(), 4u);
  EXPECT_THAT(plan.lanes[0], ElementsAre(0, 3));
  EXPECT_THAT(plan.lanes[1], ElementsAre(2));
  EXPECT_THAT(plan.lanes[2], ElementsAre(1));
  EXPECT_THAT(plan.lanes[3], ElementsAre(4));
}

TEST(LaunchPlan, EveryScenarioIsInExactlyOneLane) {
  std::vector<PlanEntry> entries;
  for (int i = 0; i < 50; ++i) entries.push_back({i % 7 == 0 ? "" : "k" + std::to_string(i % 3), 2});
  for (const int jobs : {1, 4, 64}) {
    std::multiset<size_t> seen;
    for (const auto& lane : plan_launches(entries, jobs).lanes) seen.insert(lane.begin(), lane.end());
    ASSERT_EQ(seen.size(), entries.size());
    for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(seen.count(i), 1u) << i;
  }
}

nlohmann::ordered_json document(const std::string& base, int retries) {
  return nlohmann::ordered_json::parse(R"({"model_list": [
      {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "api_base": ")" + base + R"("}},
      {"model_name": "backup", "litellm_params": {"model": "openai/gpt-4o-mini", "api_base": ")" + base + R"("}}],
    "router_settings": {"fallbacks": [{"gpt-4o": ["backup"]}], "num_retries": )" + std::to_string(retries) + R"(},
    "general_settings": {"disable_model_info_refresh": true}})");
}

TEST(LaunchPlan, MergeKeyIgnoresModelGroupsButNotSettings) {
  EXPECT_EQ(merge_key(document("http://127.0.0.1:1/v1", 0)), merge_key(document("http://127.0.0.1:7/v1", 0)));
  EXPECT_NE(merge_key(document("http://127.0.0.1:1/v1", 0)), merge_key(document("http://127.0.0.1:1/v1", 1)));
}

TEST(LaunchPlan, MergedDocumentsRenameEveryGroupApart) {
  const auto merged = merge_documents({{"3.1.1", document("http://127.0.0.1:1/v1", 0)},
                                       {"3.1.2", document("http://127.0.0.1:3/v1", 0)}});
  ASSERT_EQ(merged["model_list"].size(), 4u);
  EXPECT_EQ(merged["model_list"][0]["model_name"], "s3.1.1-gpt-4o");
  EXPECT_EQ(merged["model_list"][3]["model_name"], "s3.1.2-backup");
  EXPECT_EQ(merged["model_list"][3]["litellm_params"]["api_base"], "http://127.0.0.1:3/v1");
  EXPECT_EQ(merged["router_settings"]["fallbacks"],
            nlohmann::ordered_json::parse(R"([{"s3.1.1-gpt-4o": ["s3.1.1-backup"]}, {"s3.1.2-gpt-4o": ["s3.1.2-backup"]}])"));
  EXPECT_EQ(merged["router_settings"]["num_retries"], 0);
  EXPECT_EQ(merged["general_settings"]["disable_model_info_refresh"], true);
}

TEST(ConfigFormats, ATemplateGetsTheChainAndRefusesAnotherLength) {
  const std::string text = "port {port}\nfirst {chain.0.address} {chain.0.model}\nthen {chain.1.api_base}\n";
  const auto format = template_format(text, "router.conf");
  EXPECT_FALSE(format.merges());
  EXPECT_EQ(format.suffix, ".conf");
  const auto bound = nlohmann::json::parse(R"({"model_list": [
      {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "api_base": "http://127.0.0.1:9101/v1"}},
      {"model_name": "backup", "litellm_params": {"model": "openai/gpt-4o-mini", "api_base": "http://127.0.0.1:9100/v1"}}],
    "router_settings": {"fallbacks": [{"gpt-4o": ["backup"]}]}})");
  ClientSpec client;
  client.request.model = "gpt-4o";
  EXPECT_EQ(format.render(bound, client, {4000, "/tmp/x"}),
            "port 4000\nfirst 127.0.0.1:9101 gpt-4o\nthen http://127.0.0.1:9100/v1\n");
  EXPECT_THROW(template_format("{nonsense}", "t.conf"), std::invalid_argument);
}

TEST(ConfigFormats, JsonIsTheBoundRouterConfig) {
  const auto format = json_format();
  ASSERT_TRUE(format.merges());
  const auto bound = nlohmann::json::parse(R"({"model_list": [], "router_settings": {"num_retries": 1}})");
  EXPECT_EQ(format.document(bound, {}).dump(), bound.dump());
}

}  // namespace
}  // namespace midstream::targets
