// A scenario's router config as nginx's (targets/nginx_config.h): the chain as server lines, the
// retries as repeated lines, the read timeout, the committed template filled, and what a plain
// reverse proxy cannot express. Pure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "targets/nginx_config.h"
#include "targets/placeholders.h"
#include "harness/scenario.h"
#include "tests/scenario_helpers.h"

namespace midstream::targets {
using namespace midstream::harness;

namespace {

using testing_helpers::scenario_by_id;

using testing::HasSubstr;

nlohmann::json deployment(const std::string& group, const std::string& model, int port) {
  return {{"model_name", group},
          {"litellm_params",
           {{"model", model}, {"api_base", "http://127.0.0.1:" + std::to_string(port) + "/v1"}, {"api_key", "sk"}}}};
}

nlohmann::json router_config(const nlohmann::json& settings) {
  return {{"model_list", {deployment("gpt-4o", "openai/gpt-4o", 9101), deployment("backup", "openai/gpt-4o-mini", 9100)}},
          {"router_settings", settings}};
}

ClientSpec chat_client() {
  ClientSpec client;
  client.request.model = "gpt-4o";
  return client;
}

TEST(NginxConfig, TheChainIsAServerAndABackupEachRepeatedPerRetry) {
  const auto t =
      translate_for_nginx(router_config({{"fallbacks", {{{"gpt-4o", {"backup"}}}}}, {"num_retries", 1}}), chat_client());
  ASSERT_FALSE(t.unsupported) << *t.unsupported;
  EXPECT_EQ(t.servers,
            "        server 127.0.0.1:9101 max_fails=0;\n"
            "        server 127.0.0.1:9101 max_fails=0;\n"
            "        server 127.0.0.1:9100 max_fails=0 backup;\n"
            "        server 127.0.0.1:9100 max_fails=0 backup;");
  EXPECT_EQ(t.tries, 4);
  EXPECT_EQ(t.read_timeout, "30s");
}

TEST(NginxConfig, OneReadTimeoutFromTimeoutOrIdleTimeout) {
  EXPECT_EQ(translate_for_nginx(router_config({{"timeout_ms", 300}}), chat_client()).read_timeout, "300ms");
  EXPECT_EQ(translate_for_nginx(router_config({{"idle_timeout_ms", 250}}), chat_client()).read_timeout, "250ms");
  const auto t = translate_for_nginx(router_config({{"timeout_ms", 300}, {"idle_timeout_ms", 250}}), chat_client());
  ASSERT_TRUE(t.unsupported);
  EXPECT_THAT(*t.unsupported, HasSubstr("different timeout_ms and idle_timeout_ms"));
}

TEST(NginxConfig, WhatAPlainProxyCannotExpressIsUnsupportedWithTheReason) {
  auto client = chat_client();
  client.front = harness::Front::Responses;  // an openai-chat chain behind the Responses front: no translation
  auto t = translate_for_nginx(router_config(nlohmann::json::object()), client);
  ASSERT_TRUE(t.unsupported);
  EXPECT_THAT(*t.unsupported, HasSubstr("the responses front over an openai-chat upstream"));

  auto three = router_config({{"fallbacks", {{{"gpt-4o", {"backup", "third"}}}}}});
  three["model_list"].push_back(deployment("third", "openai/gpt-4o", 9102));
  t = translate_for_nginx(three, chat_client());
  ASSERT_TRUE(t.unsupported);
  EXPECT_THAT(*t.unsupported, HasSubstr("a chain of 3 deployments"));

  client = chat_client();
  client.request.disable_fallbacks = true;
  t = translate_for_nginx(router_config({{"deadline_ms", 600}, {"cooldown_ms", 500}}), client);
  ASSERT_TRUE(t.unsupported);
  EXPECT_THAT(*t.unsupported, HasSubstr("disable_fallbacks"));
  EXPECT_THAT(*t.unsupported, HasSubstr("deadline_ms"));
  EXPECT_THAT(*t.unsupported, HasSubstr("cooldown_ms"));
}

TEST(NginxConfig, AFirstContentDeadlineMattersOnlyWhenAFakeIsSilentThatLong) {
  const auto stalled = translate_for_nginx(scenario_by_id("2.3.1"));  // a stall against stream_timeout_ms
  ASSERT_TRUE(stalled.unsupported);
  EXPECT_THAT(*stalled.unsupported, HasSubstr("stream_timeout_ms"));
  EXPECT_FALSE(translate_for_nginx(scenario_by_id("2.1.1")).unsupported);
  EXPECT_FALSE(translate_for_nginx(scenario_by_id("3.1.1")).unsupported);
}

TEST(NginxConfig, TheCommittedTemplateFillsCompletely) {
  std::ifstream in(std::filesystem::path(MIDSTREAM_SCENARIO_DIR).parent_path() / "peers/nginx/nginx.conf.in");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  const auto t = translate_for_nginx(router_config({{"fallbacks", {{{"gpt-4o", {"backup"}}}}}}), chat_client());
  const std::string conf = fill_nginx_template(text, t, 4321, "/tmp/launch");
  EXPECT_TRUE(placeholders_in(conf).empty());
  EXPECT_THAT(conf, HasSubstr("listen 127.0.0.1:4321;"));
  EXPECT_THAT(conf, HasSubstr("pid /tmp/launch/nginx.pid;"));
  EXPECT_THAT(conf, HasSubstr("        server 127.0.0.1:9101 max_fails=0;\n        server 127.0.0.1:9100 max_fails=0 backup;\n"));
  EXPECT_THAT(conf, HasSubstr("proxy_next_upstream_tries 2;"));
  EXPECT_THAT(conf, HasSubstr("proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent;"));
  EXPECT_THAT(conf, HasSubstr("proxy_buffering off;"));
  EXPECT_THAT(conf, HasSubstr("proxy_read_timeout 30s;"));
}

}  // namespace
}  // namespace midstream::targets
