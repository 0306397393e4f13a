// The HTML report as a person sees it: headless Chromium renders the index and a case page to
// PNG (kept in $TMPDIR/midstream-render/<test>/ to look at), and runs the index's filter script under
// the page's Content-Security-Policy. Skipped, saying why, where /usr/bin/chromium is missing.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/reporter.h"

namespace midstream::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kChromium = "/usr/bin/chromium";

AttemptRecord attempt(const std::string& provider, int index, double start, double end, const std::string& outcome,
                      const std::string& fault, bool continuation, const std::string& partial) {
  AttemptRecord a;
  a.provider = provider;
  a.dialect = provider == "claude" ? "anthropic" : "openai-chat";
  a.index = index;
  a.outcome = outcome;
  a.fault = fault;
  a.fault_fired = !fault.empty();
  a.continuation = continuation;
  a.continuation_partial = partial;
  a.started_ms = start;
  a.ended_ms = end;
  a.request_body = R"({"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Tell me about the fox."}]})";
  a.response_bytes = "data: {\"choices\":[{\"delta\":{\"content\":\"The\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\" quick\"}}]}\n\n";
  return a;
}

// A run that looks like a real one: three categories, two targets, every verdict somewhere.
RunResults showcase() {
  RunResults run;
  run.tool_version = "0.1.0";
  run.started_at = "2024-05-01T12:00:00Z";
  run.wall_ms = 3580;
  run.seed = 1;
  run.targets = {{"embedded", "reference router (in-process)", {}},
                 {"portkey", "Portkey AI gateway", {}}};
  const struct {
    const char* id;
    const char* folder;
    const char* title;
    const char* front;
    Verdict embedded;
    Verdict portkey;
  } rows[] = {
      {"1.1.1", "1-retry", "503 once, then the same deployment succeeds", "chat", Verdict::Pass, Verdict::Pass},
      {"1.1.2", "1-retry", "429 with Retry-After honoured", "chat", Verdict::Pass, Verdict::NonStrict},
      {"2.1.1", "2-before-first-byte", "Reset before the status line: invisible fallback", "responses", Verdict::Pass,
       Verdict::Safe},
      {"2.1.2", "2-before-first-byte", "Stall after the preamble: stream_timeout_ms", "chat", Verdict::Pass,
       Verdict::Unsupported},
      {"3.1.1", "3-mid-stream", "TCP reset after 5 deltas: the fallback continues the answer exactly", "chat",
       Verdict::Pass, Verdict::Fail},
      {"3.1.2", "3-mid-stream", "FIN without the chunked terminator after 5 deltas", "responses", Verdict::Pass,
       Verdict::Error},
  };
  for (const auto& row : rows) {
    for (const auto& [target, verdict] : {std::pair{"embedded", row.embedded}, std::pair{"portkey", row.portkey}}) {
      ScenarioResult r;
      r.scenario = row.id;
      r.title = row.title;
      r.category = std::string(row.id).substr(0, 1);
      r.file = std::string("scenarios/") + row.folder + "/" + row.id + ".json";
      r.requirement = "After the commit point a router MUST continue on the next deployment with a continuation "
                      "request carrying the text already sent.";
      r.refs = {"Portkey #1797", "SPEC sections 5 and 6"};
      r.target = target;
      r.front = row.front;
      r.upstreams = {"openai-chat", "anthropic"};
      r.verdict = verdict;
      r.reason = verdict == Verdict::Pass ? "every check held" : "a truncated answer was presented as complete";
      r.duration_ms = 41;
      r.checks = {{"outcome", Severity::Must, true, "status 200 and a complete answer", "status 200, 27 events", ""},
                  {"text.exact", Severity::Must, verdict == Verdict::Pass,
                   "\"The quick brown fox jumps over the lazy dog.\"",
                   verdict == Verdict::Pass ? "\"The quick brown fox jumps over the lazy dog.\""
                                            : "\"The quick brown fox jumpsThe quick brown fox jumps over the lazy dog.\"",
                   "no gap and no repeat at the seam"},
                  {"usage.exact", Severity::Should, true, "input 32, output 18 (billed)", "input 32, output 18", ""}};
      r.attempts = {attempt("primary", 1, 0.9, 12.5, "reset", "after_deltas:5 reset", false, ""),
                    attempt("primary", 2, 14.0, 15.0, "status", "before_status status:503", false, ""),
                    attempt("claude", 1, 16.2, 38.0, "completed", "", true, "The quick brown fox jumps")};
      r.client.status = 200;
      r.client.text = "The quick brown fox jumps over the lazy dog.";
      r.client.usage_input = 32;
      r.client.usage_output = 18;
      r.client.end = "complete";
      r.client.body = "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"The\"}}]}\n\ndata: [DONE]\n\n";
      for (double ms : {2.0, 4.0, 6.0, 8.0, 10.0, 18.0, 21.0, 24.0, 27.0, 30.0, 33.0, 37.5}) r.client.event_ms.push_back(ms);
      r.client.event_count = static_cast<int>(r.client.event_ms.size());
      run.results.push_back(r);
    }
  }
  return run;
}

