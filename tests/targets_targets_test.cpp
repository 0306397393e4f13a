// The targets beyond `embedded` (SPEC section 9): the reference router as its own process per
// scenario, a router at a loopback URL configured from the printed deployment sheet, several
// targets in one run, and --shard. Everything on 127.0.0.1 with generous deadlines.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "targets/registry.h"
#include "tests/result_helpers.h"
#include "reports/reporter.h"

namespace midstream::targets {
using namespace midstream::harness;

namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;
using Clock = std::chrono::steady_clock;
using reports::Verdict;

constexpr auto kGenerous = std::chrono::seconds(60);

std::vector<Scenario> catalogue() {
  std::vector<Scenario> all;
  for (const auto& file : find_scenario_files({MIDSTREAM_SCENARIO_DIR})) all.push_back(load_scenario(file));
  return all;
}

Scenario scenario_by_id(const std::string& id) {
  for (auto& s : catalogue())
    if (s.id == id) return s;
  ADD_FAILURE() << "no scenario " << id;
  return {};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using testing_helpers::describe;
using testing_helpers::find_check;

// A directory of its own, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = testing::TempDir() + "midstream-targets-XXXXXX";
    if (::mkdtemp(pattern.data())) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& text, bool executable = false) const {
    const std::string path = file(name);
    std::ofstream(path, std::ios::binary) << text;
    if (executable) ::chmod(path.c_str(), 0755);
    return path;
  }

 private:
  std::string path_;
};

// Points TMPDIR at a directory for the lifetime of the object (the process target's temp files).
class ScopedTmpdir {
 public:
  explicit ScopedTmpdir(const std::string& dir) {
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    ::setenv("TMPDIR", dir.c_str(), 1);
  }
  ~ScopedTmpdir() {
    if (old_) ::setenv("TMPDIR", old_->c_str(), 1);
    else ::unsetenv("TMPDIR");
  }

 private:
  std::optional<std::string> old_;
};

// The midstream binary as a child process: stdout on a pipe (or into a file), stderr into a
// file. The destructor kills it (by its pid) if a failed test left it running.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& err_file, const std::string& out_file = "") {
    std::vector<std::string> all = {MIDSTREAM_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : all) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int out[2] = {-1, -1};
    if (out_file.empty() && ::pipe2(out, O_CLOEXEC) != 0) return;
    const int out_fd = out_file.empty() ? out[1] : ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err_fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out_fd);
    ::close(err_fd);
    out_ = out[0];
  }
  ~Child() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }

  // Reads stdout until a line matches; the match, or nothing at EOF or the deadline.
  std::optional<std::smatch> read_line_matching(const std::regex& pattern, Clock::time_point deadline) {
    for (;;) {
      for (size_t begin = 0, end; (end = stdout_.find('\n', begin)) != std::string::npos; begin = end + 1) {
        line_ = stdout_.substr(begin, end - begin);
        std::smatch match;
        if (std::regex_search(line_, match, pattern)) return match;
      }
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (out_ < 0 || left.count() <= 0) return std::nullopt;
      pollfd entry{out_, POLLIN, 0};
      if (::poll(&entry, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buffer[4096];
      const ssize_t n = ::read(out_, buffer, sizeof buffer);
      if (n <= 0) return std::nullopt;
      stdout_.append(buffer, static_cast<size_t>(n));
    }
  }

  // Waits for the exit; the exit code (-1 for a signal), or nothing at the deadline.
  std::optional<int> wait_exit(Clock::time_point deadline) {
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    while (!status_) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = status;
        break;
      }
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      pollfd entry{pidfd, POLLIN, 0};
      if (pidfd >= 0) ::poll(&entry, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
      else ::poll(nullptr, 0, 10);
    }
    if (pidfd >= 0) ::close(pidfd);
    if (!status_) return std::nullopt;
    return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string stdout_;
  std::string line_;  // the matched line (the smatch points into it)
  std::optional<int> status_;
};

// Runs `midstream ARGS...` to its exit; the exit code, with stdout and stderr in the given files.
int run_midstream(const std::vector<std::string>& args, const TempDir& dir, const std::string& name) {
  Child child(args, dir.file(name + ".err"), dir.file(name + ".out"));
  const auto code = child.wait_exit(Clock::now() + std::chrono::seconds(240));
  EXPECT_TRUE(code.has_value()) << "midstream " << name << " did not exit";
  return code.value_or(-2);
}

// `count` consecutive loopback ports that are free right now, below the ephemeral range (so a
// router on port 0 cannot take one).
uint16_t free_port_base(int count) {
  std::mt19937 random(static_cast<unsigned>(::getpid()) ^ static_cast<unsigned>(Clock::now().time_since_epoch().count()));
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto base = static_cast<uint16_t>(20000 + random() % 10000);
    bool free = true;
    for (int i = 0; i < count && free; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(base + i));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      ::close(fd);
    }
    if (free) return base;
  }
  ADD_FAILURE() << "no free port range";
  return 0;
}

