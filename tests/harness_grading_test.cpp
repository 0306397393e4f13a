// Grading that separates framing from fallback (issue 14): streams built with the front's own
// encoder, read back through read_front, checked and graded as a run would, without a router.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "harness/checks.h"
#include "harness/front_view.h"
#include "wire/codec.h"

namespace midstream::harness {
namespace {

using testing::HasSubstr;
using wire::StreamEvent;

constexpr const char* kAnswer = "The quick brown fox jumps over the lazy dog.";

Scenario responses_scenario() {
  Scenario s;
  s.id = "0.0.1";
  fakes::ProviderConfig p;
  p.name = "primary";
  p.answer = kAnswer;
  s.providers.push_back(p);
  s.client.front = Front::Responses;
  s.expect.usage = false;
  return s;
}

std::vector<StreamEvent> whole_answer() {
  return {StreamEvent::preamble("resp_1", "m"), StreamEvent::text_delta("The quick brown fox "),
          StreamEvent::text_delta("jumps over the lazy dog."), StreamEvent::finish("stop"), StreamEvent::end()};
}

std::string responses_bytes(const std::vector<StreamEvent>& events) {
  return wire::encode_stream(wire::Dialect::OpenAIResponses, {"resp_1", "m", 0, true}, events);
}

// The same stream framed as LiteLLM frames it: `data:` lines only.
std::string without_event_lines(const std::string& bytes) {
  std::string out;
  size_t start = 0;
  while (start < bytes.size()) {
    size_t end = bytes.find('\n', start);
    end = end == std::string::npos ? bytes.size() : end + 1;
    if (bytes.compare(start, 6, "event:") != 0) out.append(bytes, start, end - start);
    start = end;
  }
  return out;
}

ClientTranscript streamed_200(const std::string& body) {
  ClientTranscript t;
  t.status = 200;
  t.headers = {{"content-type", "text/event-stream"}};
  t.body = body;
  t.end = net::StreamEnd::Complete;
  return t;
}

struct Graded {
  std::vector<reports::CheckResult> checks;
  Grade grade;
  const reports::CheckResult* find(const std::string& id) const {
    for (const auto& c : checks)
      if (c.id == id) return &c;
    return nullptr;
  }
};

Graded run(const Scenario& s, const ClientTranscript& t,
           std::map<std::string, std::vector<fakes::JournalEntry>> journals = {}) {
  const FrontView view = read_front(s.client, t);
  const Observation o{s, t, view, std::move(journals), true, "", router::UsagePolicy::Billed, 1.0};
  Graded g;
  g.checks = run_checks(o);
  g.grade = grade(s, g.checks, o);
  return g;
}

TEST(EventLines, AResponsesStreamWithDataLinesOnlyIsNonStrictNotFail) {
  const Graded g = run(responses_scenario(), streamed_200(without_event_lines(responses_bytes(whole_answer()))));
  EXPECT_EQ(g.grade.verdict, reports::Verdict::NonStrict) << g.grade.reason;
  ASSERT_NE(g.find("stream.well_formed"), nullptr);
  EXPECT_TRUE(g.find("stream.well_formed")->passed) << g.find("stream.well_formed")->actual;
  const auto* lines = g.find("stream.event_lines");
  ASSERT_NE(lines, nullptr);
  EXPECT_FALSE(lines->passed);
  EXPECT_EQ(lines->severity, reports::Severity::Should);
  EXPECT_THAT(lines->actual, HasSubstr("without an event: line (first: response.created)"));
}

TEST(EventLines, EveryEventNamedPasses) {
  const Graded g = run(responses_scenario(), streamed_200(responses_bytes(whole_answer())));
  EXPECT_EQ(g.grade.verdict, reports::Verdict::Pass) << g.grade.reason;
  ASSERT_NE(g.find("stream.event_lines"), nullptr);
  EXPECT_TRUE(g.find("stream.event_lines")->passed);
}

TEST(EventLines, AnEventLineThatContradictsTheTypeIsStillMalformed) {
  std::string bytes = responses_bytes(whole_answer());
  const std::string named = "event: response.output_text.delta\n";
  bytes.replace(bytes.find(named), named.size(), "event: response.completed\n");
  const Graded g = run(responses_scenario(), streamed_200(bytes));
  EXPECT_EQ(g.grade.verdict, reports::Verdict::Fail);
  EXPECT_FALSE(g.find("stream.well_formed")->passed);
  EXPECT_TRUE(g.find("stream.event_lines")->passed);
}

TEST(EventLines, ChatStreamsAreNotJudged) {
  Scenario s = responses_scenario();
  s.client.front = Front::Chat;
  const std::string chat = wire::encode_stream(wire::Dialect::OpenAIChat, {"chatcmpl-1", "m", 0, true},
                                               whole_answer());
  const Graded g = run(s, streamed_200(chat));
  EXPECT_EQ(g.grade.verdict, reports::Verdict::Pass) << g.grade.reason;
  EXPECT_EQ(g.find("stream.event_lines"), nullptr);
}

}  // namespace
}  // namespace midstream::harness