// Runs a command line; returns its exit status.
int run_command(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string chromium(const std::filesystem::path& profile) {
  return std::string("timeout 120 ") + kChromium +
         " --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update"
         " --disable-sync --no-first-run --hide-scrollbars --disable-dev-shm-usage --user-data-dir=" + profile.string();
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Width and height from a PNG's IHDR chunk; {0, 0} when it is not a PNG.
std::pair<uint32_t, uint32_t> png_size(const std::string& png) {
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return {0, 0};
  const auto be32 = [&](std::size_t at) {
    uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<uint8_t>(png[at + i]);
    return value;
  };
  return {be32(16), be32(20)};
}

class ReportsRender : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kChromium))
      GTEST_SKIP() << kChromium << " is missing, so the HTML report is not rendered; install Debian's chromium "
                                   "(apt-get install chromium fonts-dejavu-core) to run this test";
    // One folder per test, so ctest -j can run them side by side.
    out_ = std::filesystem::temp_directory_path() / "midstream-render" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(out_);
    profile_ = std::filesystem::temp_directory_path() / ("midstream-chromium-" + std::to_string(::getpid()));
    std::filesystem::remove_all(profile_);
    std::filesystem::create_directories(profile_);
    write_all(showcase(), (out_ / "report").string());
  }
  void TearDown() override {
    if (!profile_.empty()) std::filesystem::remove_all(profile_);
  }

  // Renders a page of the report to out_/png at 1400x1000 and checks the picture is not blank.
  void screenshot(const std::string& page, const std::string& png) {
    const auto target = out_ / png;
    const std::string command = chromium(profile_) + " --window-size=1400,1000 --screenshot=" + target.string() +
                                " file://" + (out_ / "report" / page).string() + " > " + (out_ / (png + ".log")).string() +
                                " 2>&1";
    ASSERT_EQ(run_command(command), 0) << command << "\n" << read(out_ / (png + ".log"));
    const std::string bytes = read(target);
    EXPECT_EQ(png_size(bytes), (std::pair<uint32_t, uint32_t>{1400, 1000})) << target;
    // A blank 1400x1000 page compresses to a few KB; tables, colours and text take far more.
    EXPECT_GT(bytes.size(), 20000u) << target << " looks blank";
    std::printf("rendered %s\n", target.c_str());
  }

  std::filesystem::path out_;
  std::filesystem::path profile_;
};

TEST_F(ReportsRender, IndexAndCasePageRender) {
  screenshot("index.html", "index.png");
  screenshot("cases/3.1.1-portkey.html", "case-3.1.1-portkey.png");
}

TEST_F(ReportsRender, FilterScriptRunsUnderTheContentSecurityPolicy) {
  const auto dom = out_ / "index.dom.html";
  const std::string command = chromium(profile_) + " --dump-dom file://" + (out_ / "report" / "index.html").string() +
                              " > " + dom.string() + " 2> " + (out_ / "dom.log").string();
  ASSERT_EQ(run_command(command), 0) << read(out_ / "dom.log");
  const std::string text = read(dom);
  // The script unhides the filter and counts the rows: it ran, so its CSP hash is right.
  EXPECT_THAT(text, HasSubstr("<form id=\"filters\">"));
  EXPECT_THAT(text, Not(HasSubstr("<form id=\"filters\" hidden")));
  EXPECT_THAT(text, HasSubstr("6 of 6 scenarios shown"));
}

}  // namespace
}  // namespace midstream::reports
