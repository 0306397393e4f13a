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
          StreamEvent::text_delta("jumps over the lazy dog."), StreamEvent::finish("stop"),
          StreamEvent::end()};
}

// A whole chat stream whose text is the pieces, in order.
std::string chat_bytes(const std::vector<std::string>& pieces) {
  std::vector<StreamEvent> events{StreamEvent::preamble("chatcmpl-1", "m")};
  for (const auto& piece : pieces) events.push_back(StreamEvent::text_delta(piece));
  events.push_back(StreamEvent::finish("stop"));
  events.push_back(StreamEvent::end());
  return wire::encode_stream(wire::Dialect::OpenAIChat, {"chatcmpl-1", "m", 0, true}, events);
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
  const std::string data_only = without_event_lines(responses_bytes(whole_answer()));
  const Graded g = run(responses_scenario(), streamed_200(data_only));
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
  const Graded g = run(s, streamed_200(chat_bytes({kAnswer})));
  EXPECT_EQ(g.grade.verdict, reports::Verdict::Pass) << g.grade.reason;
  EXPECT_EQ(g.find("stream.event_lines"), nullptr);
}

// continuation.carries_partial, judged against what the client had when the primary failed.
class Continuation : public testing::Test {
 protected:
  void SetUp() override {
    scenario_ = responses_scenario();
    scenario_.client.front = Front::Chat;
    fakes::ProviderConfig backup = scenario_.providers.front();
    backup.name = "backup";
    scenario_.providers.push_back(backup);
    scenario_.expect.continuation = {"backup"};
    primary_.index = 1;
    primary_.has_request = true;
    primary_.fault = fakes::FaultSpec{};
    primary_.fault_fired = true;
    primary_.text_sent = "The quick brown fox ";
    primary_.ended = fakes::ExchangeEnd::Reset;
    backup_ = primary_;
    backup_.fault.reset();
    backup_.fault_fired = false;
    backup_.ended = fakes::ExchangeEnd::Completed;
  }

  reports::CheckResult check(const std::vector<std::string>& client_pieces) {
    const Graded g = run(scenario_, streamed_200(chat_bytes(client_pieces)),
                         {{"primary", {primary_}}, {"backup", {backup_}}});
    const auto* c = g.find("continuation.carries_partial");
    EXPECT_NE(c, nullptr);
    return c ? *c : reports::CheckResult{};
  }

  Scenario scenario_;
  fakes::JournalEntry primary_, backup_;
};

// The router had forwarded none of the primary's text: a plain replay gives the exact answer.
TEST_F(Continuation, APlainReplayHoldsWhenTheClientHadNothing) {
  backup_.text_sent = kAnswer;
  const auto c = check({kAnswer});
  EXPECT_TRUE(c.passed) << c.actual;
  EXPECT_THAT(c.actual, HasSubstr("the client had no text to continue"));
}

TEST_F(Continuation, APlainReplayFailsWhenTheClientHadText) {
  backup_.text_sent = kAnswer;
  const auto c = check({"The quick brown fox ", kAnswer});
  EXPECT_FALSE(c.passed);
  EXPECT_THAT(c.actual, HasSubstr("although the client had \"The quick brown fox \""));
}

TEST_F(Continuation, AContinuationCarryingWhatTheClientHadHolds) {
  backup_.continuation = true;
  backup_.partial = "The quick brown fox ";
  backup_.text_sent = "jumps over the lazy dog.";
  EXPECT_TRUE(check({"The quick brown fox ", "jumps over the lazy dog."}).passed);
}

TEST_F(Continuation, NoRequestAtTheFallbackFails) {
  const auto body = streamed_200(chat_bytes({kAnswer}));
  const Graded g = run(scenario_, body, {{"primary", {primary_}}, {"backup", {}}});
  ASSERT_NE(g.find("continuation.carries_partial"), nullptr);
  EXPECT_FALSE(g.find("continuation.carries_partial")->passed);
  EXPECT_EQ(g.find("continuation.carries_partial")->actual, "no continuation request at backup");
}

// safe_ok: finish.single and responses.lifecycle judge the ending that happened, so a clean error
// after content can grade SAFE; a repeat before the error, or a silent truncation, cannot.
wire::ErrorInfo cut_off() {
  wire::ErrorInfo error;
  error.type = "server_error";
  error.message = "the answer was cut off";
  return error;
}

