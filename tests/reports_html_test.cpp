// The HTML report: hostile wire bytes stay text, the index links every case page, each case page
// has its timeline (one bar per attempt), and nothing is fetched from anywhere.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/format.h"
#include "reports/html.h"
#include "reports/reporter.h"
#include "reports/timeline.h"

namespace midstream::reports {
namespace {

using namespace std::string_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// Everything a hostile or broken upstream could put on the wire.
const std::string kHostile =
    "</script><script>alert(1)</script><img src=x onerror=alert(2)> \"quoted\" 'single' & bad\xff\xfe\xc3 nul\0!"s;

class MemorySink : public ReportSink {
 public:
  std::ostream& open(const std::string& relative_path) override {
    auto& stream = files_[relative_path];
    stream = std::make_unique<std::ostringstream>();
    return *stream;
  }
  std::map<std::string, std::string> files() const {
    std::map<std::string, std::string> out;
    for (const auto& [path, stream] : files_) out[path] = stream->str();
    return out;
  }

 private:
  std::map<std::string, std::unique_ptr<std::ostringstream>> files_;
};

AttemptRecord attempt(const std::string& provider, int index, double start, double end, const std::string& fault,
                      bool fired, bool continuation = false) {
  AttemptRecord a;
  a.provider = provider;
  a.dialect = "openai-chat";
  a.index = index;
  a.outcome = fired ? "reset" : "completed";
  a.fault = fault;
  a.fault_fired = fired;
  a.continuation = continuation;
  a.continuation_partial = continuation ? "Hello" : "";
  a.started_ms = start;
  a.ended_ms = end;
  a.request_body = R"({"model":"gpt-4o","stream":true})";
  a.response_bytes = "data: {\"choices\":[]}\n\n";
  return a;
}

RunResults sample() {
  RunResults run;
  run.tool_version = "1.0.0";
  run.started_at = "2024-05-01T12:00:00Z";
  run.targets = {{"embedded", "reference router", {}}, {"process", "router binary", {"resend-partial"}}};

  ScenarioResult base;
  base.category = "3";
  base.file = "scenarios/3-mid-stream/x.json";
  base.front = "chat";
  base.upstreams = {"openai-chat", "anthropic"};
  base.requirement = "A router MUST continue.";
  base.refs = {"Portkey #1797", "https://example.com/issue/1", "javascript:alert(1)"};

  ScenarioResult fallback = base;
  fallback.scenario = "3.1.1";
  fallback.title = "reset after 5 deltas";
  fallback.target = "embedded";
  fallback.verdict = Verdict::Pass;
  fallback.reason = "every check held";
  fallback.duration_ms = 9;
  fallback.checks = {{"text.exact", Severity::Must, true, "Hello world", "Hello world", ""}};
  fallback.attempts = {attempt("primary", 1, 0.5, 3.0, "after_deltas:5 reset", true),
                       attempt("primary", 2, 3.2, 3.4, "before_status status:503", true),
                       attempt("backup", 1, 4.0, 8.5, "", false, true)};
  fallback.client.status = 200;
  fallback.client.text = "Hello world";
  fallback.client.end = "complete";
  fallback.client.event_ms = {1.0, 1.5, 2.0, 5.0, 6.0, 8.0};
  run.results.push_back(fallback);

  ScenarioResult hostile = base;
  hostile.scenario = "3.2.1";
  hostile.title = kHostile;
  hostile.requirement = kHostile;
  hostile.refs.push_back(kHostile);
  hostile.target = "process";
  hostile.front = "responses";
  hostile.verdict = Verdict::Fail;
  hostile.reason = kHostile;
  hostile.duration_ms = 20;
  hostile.checks = {{"text.exact", Severity::Must, false, kHostile, kHostile, kHostile},
                    {"usage.exact", Severity::Should, true, "1", "1", ""}};
  hostile.attempts = {attempt(kHostile, 1, 1, 2, kHostile, true)};
  hostile.attempts[0].request_body = kHostile;
  hostile.attempts[0].response_bytes = kHostile;
  hostile.attempts[0].dialect = kHostile;
  hostile.client.text = kHostile;
  hostile.client.body = kHostile;
  hostile.client.end = kHostile;
  hostile.client.event_ms = {1.5};
  run.results.push_back(hostile);

  ScenarioResult plain = base;
  plain.scenario = "1.1";
  plain.category = "1";
  plain.file = "scenarios/1-retry/1.1.json";
  plain.title = "retry once";
  plain.target = "process";
  plain.verdict = Verdict::Safe;
  run.results.push_back(plain);
  return run;
}

std::map<std::string, std::string> render(const RunResults& run) {
  MemorySink sink;
  HtmlReporter(sink).finish(run);
  return sink.files();
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

bool valid_utf8(const std::string& text) {
  for (std::size_t at = 0; at < text.size();) {
    char32_t c = 0;
    const std::size_t length = decode_utf8(text, at, c);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

std::set<std::string> case_links(const std::string& index) {
  std::set<std::string> links;
  const std::regex href("href=\"(cases/[^\"]+)\"");
  for (auto it = std::sregex_iterator(index.begin(), index.end(), href); it != std::sregex_iterator(); ++it)
    links.insert((*it)[1].str());
  return links;
}

TEST(ReportsHtml, HostileBytesStayText) {
  const auto files = render(sample());
  ASSERT_EQ(files.size(), 4u);  // index + 3 cases
  for (const auto& [path, page] : files) {
    SCOPED_TRACE(path);
    EXPECT_TRUE(valid_utf8(page));
    EXPECT_THAT(page, Not(HasSubstr("<img")));
    EXPECT_THAT(page, Not(HasSubstr("alert(1)</script>")));
    EXPECT_THAT(page, Not(HasSubstr("<script>alert")));
    EXPECT_THAT(page, Not(HasSubstr("href=\"javascript")));
    EXPECT_THAT(page, Not(HasSubstr("\"quoted\"")));  // quotes are references, so attributes cannot be left
    EXPECT_EQ(page.find('\0'), std::string::npos);
    // Only the index carries a script, exactly one, and it is ours.
    EXPECT_EQ(count(page, "<script"), path == "index.html" ? 1u : 0u);
    EXPECT_EQ(count(page, "</script>"), path == "index.html" ? 1u : 0u);
  }
  const std::string& hostile = files.at("cases/3.2.1-process.html");
  EXPECT_THAT(hostile, HasSubstr("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; "
                                 "&quot;quoted&quot; &#39;single&#39; &amp; bad\uFFFD\uFFFD\uFFFD nul\u2400!"));
  EXPECT_THAT(files.at("index.html"), HasSubstr("&lt;img src=x onerror=alert(2)&gt;"));
}

TEST(ReportsHtml, NothingIsFetched) {
  const auto files = render(sample());
  for (const auto& [path, page] : files) {
    SCOPED_TRACE(path);
    EXPECT_THAT(page, HasSubstr("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));
    EXPECT_THAT(page, Not(HasSubstr("<link")));
    EXPECT_THAT(page, Not(HasSubstr("src=\"http")));
    EXPECT_THAT(page, Not(HasSubstr("@import")));
  }
  // The index's one script is allowed by its hash, and by nothing else.
  const std::string& index = files.at("index.html");
  const std::size_t open = index.find("<script>") + 8;
  const std::string script = index.substr(open, index.find("</script>") - open);
  EXPECT_THAT(index, HasSubstr("script-src 'sha256-" + html::sha256_base64(script) + "'"));
  EXPECT_THAT(files.at("cases/3.1.1-embedded.html"), HasSubstr("script-src 'none'"));
}

TEST(ReportsHtml, Sha256KnownAnswers) {
  EXPECT_EQ(html::sha256_base64(""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  EXPECT_EQ(html::sha256_base64("abc"), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  EXPECT_EQ(html::sha256_base64("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "JI1qYdIGOLjlwCaTDD5gOaM85Flk/yFn9uzt1BnbBsE=");
}

TEST(ReportsHtml, IndexIsAMatrixWithAFilter) {
  const std::string index = render(sample()).at("index.html");
  EXPECT_THAT(index, HasSubstr("<th>embedded</th><th>process</th>"));
  EXPECT_LT(index.find("1 \u00B7 retry"), index.find("3 \u00B7 mid-stream"));  // categories in id order
  EXPECT_THAT(index, HasSubstr("<form id=\"filters\" hidden>"));
  EXPECT_THAT(index, HasSubstr("<option value=\"responses\">responses</option>"));
  EXPECT_THAT(index, HasSubstr("<option value=\"anthropic\">anthropic</option>"));
  EXPECT_THAT(index, HasSubstr("data-verdicts=\"pass\" data-front=\"chat\" data-dialects=\"openai-chat anthropic\""));
  EXPECT_THAT(index, HasSubstr("<td class=\"cell v-fail\"><a href=\"cases/3.2.1-process.html\""));
  EXPECT_THAT(index, HasSubstr("<td class=\"cell missing\">\u2014</td>"));  // 3.1.1 was not run on process
  EXPECT_THAT(index, HasSubstr("3 attempts \u00B7 retry, fallback, continued \u00B7 9 ms"));
  EXPECT_EQ(count(index, "<tbody class=\"category\">"), 2u);
}

TEST(ReportsHtml, CasePageHasChecksWireAndTimeline) {
  const auto files = render(sample());
  const std::string& page = files.at("cases/3.2.1-process.html");
  EXPECT_THAT(page, HasSubstr("<a href=\"../index.html\">"));
  EXPECT_THAT(page, HasSubstr("<blockquote>"));
  EXPECT_THAT(page, HasSubstr("<a href=\"https://example.com/issue/1\""));
  EXPECT_EQ(count(page, "<tr class=\"failed\">"), 1u);
  EXPECT_EQ(count(page, "<tr class=\"passed\">"), 1u);
  EXPECT_THAT(page, HasSubstr("client \u21C4 router"));
  EXPECT_THAT(page, HasSubstr("router \u21C4 providers"));
  EXPECT_THAT(page, HasSubstr("<mark class=\"fault\">\u26A1 fault fired here: "));
  EXPECT_THAT(page, HasSubstr("<svg class=\"timeline\""));

  const std::string& fallback = files.at("cases/3.1.1-embedded.html");
  // A fault before the status is marked before the bytes; a mid-stream one after them.
  EXPECT_THAT(fallback, HasSubstr("<pre><mark class=\"fault\">\u26A1 fault fired here, before any response byte: "
                                  "before_status status:503</mark>\ndata:"));
  EXPECT_THAT(fallback, HasSubstr("\n\n<mark class=\"fault\">\u26A1 fault fired here: after_deltas:5 reset</mark></pre>"));
  EXPECT_THAT(fallback, HasSubstr("Hello<mark class=\"seam\""));  // the seam in the client's text
  EXPECT_THAT(fallback, HasSubstr("&quot;model&quot;: &quot;gpt-4o&quot;"));  // request bodies pretty-printed
}

TEST(ReportsHtml, TimelineHasOneBarPerAttempt) {
  const RunResults run = sample();
  const ScenarioResult& fallback = run.results[0];
  const std::string svg = timeline_svg(fallback);
  EXPECT_EQ(count(svg, "<rect class=\"attempt "), fallback.attempts.size());
  EXPECT_EQ(count(svg, "<path class=\"fault-marker\""), 2u);
  EXPECT_EQ(count(svg, "<line class=\"event\""), fallback.client.event_ms.size());
  EXPECT_EQ(count(svg, "<g class=\"commit\">"), 1u);
  EXPECT_EQ(count(svg, "<g class=\"seam\">"), 1u);
  EXPECT_EQ(count(svg, "<rect class=\"lane\""), 3u);  // client, primary, backup
  EXPECT_THAT(svg, HasSubstr(">primary</text>"));
  EXPECT_THAT(svg, HasSubstr(">backup</text>"));

  // Every case page carries its timeline with one bar per attempt.
  const auto files = render(run);
  const auto pages = HtmlReporter::case_pages(run);
  for (std::size_t i = 0; i < run.results.size(); ++i)
    EXPECT_EQ(count(files.at(pages[i]), "<rect class=\"attempt "), run.results[i].attempts.size()) << pages[i];

  ScenarioResult empty;
  EXPECT_EQ(count(timeline_svg(empty), "<rect class=\"attempt "), 0u);
  EXPECT_THAT(timeline_svg(empty), HasSubstr("</svg>"));
}

TEST(ReportsHtml, CasePageNamesAreSafeAndUnique) {
  RunResults run;
  ScenarioResult a;
  a.scenario = "1.1";
  a.target = "../etc/x";
  ScenarioResult b = a;
  b.target = ".._etc_x";  // the same name once a's slashes are replaced
  run.results = {a, b};
  const auto pages = HtmlReporter::case_pages(run);
  EXPECT_EQ(pages[0], "cases/1.1-.._etc_x.html");
  EXPECT_EQ(pages[1], "cases/1.1-.._etc_x-2.html");
}

TEST(ReportsHtml, WriteAllWritesEveryFormatAndEveryLinkedPage) {
  const auto dir = std::filesystem::temp_directory_path() / ("midstream-html-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const RunResults run = sample();
  const auto written = write_all(run, dir.string());
  EXPECT_EQ(written, (std::vector<std::string>{(dir / "results.json").string(), (dir / "junit.xml").string(),
                                               (dir / "scorecard.md").string(), (dir / "index.html").string()}));
  for (const auto& path : written) EXPECT_TRUE(std::filesystem::is_regular_file(path)) << path;

  std::ifstream in(dir / "index.html");
  const std::string index((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::set<std::string> links = case_links(index);
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "cases"))
    on_disk.insert("cases/" + entry.path().filename().string());
  const auto pages = HtmlReporter::case_pages(run);
  EXPECT_EQ(links, std::set<std::string>(pages.begin(), pages.end()));
  EXPECT_EQ(links, on_disk);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace midstream::reports
