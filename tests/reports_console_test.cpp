// What `midstream run` prints (ConsoleReporter): the start line, the progress lines, the totals,
// notes, the not-PASS listing and the replay command, byte for byte; and that every reporter
// hears the same lifecycle.
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reports/reporter.h"

namespace midstream::reports {
namespace {

RunInfo two_targets() {
  RunInfo info;
  info.scenarios = 2;
  info.shard = "0/2";
  info.targets = {{{"embedded", "reference router (in-process)", {"resend-partial"}}, 0},
                  {{"url", "a router you run", {}}, 1}};
  info.jobs = 4;
  info.time_scale = 1.5;
  info.time_scale_source = "--time-scale";
  return info;
}

ScenarioResult result(const std::string& id, const std::string& target, Verdict verdict) {
  ScenarioResult r;
  r.scenario = id;
  r.title = "case " + id + "\nsecond line";
  r.target = target;
  r.verdict = verdict;
  r.reason = verdict == Verdict::Pass ? "every check held" : "text.exact failed";
  r.duration_ms = 41.7;
  return r;
}

RunResults finished(const RunInfo& info) {
  RunResults run;
  run.wall_ms = 1234.5;
  run.time_scale = info.time_scale;
  for (const auto& target : info.targets) run.targets.push_back(target.info);
  run.results = {result("3.1.1", "embedded", Verdict::Pass), result("3.1.2", "embedded", Verdict::Fail),
                 result("3.1.1", "url", Verdict::Pass), result("3.1.2", "url", Verdict::Safe)};
  run.results[1].checks = {{"text.exact", Severity::Must, false, "Hello\nworld", "Hello", ""},
                           {"usage.exact", Severity::Should, true, "1", "1", ""},
                           {"no_truncated_success", Severity::Must, false, std::string(400, 'x'), "clean end", ""},
                           {"one_finish", Severity::Must, false, "1", "2", ""}};
  return run;
}

struct Printed {
  std::string out;
  std::string progress;
};

Printed print(const RunInfo& info, const RunResults& run, ConsoleReporter::Options options) {
  std::ostringstream out, progress;
  ConsoleReporter console(out, progress, std::move(options));
  console.start(info);
  for (const ScenarioResult& r : run.results) console.on_result(r);
  console.on_note(info.targets[1].info, "2 scenarios run one at a time");
  console.finish(run);
  return {out.str(), progress.str()};
}

TEST(ReportsConsole, StartAndProgressLines) {
  const RunInfo info = two_targets();
  const Printed printed = print(info, finished(info), {false, false, "midstream run --filter ID --target T"});
  EXPECT_EQ(printed.progress,
            "midstream " MIDSTREAM_VERSION ": 2 scenarios (shard 0/2) against embedded: reference router (in-process) "
            "with defect resend-partial; url: a router you run, 4 at a time (url: 1), time scale x1.5 (--time-scale)\n"
            "[  1/4] embedded PASS       3.1.1    case 3.1.1 second line (41 ms)\n"
            "[  2/4] embedded FAIL       3.1.2    case 3.1.2 second line (41 ms)\n"
            "[  3/4] url      PASS       3.1.1    case 3.1.1 second line (41 ms)\n"
            "[  4/4] url      SAFE       3.1.2    case 3.1.2 second line (41 ms)\n");
}

TEST(ReportsConsole, OnATerminalTheProgressLineIsRewrittenThenCleared) {
  const RunInfo info = two_targets();
  const Printed printed = print(info, finished(info), {true, false, "midstream run --filter ID --target T"});
  const std::string after_start = printed.progress.substr(printed.progress.find('\n') + 1);
  EXPECT_EQ(after_start.rfind("\r\033[K[  1/4] embedded PASS", 0), 0u) << after_start;
  EXPECT_EQ(after_start.find('\n'), std::string::npos);
  EXPECT_EQ(after_start.substr(after_start.size() - 4), "\r\033[K");
}

TEST(ReportsConsole, TotalsNotesNotPassAndReplay) {
  const RunInfo info = two_targets();
  const Printed printed = print(info, finished(info), {false, false, "midstream run --filter ID --target T"});
  const std::string x297 = std::string(297, 'x') + "...";
  EXPECT_EQ(printed.out,
            "\n2 scenarios against embedded: reference router (in-process) with defect resend-partial; url: a router "
            "you run in 1.23 s wall time\n"
            "  embedded   PASS 1  NON-STRICT 0  SAFE 0  UNSUPPORTED 0  FAIL 1  ERROR 0\n"
            "  url        PASS 1  NON-STRICT 0  SAFE 1  UNSUPPORTED 0  FAIL 0  ERROR 0\n"
            "url: 2 scenarios run one at a time\n"
            "\nnot PASS:\n"
            "  FAIL       3.1.2  [embedded]  case 3.1.2\nsecond line\n"
            "      text.exact failed\n"
            "      text.exact (MUST)\n"
            "        expected: Hello world\n"
            "        actual:   Hello\n"
            "      no_truncated_success (MUST)\n"
            "        expected: " + x297 + "\n"
            "        actual:   clean end\n"
            "      (more failed checks in results.json; --verbose shows all)\n"
            "  SAFE       3.1.2  [url]  case 3.1.2\nsecond line\n"
            "      text.exact failed\n"
            "\nreplay one case: midstream run --filter ID --target T --time-scale 1.5\n"
            "\n");
}

TEST(ReportsConsole, VerboseShowsEveryFailedCheck) {
  const RunInfo info = two_targets();
  const Printed printed = print(info, finished(info), {false, true, "m run --filter ID"});
  EXPECT_NE(printed.out.find("      one_finish (MUST)\n        expected: 1\n        actual:   2\n"), std::string::npos);
  EXPECT_EQ(printed.out.find("--verbose shows all"), std::string::npos);
}

TEST(ReportsConsole, AllPassHasNoListingAndOneTargetNoColumn) {
  RunInfo info = two_targets();
  info.targets.pop_back();
  info.shard.clear();
  RunResults run = finished(info);
  run.results = {result("3.1.1", "embedded", Verdict::Pass)};
  std::ostringstream out, progress;
  ConsoleReporter console(out, progress, {});
  console.start(info);
  console.finish(run);
  EXPECT_EQ(out.str(),
            "\n2 scenarios against embedded: reference router (in-process) with defect resend-partial in 1.23 s wall "
            "time\n  PASS 1  NON-STRICT 0  SAFE 0  UNSUPPORTED 0  FAIL 0  ERROR 0\n\n");
}

// Counts what it hears, to check a reporter sees the lifecycle in order.
class Recorder : public Reporter {
 public:
  void start(const RunInfo& run) override { calls.push_back("start " + std::to_string(run.scenarios)); }
  void on_result(const ScenarioResult& result) override { calls.push_back("result " + result.scenario); }
  void finish(const RunResults& results) override { calls.push_back("finish " + std::to_string(results.results.size())); }
  std::vector<std::string> calls;
};

TEST(ReportsConsole, TheLifecycleHasDefaultsForWhatAReporterIgnores) {
  Recorder recorder;
  Reporter& reporter = recorder;
  reporter.start(two_targets());
  reporter.on_result(result("1.1", "embedded", Verdict::Pass));
  reporter.on_note({"embedded", "", {}}, "ignored");
  reporter.finish(finished(two_targets()));
  EXPECT_EQ(recorder.calls, (std::vector<std::string>{"start 2", "result 1.1", "finish 4"}));
}

}  // namespace
}  // namespace midstream::reports