class SafeOk : public testing::Test {
 protected:
  void SetUp() override {
    scenario_ = responses_scenario();
    scenario_.expect.safe_ok = true;
  }

  Graded error_after(Front front, const std::vector<std::string>& pieces) {
    scenario_.client.front = front;
    const auto dialect =
        front == Front::Chat ? wire::Dialect::OpenAIChat : wire::Dialect::OpenAIResponses;
    std::vector<StreamEvent> events{StreamEvent::preamble("resp_1", "m")};
    for (const auto& piece : pieces) events.push_back(StreamEvent::text_delta(piece));
    events.push_back(StreamEvent::error_event(cut_off()));
    const std::string bytes = wire::encode_stream(dialect, {"resp_1", "m", 0, true}, events);
    return run(scenario_, streamed_200(bytes));
  }

  Scenario scenario_;
};

TEST_F(SafeOk, ACleanChatErrorAfterContentIsSafe) {
  const Graded g = error_after(Front::Chat, {"The quick ", "brown fox "});
  EXPECT_EQ(g.grade.verdict, reports::Verdict::Safe) << g.grade.reason;
  EXPECT_TRUE(g.find("finish.single")->passed) << g.find("finish.single")->actual;
}

TEST_F(SafeOk, ACleanResponsesFailureAfterContentIsSafe) {
  const Graded g = error_after(Front::Responses, {"The quick ", "brown fox "});
  EXPECT_EQ(g.grade.verdict, reports::Verdict::Safe) << g.grade.reason;
  EXPECT_TRUE(g.find("finish.single")->passed) << g.find("finish.single")->actual;
  EXPECT_TRUE(g.find("responses.lifecycle")->passed) << g.find("responses.lifecycle")->actual;
}

TEST_F(SafeOk, WithoutSafeOkTheSameErrorFails) {
  scenario_.expect.safe_ok = false;
  const Graded g = error_after(Front::Chat, {"The quick ", "brown fox "});
  EXPECT_EQ(g.grade.verdict, reports::Verdict::Fail);
  EXPECT_EQ(g.grade.reason, "MUST failed: outcome (+1 more)");
}

TEST_F(SafeOk, ARepeatBeforeTheErrorIsNotSafe) {
  const Graded g = error_after(Front::Chat, {"The quick ", "The quick "});
  EXPECT_EQ(g.grade.verdict, reports::Verdict::Fail);
  EXPECT_EQ(g.grade.reason, "a clean error, but the text before it is not the answer's beginning");
}

TEST_F(SafeOk, ASilentTruncationIsFail) {
  scenario_.client.front = Front::Chat;
  const Graded g = run(scenario_, streamed_200(chat_bytes({"The quick ", "brown fox "})));
  EXPECT_EQ(g.grade.verdict, reports::Verdict::Fail);
  EXPECT_EQ(g.grade.reason, "a truncated answer was presented as complete");
}

// What an error stream must not carry: a finish reason before the error.
TEST_F(SafeOk, AFinishBeforeTheErrorFailsFinishSingle) {
  scenario_.client.front = Front::Chat;
  const std::vector<StreamEvent> events{
      StreamEvent::preamble("chatcmpl-1", "m"), StreamEvent::text_delta("The quick "),
      StreamEvent::finish("stop"), StreamEvent::error_event(cut_off())};
  const std::string bytes =
      wire::encode_stream(wire::Dialect::OpenAIChat, {"chatcmpl-1", "m", 0, true}, events);
  const Graded g = run(scenario_, streamed_200(bytes));
  EXPECT_FALSE(g.find("finish.single")->passed);
  EXPECT_EQ(g.find("finish.single")->actual, "finish_reason stop");
  EXPECT_EQ(g.grade.verdict, reports::Verdict::Fail);
}

// A repeated answer presented as complete is named a repeat, not a truncation (issue 14).
TEST(TextFailures, ARepeatPresentedAsCompleteIsNamedARepeat) {
  Scenario s = responses_scenario();
  s.client.front = Front::Chat;
  const Graded g = run(s, streamed_200(chat_bytes({"The quick brown fox jumps", kAnswer})));
  EXPECT_EQ(g.grade.verdict, reports::Verdict::Fail);
  EXPECT_EQ(g.grade.reason, "an answer with a repeat of 25 bytes at the seam (at byte 25) was "
                           "presented as complete");
  EXPECT_THAT(g.find("text.exact")->actual,
              HasSubstr("repeat of 25 bytes at the seam, at byte 25: expected \"... brown fox"));
}