// The reference router as a child process serving `config`; its port, or 0.
uint16_t start_router(std::optional<Child>& router, const TempDir& dir, const nlohmann::json& config) {
  const std::string file = dir.write("router.json", config.dump(2));
  router.emplace(std::vector<std::string>{"router", "--config", file, "--port", "0"}, dir.file("router.err"));
  static const std::regex kListening(R"(listening on http://127\.0\.0\.1:(\d+))");
  const auto match = router->read_line_matching(kListening, Clock::now() + kGenerous);
  if (!match) {
    ADD_FAILURE() << "the router printed no port; stderr: " << read_file(dir.file("router.err"));
    return 0;
  }
  return static_cast<uint16_t>(std::stoi((*match)[1].str()));
}

TargetFactory process() {
  ProcessTargetOptions options;
  options.executable = MIDSTREAM_BINARY;
  return process_target(options);
}

// A few catalogue scenarios across fronts and dialects: chat over chat, the Responses front,
// an Anthropic upstream.
std::vector<Scenario> a_few() {
  std::vector<Scenario> picked = {scenario_by_id("3.1.1")};
  for (const auto& s : catalogue()) {
    const auto ups = s.upstream_dialects();
    const bool anthropic = std::find(ups.begin(), ups.end(), "anthropic") != ups.end();
    if (s.client.front == harness::Front::Responses && s.client.stream && picked.size() == 1) picked.push_back(s);
    else if (anthropic && picked.size() == 2) picked.push_back(s);
  }
  return picked;
}

TEST(ProcessTarget, PassesCatalogueScenariosAndCleansUp) {
  TempDir tmp;
  ScopedTmpdir scoped(tmp.path());
  const auto scenarios = a_few();
  ASSERT_EQ(scenarios.size(), 3u);
  RunOptions options;
  options.jobs = 3;
  const auto results = run_scenarios(scenarios, process(), options);
  ASSERT_EQ(results.targets.size(), 1u);
  EXPECT_EQ(results.targets[0].name, "process");
  ASSERT_EQ(results.results.size(), scenarios.size());
  for (const auto& r : results.results) {
    EXPECT_EQ(r.verdict, Verdict::Pass) << describe(r);
    EXPECT_EQ(r.target, "process");
  }
  // The bound config and the router's stderr were temp files; none is left behind.
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(tmp.path())) left.push_back(entry.path().string());
  EXPECT_TRUE(left.empty()) << left.front();
}

TEST(ProcessTarget, DefectSwitchesPassThrough) {
  ProcessTargetOptions options;
  options.executable = MIDSTREAM_BINARY;
  options.defects = {"resend-partial"};
  const auto factory = process_target(options);
  EXPECT_EQ(factory()->info().defects, std::vector<std::string>{"resend-partial"});
  const auto r = run_scenario(scenario_by_id("3.1.1"), factory);
  EXPECT_EQ(r.verdict, Verdict::Fail) << describe(r);
}

TEST(ProcessTarget, RouterThatExitsBeforeServingIsAnErrorWithItsStatus) {
  TempDir tmp;
  const std::string fake = tmp.write("dies.sh", "#!/bin/sh\necho 'cannot start: config rejected' >&2\nexit 3\n", true);
  ProcessTargetOptions options;
  options.executable = fake;
  const auto started = Clock::now();
  const auto r = run_scenario(scenario_by_id("3.1.1"), process_target(options));
  EXPECT_EQ(r.verdict, Verdict::Error) << describe(r);
  EXPECT_THAT(r.reason, HasSubstr("exited with status 3"));
  EXPECT_THAT(r.reason, HasSubstr("config rejected"));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(20));
}

