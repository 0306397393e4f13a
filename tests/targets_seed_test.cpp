// `midstream run --seed N` reaches the reference router: N becomes its router_settings.seed,
// which seeds its backoff jitter and numbers its response ids ("chatcmpl-midstream-N" for the
// first request), on the embedded and the process target, unless the scenario sets its own.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/runner.h"
#include "scenario_helpers.h"
#include "targets/registry.h"

namespace midstream::targets {
namespace {

using harness::testing_helpers::scenario_by_id;

// 1.1.1: a chat stream whose primary answers 500 once; the router backs off (jittered) and retries.
constexpr char kScenario[] = "1.1.1";

std::string first_id(uint64_t seed) { return "\"chatcmpl-midstream-" + std::to_string(seed) + "\""; }

reports::ScenarioResult run_with(const std::string& spec, uint64_t seed, const harness::Scenario& scenario) {
  TargetOptions options;
  options.seed = seed;
  options.executable = MIDSTREAM_BINARY;
  return harness::run_scenario(scenario, make_target_factory(spec, options));
}

TEST(RouterSeed, SeedsTheEmbeddedRouter) {
  const auto result = run_with("embedded", 7, scenario_by_id(kScenario));
  EXPECT_EQ(result.verdict, reports::Verdict::Pass) << result.reason;
  EXPECT_NE(result.client.body.find(first_id(7)), std::string::npos) << result.client.body;
  EXPECT_EQ(result.client.body.find(first_id(kDefaultRouterSeed)), std::string::npos) << result.client.body;
}

TEST(RouterSeed, SeedsTheRouterProcess) {
  const auto result = run_with("process", 11, scenario_by_id(kScenario));
  EXPECT_EQ(result.verdict, reports::Verdict::Pass) << result.reason;
  EXPECT_NE(result.client.body.find(first_id(11)), std::string::npos) << result.client.body;
}

TEST(RouterSeed, AScenarioThatSetsItsOwnSeedKeepsIt) {
  harness::Scenario scenario = scenario_by_id(kScenario);
  scenario.router["router_settings"]["seed"] = 42;
  for (const char* spec : {"embedded", "process"}) {
    const auto result = run_with(spec, 7, scenario);
    EXPECT_NE(result.client.body.find(first_id(42)), std::string::npos) << spec << ": " << result.client.body;
  }
}

TEST(RouterSeed, SeededConfigLeavesEverythingElse) {
  const nlohmann::json bare = {{"model_list", nlohmann::json::array()}};
  EXPECT_EQ(seeded_router_config(bare, 5)["router_settings"], (nlohmann::json{{"seed", 5}}));
  const nlohmann::json pinned = {{"router_settings", {{"seed", 3}, {"num_retries", 1}}}};
  EXPECT_EQ(seeded_router_config(pinned, 5), pinned);
  EXPECT_EQ(seeded_router_config(nlohmann::json::array(), 5), nlohmann::json::array());
}

// The whole path: the CLI's --seed is in results.json and in what the router sent.
TEST(RouterSeed, RunSeedReachesTheRouterAndTheReport) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("midstream-seed-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string command = std::string(MIDSTREAM_BINARY) + " run " + MIDSTREAM_SCENARIO_DIR + " --filter " +
                              kScenario + " --seed 9 --out " + dir.string() + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command;
  std::ifstream in(dir / "results.json");
  const auto results = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(results.is_discarded());
  EXPECT_EQ(results["seed"], 9);
  const std::string body = results["results"][0]["client"]["body"].get<std::string>();
  EXPECT_NE(body.find(first_id(9)), std::string::npos) << body;
  fs::remove_all(dir);
}

// A router configured outside midstream has jitter of its own: a --seed for it is a usage error
// (without --seed, the same command writes the deployments sheet and exits 0).
TEST(RouterSeed, RunRefusesASeedNoTargetTakes) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("midstream-seed-url-" + std::to_string(::getpid()));
  const std::string command = std::string(MIDSTREAM_BINARY) + " run " + MIDSTREAM_SCENARIO_DIR + " --filter " +
                              kScenario + " --target url=http://127.0.0.1:1 --fakes-port-base 40000" +
                              " --deployments-only --out " + dir.string();
  const auto exit_code = [](const std::string& line) {
    const int status = std::system((line + " >/dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(exit_code(command), 0);
  EXPECT_EQ(exit_code(command + " --seed 9"), 2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace midstream::targets