TEST(TextFailures, AGapAndACutAreNamedSo) {
  Scenario s = responses_scenario();
  s.client.front = Front::Chat;
  Graded g = run(s, streamed_200(chat_bytes({"The quick brown fox ", "over the lazy dog."})));
  EXPECT_EQ(g.grade.reason,
            "an answer with a gap of 6 bytes (at byte 20) was presented as complete");
  EXPECT_THAT(g.find("text.exact")->actual, HasSubstr("gap of 6 bytes, at byte 20"));
  g = run(s, streamed_200(chat_bytes({"The quick brown fox "})));
  EXPECT_EQ(g.grade.reason, "a truncated answer was presented as complete");
}

TEST(TextFailures, ARepeatBeforeAnErrorIsNamedInTextPrefix) {
  Scenario s = responses_scenario();
  s.client.front = Front::Chat;
  s.expect.outcome = Outcome::Error;
  s.expect.in_band_error = true;
  const std::vector<StreamEvent> events{
      StreamEvent::preamble("chatcmpl-1", "m"), StreamEvent::text_delta("The quick "),
      StreamEvent::text_delta("The quick brown"), StreamEvent::error_event(cut_off())};
  const std::string bytes =
      wire::encode_stream(wire::Dialect::OpenAIChat, {"chatcmpl-1", "m", 0, true}, events);
  const Graded g = run(s, streamed_200(bytes));
  ASSERT_NE(g.find("text.prefix"), nullptr);
  EXPECT_FALSE(g.find("text.prefix")->passed);
  EXPECT_THAT(g.find("text.prefix")->actual,
              HasSubstr("repeat of 10 bytes at the seam, at byte 10"));
}

// responses.output_items: the fallback goes on writing into the item the client already has.
TEST(OutputItems, OneEncoderAcrossTheSeamIsConsistent) {
  const Graded g = run(responses_scenario(), streamed_200(responses_bytes(whole_answer())));
  ASSERT_NE(g.find("responses.output_items"), nullptr);
  EXPECT_TRUE(g.find("responses.output_items")->passed) << g.find("responses.output_items")->actual;
}

// A router that encodes each attempt afresh adds the message item again at output_index 0 (the
// openai Python SDK crashes on it).
TEST(OutputItems, AnItemAddedAgainAtIndexZeroFails) {
  const wire::EncoderOptions options{"resp_1", "m", 0, true};
  const std::string first = wire::encode_stream(
      wire::Dialect::OpenAIResponses, options,
      {StreamEvent::preamble("resp_1", "m"), StreamEvent::text_delta("The quick brown fox ")});
  const std::string second = wire::encode_stream(
      wire::Dialect::OpenAIResponses, options,
      {StreamEvent::text_delta("jumps over the lazy dog."), StreamEvent::finish("stop"),
       StreamEvent::end()});
  const Graded g = run(responses_scenario(), streamed_200(first + second));
  const auto* items = g.find("responses.output_items");
  ASSERT_NE(items, nullptr);
  EXPECT_FALSE(items->passed);
  EXPECT_THAT(items->actual, HasSubstr("output_index taken again by msg_1_0 at output_index 0"));
  EXPECT_THAT(items->actual, HasSubstr("item added again: msg_1_0"));
  EXPECT_THAT(items->actual, HasSubstr("2 message items"));
  EXPECT_EQ(g.grade.verdict, reports::Verdict::Fail);
}

TEST(OutputItems, DeltasUnderAnotherItemFail) {
  std::string bytes = responses_bytes(whole_answer());
  const std::string second_delta = "\"delta\":\"jumps over the lazy dog.\",\"item_id\":\"msg_1_0\"";
  const size_t at = bytes.find(second_delta);
  ASSERT_NE(at, std::string::npos) << bytes;
  std::string moved = second_delta;
  moved.replace(moved.find("msg_1_0"), 7, "msg_2_0");
  bytes.replace(at, second_delta.size(), moved);
  const Graded g = run(responses_scenario(), streamed_200(bytes));
  EXPECT_FALSE(g.find("responses.output_items")->passed);
  EXPECT_EQ(g.find("responses.output_items")->actual,
            "output_text.delta for msg_2_0 at output_index 0, not the message item msg_1_0");
}

}  // namespace
}  // namespace midstream::harness
