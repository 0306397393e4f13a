// The portkey target (peers/portkey: @portkey-ai/gateway 1.15.2, pinned by its package-lock) graded
// by the suite: it must PASS a failure before the first byte that a fallback rescues, and FAIL a
// mid-stream drop, where it ends the stream cleanly so the truncated answer looks complete. Also
// the config translation (pure) and what is UNSUPPORTED. Skipped, saying why, only when npm or
// the package cannot be installed.
#include <signal.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "targets/portkey_config.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "targets/registry.h"
#include "tests/result_helpers.h"
#include "tests/scenario_helpers.h"

namespace midstream::targets {
using namespace midstream::harness;

namespace {

using testing_helpers::scenario_by_id;

using reports::Verdict;
using testing::HasSubstr;

using testing_helpers::describe;
using testing_helpers::find_check;

// One gateway for the whole binary, as in a run; installed on first use (npm ci into the build
// tree, shared with the portkey_npm_ci ctest fixture).
class PortkeyTargetTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      factory_ = new TargetFactory(portkey_target(default_portkey_options()));
    } catch (const std::runtime_error& error) {
      install_error_ = error.what();
    }
  }
  static void TearDownTestSuite() {
    delete factory_;  // stops the gateway
    factory_ = nullptr;
  }
  void SetUp() override {
    if (!factory_) {
      // Only a failed install may skip; anything else is a failure.
      ASSERT_THAT(install_error_, HasSubstr("npm ci in peers/portkey failed")) << install_error_;
      GTEST_SKIP() << "the Portkey gateway could not be installed, so the portkey target cannot run: "
                   << install_error_;
    }
  }

  static TargetFactory* factory_;
  static std::string install_error_;
};
TargetFactory* PortkeyTargetTest::factory_ = nullptr;
std::string PortkeyTargetTest::install_error_;

TEST_F(PortkeyTargetTest, PassesAFallbackBeforeTheFirstByte) {
  // 2.1.1: the primary answers 503 every time, is retried once, then the fallback serves.
  const auto r = run_scenario(scenario_by_id("2.1.1"), *factory_);
  EXPECT_EQ(r.target, "portkey");
  EXPECT_EQ(r.verdict, Verdict::Pass) << describe(r);
}

TEST_F(PortkeyTargetTest, FailsAMidStreamDropThatLooksComplete) {
  // 3.1.1: a TCP reset after 5 deltas. Portkey neither continues nor reports an error: the
  // client gets five words and a clean end.
  const auto r = run_scenario(scenario_by_id("3.1.1"), *factory_);
  ASSERT_EQ(r.verdict, Verdict::Fail) << describe(r);
  const auto* truncated = find_check(r, "no_truncated_success");
  ASSERT_NE(truncated, nullptr) << describe(r);
  EXPECT_FALSE(truncated->passed) << describe(r);
}

TEST_F(PortkeyTargetTest, GradesWhatPortkeyCannotExpressUnsupportedWithTheReason) {
  // 3.2.1 asks for mid_stream: error, a policy Portkey does not have.
  const auto r = run_scenario(scenario_by_id("3.2.1"), *factory_);
  EXPECT_EQ(r.verdict, Verdict::Unsupported) << describe(r);
  EXPECT_THAT(r.reason, HasSubstr("mid_stream: error"));
}

TEST_F(PortkeyTargetTest, GatewayListensOnLoopbackOnlyAndServesSeveralScenarios) {
  // The same gateway process serves scenarios one after another (and says hello on /).
  for (const char* id : {"2.2.1", "2.1.2"}) {
    const auto r = run_scenario(scenario_by_id(id), *factory_);
    EXPECT_NE(r.verdict, Verdict::Error) << describe(r);
    const auto* alive = find_check(r, "router.alive");
    ASSERT_NE(alive, nullptr) << describe(r);
    EXPECT_TRUE(alive->passed) << describe(r);
  }
}

