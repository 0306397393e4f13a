// The launch-command target (targets/command_target.h) with the reference router as the command:
// scenarios with equal settings share one launch, a router that never answers or exits at start
// is an ERROR naming the command with its output, one that dies mid-run is reported in the
// scenario where it died and launched again for the next, and one that listens off 127.0.0.1 is
// refused.
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "targets/command_target.h"
#include "harness/runner.h"
#include "harness/scenario.h"
#include "tests/result_helpers.h"
#include "tests/scenario_helpers.h"

namespace midstream::targets {
using namespace midstream::harness;

namespace {

using testing_helpers::scenario_by_id;

namespace fs = std::filesystem;
using reports::Verdict;
using testing::HasSubstr;
using testing_helpers::describe;

// A scenario whose only provider paces its 23 words 150 ms apart: the stream lasts 3.5 s.
Scenario slow_scenario() {
  const fs::path dir = fs::path(testing::TempDir()) / ("midstream-command-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "99.1.1-slow.json";
  std::ofstream(file) << R"({
    "id": "99.1.1", "title": "A slow stream", "refs": ["none"],
    "requirement": "A router MUST pass a slow stream on whole.",
    "providers": {"primary": {"dialect": "openai-chat", "event_delay_ms": 150}},
    "router": {"model_list": [{"model_name": "gpt-4o", "litellm_params":
                 {"model": "openai/gpt-4o", "api_base": "{{primary}}", "api_key": "sk-p"}}],
               "router_settings": {"num_retries": 0}},
    "request": {"front": "chat", "stream": true},
    "expect": {"outcome": "complete", "max_duration_ms": 10000}})";
  return load_scenario(file.string());
}

CommandTargetOptions reference_command(const std::string& extra = "") {
  CommandTargetOptions o;
  o.command = std::string("'") + MIDSTREAM_BINARY + "' router --config {config} --port {port}" + extra;
  o.ready_path = "/health";
  o.ready_timeout = std::chrono::seconds(20);
  return o;
}

struct Run {
  reports::RunResults results;
  std::vector<std::string> notes;
};

Run run(const std::vector<Scenario>& scenarios, CommandTargetOptions options, int jobs = 2) {
  Run out;
  RunOptions run_options;
  run_options.jobs = jobs;
  run_options.on_note = [&out](const reports::TargetInfo&, const std::string& note) { out.notes.push_back(note); };
  out.results = run_targets(scenarios, {command_target(std::move(options))}, run_options);
  return out;
}

TEST(CommandTarget, ScenariosWithEqualSettingsShareOneLaunch) {
  // 3.1.1, 3.1.2 and 2.2.1 all set num_retries 0 and nothing else outside their model groups.
  const auto out = run({scenario_by_id("3.1.1"), scenario_by_id("3.1.2"), scenario_by_id("2.2.1")}, reference_command());
  for (const auto& r : out.results.results) EXPECT_EQ(r.verdict, Verdict::Pass) << describe(r);
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_THAT(out.notes[0], HasSubstr("1 router launch for 3 scenarios"));
}

TEST(CommandTarget, ADefectOfTheCommandsRouterIsCaught) {
  const auto out = run({scenario_by_id("3.1.1")}, reference_command(" --defect portkey-clean-close"));
  ASSERT_EQ(out.results.results.size(), 1u);
  EXPECT_EQ(out.results.results[0].verdict, Verdict::Fail) << describe(out.results.results[0]);
}

TEST(CommandTarget, ARouterThatNeverAnswersIsAnErrorNamingTheCommandAndItsOutput) {
  CommandTargetOptions o;
  o.command = "sh -c 'echo warming up the model cache; exec sleep 60' sh {config} {port}";
  o.ready_timeout = std::chrono::milliseconds(1500);
  const auto out = run({scenario_by_id("2.2.1")}, o);
  const auto& r = out.results.results.at(0);
  EXPECT_EQ(r.verdict, Verdict::Error) << describe(r);
  EXPECT_THAT(r.reason, HasSubstr("sh -c 'echo warming up the model cache; exec sleep 60' sh /"));
  EXPECT_THAT(r.reason, HasSubstr("did not answer on 127.0.0.1:"));
  EXPECT_THAT(r.reason, HasSubstr("within 1 s (nothing accepted a TCP connection)"));
  EXPECT_THAT(r.reason, HasSubstr("its output: warming up the model cache"));
}

TEST(CommandTarget, ARouterThatExitsAtStartIsAnErrorWithItsExitStatus) {
  CommandTargetOptions o;
  o.command = "sh -c 'echo \"cannot parse $0\" >&2; exit 3' {config} {port}";
  const auto out = run({scenario_by_id("2.2.1")}, o);
  const auto& r = out.results.results.at(0);
  EXPECT_EQ(r.verdict, Verdict::Error) << describe(r);
  EXPECT_THAT(r.reason, HasSubstr("exited with status 3 before it answered"));
  EXPECT_THAT(r.reason, HasSubstr("its output: cannot parse /"));
}

TEST(CommandTarget, ARouterThatDiesMidRunIsReportedWhereItDiedAndLaunchedAgain) {
  // The shell serves the reference router, then kills its whole process group after 1 s: in the
  // middle of the slow scenario's 3.5 s stream. The next scenario gets a new launch.
  CommandTargetOptions o;
  o.command = std::string("sh -c '\"$0\" router --config \"$1\" --port \"$2\" & sleep 1; echo killing the router; "
                          "kill -KILL 0' '") +
              MIDSTREAM_BINARY + "' {config} {port}";
  const auto out = run({slow_scenario(), scenario_by_id("3.1.1")}, o, 1);
  const auto& died = out.results.results.at(0);
  EXPECT_EQ(died.verdict, Verdict::Fail) << describe(died);
  EXPECT_THAT(died.reason, HasSubstr("the router process was killed by signal 9"));
  EXPECT_THAT(died.reason, HasSubstr("its output: midstream router listening on"));
  EXPECT_THAT(died.reason, HasSubstr("| killing the router"));
  const auto* alive = testing_helpers::find_check(died, "router.alive");
  ASSERT_NE(alive, nullptr);
  EXPECT_FALSE(alive->passed);
  EXPECT_EQ(out.results.results.at(1).verdict, Verdict::Pass) << describe(out.results.results.at(1));
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_THAT(out.notes[0], HasSubstr("2 router launches for 2 scenarios"));
}

TEST(CommandTarget, ARouterListeningOffLoopbackIsRefused) {
  const auto out = run({scenario_by_id("2.2.1")}, reference_command(" --host 0.0.0.0 --allow-non-loopback"));
  const auto& r = out.results.results.at(0);
  EXPECT_EQ(r.verdict, Verdict::Error) << describe(r);
  EXPECT_THAT(r.reason, HasSubstr("listens on 0.0.0.0:"));
  EXPECT_THAT(r.reason, HasSubstr("not only on 127.0.0.1: refused and stopped"));
}

TEST(CommandTarget, BadCommandsAreRefusedBeforeAnythingRuns) {
  CommandTargetOptions o;
  o.command = "midstream-no-such-router --config {config} --port {port}";
  EXPECT_THROW(command_target(o), std::runtime_error);
  o.command = std::string(MIDSTREAM_BINARY) + " router --port {port}";  // no {config}
  EXPECT_THROW(command_target(o), std::runtime_error);
  o.command = std::string(MIDSTREAM_BINARY) + " router --config {config} --port {prot}";
  EXPECT_THROW(command_target(o), std::runtime_error);
  o.command = "router 'unterminated";
  EXPECT_THROW(command_target(o), std::runtime_error);
}

}  // namespace
}  // namespace midstream::targets