TEST(ProcessTarget, RouterKilledMidRunIsReportedNotHung) {
  TempDir tmp;
  // The router is SIGKILLed one second after it starts, while the primary is stalled mid-answer
  // for 8 s (the router's timeouts are the 30 s defaults, so nothing else ends the stream).
  const std::string wrapper = tmp.write(
      "killed.sh", "#!/bin/sh\n( sleep 1; kill -KILL $$ ) >/dev/null 2>&1 &\nexec '" +
                       std::string(MIDSTREAM_BINARY) + "' \"$@\"\n",
      true);
  auto scenario = scenario_by_id("3.1.1");
  for (auto& p : scenario.providers) {
    p.script.clear();
    if (p.name == "primary") {
      auto stall = nlohmann::json::parse(R"({"at": "after_deltas", "n": 2, "action": "stall", "ms": 8000})");
      p.script.push_back(fakes::parse_script_entry(stall, "test", "/script/0"));
    }
  }
  ProcessTargetOptions options;
  options.executable = wrapper;
  const auto started = Clock::now();
  const auto r = run_scenario(scenario, process_target(options));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(30)) << "the run hung on a dead router";
  EXPECT_NE(r.verdict, Verdict::Pass) << describe(r);
  EXPECT_THAT(r.reason, HasSubstr("killed by signal 9")) << describe(r);
  if (r.verdict != Verdict::Error) {  // ERROR only if the router was killed before it served
    const auto* alive = find_check(r, "router.alive");
    ASSERT_NE(alive, nullptr);
    EXPECT_FALSE(alive->passed);
    EXPECT_THAT(alive->actual, HasSubstr("killed by signal 9"));
  }
}

TEST(UrlTarget, RefusesAnythingButALoopbackOrigin) {
  EXPECT_EQ(parse_loopback_url("http://127.0.0.1:4000"), 4000);
  EXPECT_EQ(parse_loopback_url("http://localhost:4001/"), 4001);
  for (const std::string bad : {"http://10.0.0.1:4000", "http://example.com:80", "https://127.0.0.1:4000",
                                "http://127.0.0.1", "http://127.0.0.1:4000/v1", "http://127.0.0.1:0",
                                "127.0.0.1:4000", "http://[::1]:4000", "http://127.0.0.2:4000"}) {
    EXPECT_THROW(parse_loopback_url(bad), std::runtime_error) << bad;
  }
  try {
    parse_loopback_url("http://10.0.0.1:4000");
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("loopback"));
  }
  EXPECT_THROW(make_target_factory("url=http://127.0.0.1:4000", TargetOptions{}), std::runtime_error);  // no port base
  TargetOptions with_defect;
  with_defect.fakes_port_base = 9100;
  with_defect.defects = {"resend-partial"};
  EXPECT_THROW(make_target_factory("url=http://127.0.0.1:4000", with_defect), std::runtime_error);
  EXPECT_THROW(make_target_factory("portal", TargetOptions{}), std::runtime_error);
  TargetOptions fine;
  fine.fakes_port_base = 9100;
  const auto target = make_target_factory("url=http://127.0.0.1:4000", fine)();
  EXPECT_EQ(target->info().name, "url");
  EXPECT_EQ(target->max_jobs(), 1);
  EXPECT_EQ(target->fakes_port_base(), 9100);
}

TEST(UrlTarget, DeploymentSheetGivesPortsInProviderNameOrder) {
  const auto s = scenario_by_id("3.1.1");
  const auto sheet = deployment_sheet({s}, "http://127.0.0.1:4000", 9100);
  EXPECT_EQ(sheet["schema"], "midstream.deployments.v1");
  const auto& entry = sheet["scenarios"][0];
  EXPECT_EQ(entry["scenario"], "3.1.1");
  // "backup" < "primary": 9100, 9101.
  EXPECT_EQ(entry["providers"]["backup"]["api_base"], "http://127.0.0.1:9100/v1");
  EXPECT_EQ(entry["providers"]["primary"]["port"], 9101);
  const std::string config = entry["config"].dump();
  EXPECT_THAT(config, HasSubstr("http://127.0.0.1:9101/v1"));
  EXPECT_THAT(config, testing::Not(HasSubstr("{{")));
  EXPECT_TRUE(entry["config"].contains("router_settings"));
  EXPECT_THROW(fixed_base_urls(s, 65535), std::runtime_error);
}