TEST_F(PortkeyTargetTest, LoopbackPreloadBindsEveryListenTo127001) {
  // Each listen() form a server may use, even one asking for every interface.
  const std::string script =
      "const net=require('net');const forms=[s=>s.listen(0),s=>s.listen(0,'0.0.0.0'),s=>s.listen(0,'::'),"
      "s=>s.listen({port:0,host:'0.0.0.0'}),s=>s.listen({port:0}),s=>s.listen()];let left=forms.length;"
      "for(const f of forms){const s=net.createServer();s.on('listening',()=>{console.log(s.address().address);"
      "s.close();if(--left===0)process.exit(0)});f(s)}";
  const std::string command = "node --require '" + default_portkey_options().source_dir + "/loopback.cjs' -e \"" +
                              script + "\" 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[256];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  ASSERT_EQ(::pclose(pipe), 0) << output;
  EXPECT_EQ(output, "127.0.0.1\n127.0.0.1\n127.0.0.1\n127.0.0.1\n127.0.0.1\n127.0.0.1\n");
}

// The gateway is this process's child running start-server.js (the only one: a test binary runs
// one gateway); -1 when there is none.
pid_t gateway_pid() {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent != ::getpid()) continue;
    std::ifstream cmdline(entry.path() / "cmdline");
    const std::string command((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (command.find("start-server.js") != std::string::npos) return std::stoi(name);
  }
  return -1;
}

TEST_F(PortkeyTargetTest, AGatewayThatDiedIsReportedAndRestarted) {
  const auto scenario = scenario_by_id("2.1.1");
  auto target = (*factory_)();
  target->start(bind_router_config(scenario.router, {{"primary", "http://127.0.0.1:9/v1"},
                                                     {"backup", "http://127.0.0.1:9/v1"}}));
  const pid_t pid = gateway_pid();
  ASSERT_GT(pid, 0) << "no gateway process under this test";
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  const auto died = target->exit_status(std::chrono::seconds(5));
  ASSERT_TRUE(died);
  EXPECT_THAT(*died, HasSubstr("was killed by signal 9 (Killed) (the Portkey gateway)"));
  target->stop();

  // The next scenario gets a fresh gateway.
  const auto r = run_scenario(scenario, *factory_);
  EXPECT_EQ(r.verdict, Verdict::Pass) << describe(r);
  EXPECT_NE(gateway_pid(), pid);
}

TEST_F(PortkeyTargetTest, AGatewayThatCannotStartIsAnErrorWithItsExitStatus) {
  auto options = default_portkey_options();
  options.node = "/bin/false";  // "node" that exits 1 at once
  const auto r = run_scenario(scenario_by_id("2.1.1"), portkey_target(options));
  EXPECT_EQ(r.verdict, Verdict::Error) << describe(r);
  EXPECT_THAT(r.reason, HasSubstr("the gateway process exited with status 1 before it accepted connections"));
}

// The translation, without a gateway.

nlohmann::json router_config(const nlohmann::json& settings) {
  return {{"model_list",
           {{{"model_name", "gpt-4o"},
             {"litellm_params",
              {{"model", "openai/gpt-4o"}, {"api_base", "http://127.0.0.1:9101/v1"}, {"api_key", "sk-p"}}}},
            {{"model_name", "backup"},
             {"litellm_params",
              {{"model", "anthropic/claude-x"}, {"api_base", "http://127.0.0.1:9100/v1"}, {"api_key", "sk-b"}}}}}},
          {"router_settings", settings}};
}

TEST(PortkeyConfig, FallbackChainRetriesAndTimeoutMapToTargets) {
  ClientSpec client;
  client.request.model = "gpt-4o";
  const auto t = translate_for_portkey(
      router_config({{"fallbacks", {{{"gpt-4o", {"backup"}}}}}, {"num_retries", 2}, {"timeout_ms", 300}}), client);
  ASSERT_FALSE(t.unsupported) << *t.unsupported;
  const auto& c = t.config;
  EXPECT_EQ(c["strategy"]["mode"], "fallback");
  EXPECT_THAT(c["strategy"]["on_status_codes"].get<std::vector<int>>(), testing::Contains(401));
  EXPECT_THAT(c["strategy"]["on_status_codes"].get<std::vector<int>>(), testing::Not(testing::Contains(400)));
  ASSERT_EQ(c["targets"].size(), 2u);
  EXPECT_EQ(c["targets"][0]["provider"], "openai");
  EXPECT_EQ(c["targets"][0]["custom_host"], "http://127.0.0.1:9101/v1");
  EXPECT_EQ(c["targets"][0]["api_key"], "sk-p");
  EXPECT_EQ(c["targets"][0]["override_params"]["model"], "gpt-4o");
  EXPECT_EQ(c["targets"][0]["retry"]["attempts"], 2);
  EXPECT_EQ(c["targets"][0]["request_timeout"], 300);
  EXPECT_EQ(c["targets"][1]["provider"], "anthropic");
  EXPECT_EQ(c["targets"][1]["override_params"]["model"], "claude-x");
}

TEST(PortkeyConfig, DisableFallbacksKeepsOnlyTheRequestedGroup) {
  ClientSpec client;
  client.request.model = "gpt-4o";
  client.request.disable_fallbacks = true;
  const auto t = translate_for_portkey(router_config({{"fallbacks", {{{"gpt-4o", {"backup"}}}}}}), client);
  ASSERT_FALSE(t.unsupported);
  EXPECT_EQ(t.config["targets"].size(), 1u);
}

TEST(PortkeyConfig, InexpressibleSettingsAndDialectPairsAreUnsupportedWithTheReason) {
  ClientSpec client;
  client.request.model = "gpt-4o";
  auto t = translate_for_portkey(router_config({{"deadline_ms", 600}, {"cooldown_ms", 500}}), client);
  ASSERT_TRUE(t.unsupported);
  EXPECT_THAT(*t.unsupported, HasSubstr("deadline_ms"));
  EXPECT_THAT(*t.unsupported, HasSubstr("cooldown"));

  client.front = harness::Front::Responses;
  t = translate_for_portkey(router_config(nlohmann::json::object()), client);
  ASSERT_TRUE(t.unsupported);
  EXPECT_THAT(*t.unsupported, HasSubstr("openai-chat upstream"));
}

TEST(PortkeyConfig, DefaultsAndTimingOnlySettingsAreNoReason) {
  // usage_policy: billed is the reference default and served is what Portkey does (the serving
  // attempt's usage); keep-alive, backoff and seed change only timing. None changes the config.
  ClientSpec client;
  client.request.model = "gpt-4o";
  const auto plain = translate_for_portkey(router_config({{"num_retries", 1}}), client);
  ASSERT_FALSE(plain.unsupported) << *plain.unsupported;
  for (const auto& setting :
       {nlohmann::json{{"usage_policy", "billed"}}, nlohmann::json{{"usage_policy", "served"}},
        nlohmann::json{{"keepalive_ms", 50}}, nlohmann::json{{"backoff_base_ms", 5}, {"backoff_max_ms", 40}},
        nlohmann::json{{"seed", 7}}}) {
    auto settings = setting;
    settings["num_retries"] = 1;
    const auto t = translate_for_portkey(router_config(settings), client);
    ASSERT_FALSE(t.unsupported) << setting.dump() << ": " << *t.unsupported;
    EXPECT_EQ(t.config, plain.config) << setting.dump();
  }
  EXPECT_FALSE(translate_for_portkey(scenario_by_id("5.1.1")).unsupported);  // usage_policy: billed
  EXPECT_FALSE(translate_for_portkey(scenario_by_id("5.1.2")).unsupported);  // usage_policy: served
}

TEST(PortkeyConfig, StreamDeadlinesAreUnsupportedOnlyWhenAFakeIsSilentThatLong) {
  const auto stalled = translate_for_portkey(scenario_by_id("3.1.3"));  // a 3 s stall against 300 ms
  ASSERT_TRUE(stalled.unsupported);
  EXPECT_THAT(*stalled.unsupported, HasSubstr("idle_timeout_ms"));
  const auto first = translate_for_portkey(scenario_by_id("2.3.1"));  // a 3 s stall before content
  ASSERT_TRUE(first.unsupported);
  EXPECT_THAT(*first.unsupported, HasSubstr("stream_timeout_ms"));
  // 80 ms between events never reaches a 300 ms idle timeout: Portkey, without one, is graded.
  const auto steady = translate_for_portkey(scenario_by_id("11.3.2"));
  EXPECT_FALSE(steady.unsupported) << *steady.unsupported;
}

TEST(PortkeyConfig, RetryAfterCapIsUnsupportedOnlyWhenAFakeAsksForMore) {
  EXPECT_TRUE(translate_for_portkey(scenario_by_id("1.2.2")).unsupported);   // 30 s against a 300 ms cap
  EXPECT_FALSE(translate_for_portkey(scenario_by_id("1.2.1")).unsupported);  // 1 s under a 10 s cap
}

}  // namespace
}  // namespace midstream::targets