TEST(UrlTarget, RouterProcessConfiguredFromTheSheetPasses) {
  TempDir tmp;
  const auto scenarios = std::vector<Scenario>{scenario_by_id("3.1.1")};
  const uint16_t base = free_port_base(static_cast<int>(scenarios[0].providers.size()));
  ASSERT_NE(base, 0);
  // The user's side: read the sheet, configure the router with the scenario's "config", start it.
  const auto sheet = deployment_sheet(scenarios, "http://127.0.0.1:PORT", base);
  std::optional<Child> router;
  const uint16_t port = start_router(router, tmp, nlohmann::json::parse(sheet["scenarios"][0]["config"].dump()));
  ASSERT_NE(port, 0);

  TargetOptions options;
  options.fakes_port_base = base;
  RunOptions run;
  run.jobs = 8;  // capped to 1 by the target
  const auto results = run_targets(scenarios, {make_target_factory("url=http://127.0.0.1:" + std::to_string(port), options)}, run);
  ASSERT_EQ(results.results.size(), 1u);
  EXPECT_EQ(results.targets[0].name, "url");
  EXPECT_EQ(results.results[0].verdict, Verdict::Pass) << describe(results.results[0]);
  ASSERT_FALSE(results.results[0].attempts.empty());

  // A router that is not running is one clear ERROR, not a hang.
  ::kill(router->pid(), SIGTERM);
  EXPECT_EQ(router->wait_exit(Clock::now() + kGenerous), 0);
  const auto gone = run_targets(scenarios, {make_target_factory("url=http://127.0.0.1:" + std::to_string(port), options)}, run);
  EXPECT_EQ(gone.results[0].verdict, Verdict::Error);
  EXPECT_THAT(gone.results[0].reason, HasSubstr("cannot connect to the router"));
}

TEST(MultiTarget, OneRunHoldsBothTargets) {
  const std::vector<Scenario> scenarios = {scenario_by_id("3.1.1"), scenario_by_id("3.1.2")};
  RunOptions options;
  options.jobs = 2;
  std::vector<std::string> progress;
  options.on_result = [&](const reports::ScenarioResult& r, size_t, size_t total) {
    EXPECT_EQ(total, 4u);
    progress.push_back(r.target);
  };
  const auto results = run_targets(scenarios, {embedded_target(), process()}, options);
  ASSERT_EQ(results.targets.size(), 2u);
  EXPECT_EQ(results.targets[0].name, "embedded");
  EXPECT_EQ(results.targets[1].name, "process");
  ASSERT_EQ(results.results.size(), 4u);
  EXPECT_EQ(progress.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(results.results[i].target, i < 2 ? "embedded" : "process");
    EXPECT_EQ(results.results[i].scenario, scenarios[i % 2].id);
    EXPECT_EQ(results.results[i].verdict, Verdict::Pass) << describe(results.results[i]);
  }
}

TEST(Shard, ParsesIOverN) {
  EXPECT_EQ(parse_shard("0/1").count, 1u);
  EXPECT_EQ(parse_shard("2/3").index, 2u);
  for (const std::string bad : {"", "1", "3/3", "1/0", "-1/3", "a/b", "1/3/4", "/3", "1/"})
    EXPECT_THROW(parse_shard(bad), std::invalid_argument) << bad;
}

TEST(Shard, PartitionsTheCatalogueExactly) {
  const auto all = catalogue();
  ASSERT_GT(all.size(), 10u);
  for (size_t n = 1; n <= 7; ++n) {
    std::multiset<std::string> seen;
    size_t smallest = all.size(), largest = 0;
    for (size_t i = 0; i < n; ++i) {
      const auto shard = select_shard(all, Shard{i, n});
      smallest = std::min(smallest, shard.size());
      largest = std::max(largest, shard.size());
      for (size_t k = 1; k < shard.size(); ++k) EXPECT_TRUE(id_less(shard[k - 1].id, shard[k].id));
      for (const auto& s : shard) seen.insert(s.file);
    }
    EXPECT_EQ(seen.size(), all.size()) << n << " shards";
    for (const auto& s : all) EXPECT_EQ(seen.count(s.file), 1u) << s.id << " in " << n << " shards";
    EXPECT_LE(largest - smallest, 1u);
  }
}

// --- the CLI -----------------------------------------------------------------------------------

TEST(RunCli, UrlTargetFromThePrintedSheetThenTheRun) {
  TempDir tmp;
  const auto scenario = scenario_by_id("3.1.1");
  const uint16_t base = free_port_base(static_cast<int>(scenario.providers.size()));
  ASSERT_NE(base, 0);
  const std::string sheet_dir = tmp.file("sheet");
  // 1. The sheet (the router's URL is not known yet: any loopback one will do).
  ASSERT_EQ(run_midstream({"run", "--target", "url=http://127.0.0.1:9", "--fakes-port-base", std::to_string(base),
                           "--filter", "3.1.1", "--deployments-only", "--out", sheet_dir},
                          tmp, "sheet"),
            0)
      << read_file(tmp.file("sheet.err"));
  EXPECT_THAT(read_file(tmp.file("sheet.out")), HasSubstr("http://127.0.0.1:" + std::to_string(base) + "/v1"));
  const auto sheet = nlohmann::json::parse(read_file(sheet_dir + "/deployments.json"));
  ASSERT_EQ(sheet["scenarios"].size(), 1u);
  // 2. The router, configured from it.
  std::optional<Child> router;
  const uint16_t port = start_router(router, tmp, sheet["scenarios"][0]["config"]);
  ASSERT_NE(port, 0);
  // 3. The run against it.
  const std::string out = tmp.file("report");
  const int code = run_midstream({"run", "--target", "url=http://localhost:" + std::to_string(port), "--fakes-port-base",
                                  std::to_string(base), "--filter", "3.1.1", "--jobs", "4", "--out", out},
                                 tmp, "run");
  EXPECT_EQ(code, 0) << read_file(tmp.file("run.out")) << read_file(tmp.file("run.err"));
  EXPECT_THAT(read_file(tmp.file("run.err")), HasSubstr("one at a time"));
  const auto results = reports::read_results_file(out + "/results.json");
  ASSERT_EQ(results.results.size(), 1u);
  EXPECT_EQ(results.targets[0].name, "url");
  EXPECT_EQ(results.results[0].verdict, Verdict::Pass);
  EXPECT_TRUE(fs::exists(out + "/deployments.json"));
}

TEST(RunCli, RefusesANonLoopbackRouter) {
  TempDir tmp;
  EXPECT_EQ(run_midstream({"run", "--target", "url=http://192.0.2.1:4000", "--fakes-port-base", "9100", "--out",
                           tmp.file("out")},
                          tmp, "refused"),
            2);
  EXPECT_THAT(read_file(tmp.file("refused.err")), HasSubstr("loopback"));
  EXPECT_EQ(run_midstream({"run", "--target", "url=http://127.0.0.1:4000", "--out", tmp.file("out")}, tmp, "nobase"), 2);
  EXPECT_THAT(read_file(tmp.file("nobase.err")), HasSubstr("--fakes-port-base"));
}

TEST(RunCli, TwoTargetsOneReportWithAColumnEach) {
  TempDir tmp;
  const std::string out = tmp.file("report");
  const int code = run_midstream({"run", "--target", "embedded", "--target", "process", "--filter", "3.1.*", "--jobs",
                                  "4", "--out", out},
                                 tmp, "two");
  EXPECT_EQ(code, 0) << read_file(tmp.file("two.out")) << read_file(tmp.file("two.err"));
  const auto results = reports::read_results_file(out + "/results.json");
  ASSERT_EQ(results.targets.size(), 2u);
  EXPECT_EQ(results.targets[0].name, "embedded");
  EXPECT_EQ(results.targets[1].name, "process");
  ASSERT_FALSE(results.results.empty());
  EXPECT_EQ(results.results.size() % 2, 0u);
  EXPECT_EQ(results.results.front().target, "embedded");
  EXPECT_EQ(results.results.back().target, "process");
  const std::string scorecard = read_file(out + "/scorecard.md");
  EXPECT_THAT(scorecard, HasSubstr("embedded"));
  EXPECT_THAT(scorecard, HasSubstr("process"));
  EXPECT_THAT(read_file(tmp.file("two.err")), HasSubstr("process "));  // the progress line names it
}

TEST(RunCli, ShardsMergeBackIntoTheWholeSelection) {
  TempDir tmp;
  const std::string filter = "3.1.*";
  size_t expected = 0;
  for (const auto& s : catalogue())
    if (s.id.rfind("3.1.", 0) == 0) ++expected;
  ASSERT_GT(expected, 2u);
  std::vector<std::string> merge = {"merge"};
  for (int i = 0; i < 3; ++i) {
    const std::string out = tmp.file("shard" + std::to_string(i));
    EXPECT_EQ(run_midstream({"run", "--filter", filter, "--shard", std::to_string(i) + "/3", "--out", out}, tmp,
                            "shard" + std::to_string(i)),
              0);
    merge.push_back(out + "/results.json");
  }
  merge.insert(merge.end(), {"--out", tmp.file("merged")});
  EXPECT_EQ(run_midstream(merge, tmp, "merge"), 0) << read_file(tmp.file("merge.err"));
  const auto merged = reports::read_results_file(tmp.file("merged") + "/results.json");
  EXPECT_EQ(merged.results.size(), expected);
  std::set<std::string> ids;
  for (const auto& r : merged.results) ids.insert(r.scenario);
  EXPECT_EQ(ids.size(), expected);
  EXPECT_EQ(run_midstream({"run", "--shard", "3/3"}, tmp, "badshard"), 2);
  EXPECT_THAT(read_file(tmp.file("badshard.err")), HasSubstr("I/N"));
}

}  // namespace
}  // namespace midstream::targets
