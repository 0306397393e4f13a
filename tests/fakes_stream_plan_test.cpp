// A fake's streamed answer as a plan, without sockets: the head, the SSE chunks, the pauses and
// the planned fault's action at its exact protocol position (fakes/stream_plan.h). The playback
// on a real socket is fakes_wire_test's.
#include "fakes/stream_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wire/codec.h"

namespace midstream::fakes {

// Readable failures (found by ADL).
void PrintTo(const StreamStep& step, std::ostream* os) {
  using Kind = StreamStep::Kind;
  switch (step.kind) {
    case Kind::Chunk: *os << "chunk(" << testing::PrintToString(step.bytes) << ")"; return;
    case Kind::Pause: *os << "pause(" << step.ms << "ms)"; return;
    case Kind::Fire: *os << "fire"; return;
    case Kind::Drain: *os << "drain"; return;
    case Kind::Reset: *os << "reset"; return;
    case Kind::Close: *os << "close"; return;
    case Kind::End: *os << "end(" << step.end << ")"; return;
  }
}

namespace {

using Kind = StreamStep::Kind;
using testing::ElementsAre;
using wire::EventKind;

constexpr const char* kAnswer = "The quick brown fox jumps over the lazy dog.";  // 9 words

struct Case {
  ProviderConfig config;
  wire::CanonicalRequest request;
  ModelReply reply;
  wire::EncoderOptions options;
};

Case case_of(wire::Dialect dialect, bool include_usage = true) {
  Case c;
  c.config.name = "p";
  c.config.dialect = dialect;
  c.config.answer = kAnswer;
  c.request.model = "m";
  c.request.messages = {{"user", "Tell me about foxes"}};
  c.request.stream = true;
  c.request.include_usage = include_usage;
  c.reply = answer_request(c.request, c.config.answer);
  c.options = stream_options(c.config, c.request, 1);
  return c;
}

FaultSpec fault_of(const std::string& json) {
  const nlohmann::json value = nlohmann::json::parse(json);
  wire::ObjectReader reader(value, "test", "/fault");
  return parse_fault(reader);
}

StreamPlan plan_of(const Case& c, const std::optional<FaultSpec>& fault, bool keep_alive = true) {
  return plan_stream(c.config, c.options, c.reply, fault, keep_alive);
}

std::vector<Kind> kinds(const std::vector<StreamStep>& steps) {
  std::vector<Kind> out;
  for (const auto& step : steps) out.push_back(step.kind);
  return out;
}

// Every chunk's bytes, in order, as the client would read them.
std::string chunk_bytes(const std::vector<StreamStep>& steps) {
  std::string out;
  for (const auto& step : steps)
    if (step.kind == Kind::Chunk) out += step.bytes;
  return out;
}

std::vector<EventKind> event_kinds(wire::Dialect dialect, const std::string& bytes) {
  std::vector<EventKind> out;
  for (const auto& event : wire::decode_stream(dialect, bytes)) out.push_back(event.kind);
  return out;
}

// The steps before the fault fires.
std::vector<StreamStep> before_fire(const StreamPlan& plan) {
  std::vector<StreamStep> out;
  for (const auto& step : plan.steps) {
    if (step.kind == Kind::Fire) break;
    out.push_back(step);
  }
  return out;
}

const wire::Dialect kDialects[] = {wire::Dialect::OpenAIChat, wire::Dialect::OpenAIResponses,
                                   wire::Dialect::Anthropic};

const char* const kFaults[] = {
    R"({"at": "after_headers", "action": "close"})",
    R"({"at": "after_preamble", "action": "stall", "ms": 50})",
    R"({"at": "after_deltas", "n": 3, "action": "reset"})",
    R"({"at": "after_deltas", "n": 2, "action": "error_event"})",
    R"({"at": "after_deltas", "n": 1, "action": "malformed"})",
    R"({"at": "after_deltas", "n": 4, "action": "duplicate_event"})",
    R"({"at": "after_deltas", "n": 2, "action": "slow", "ms": 30})",
    R"({"at": "after_deltas", "n": 2, "action": "drip", "bytes": 5})",
    R"({"at": "mid_event", "n": 1, "action": "reset"})",
    R"({"at": "mid_event", "n": 2, "action": "error_event"})",
    R"({"at": "mid_event", "n": 0, "action": "stall", "ms": 20})",
    R"({"at": "before_terminal", "action": "truncate"})",
    R"({"at": "after_usage", "action": "close"})",
};

TEST(StreamPlan, ResetAfterThreeDeltasPlansThreeDeltaFramesThenAReset) {
  const Case c = case_of(wire::Dialect::OpenAIChat);
  const StreamPlan plan =
      plan_of(c, fault_of(R"({"at": "after_deltas", "n": 3, "action": "reset"})"));
  EXPECT_THAT(kinds(plan.steps), ElementsAre(Kind::Chunk, Kind::Chunk, Kind::Chunk, Kind::Chunk,
                                             Kind::Drain, Kind::Fire, Kind::Reset));
  const auto events = wire::decode_stream(c.config.dialect, chunk_bytes(plan.steps));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].kind, EventKind::Preamble);
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(events[i].kind, EventKind::TextDelta);
  EXPECT_EQ(events[1].text + events[2].text + events[3].text, "The quick brown");
}

TEST(StreamPlan, CleanPlanIsTheWholeAnswerThenTheChunkedEnd) {
  for (const auto dialect : kDialects) {
    const Case c = case_of(dialect);
    const StreamPlan plan = plan_of(c, std::nullopt);
    ASSERT_FALSE(plan.steps.empty());
    EXPECT_EQ(plan.steps.back(), StreamStep::finish(ExchangeEnd::Completed));
    for (const auto& step : plan.steps)
      EXPECT_NE(step.kind, Kind::Fire) << wire::to_string(dialect);
    wire::Completion folded;
    for (const auto& event : wire::decode_stream(dialect, chunk_bytes(plan.steps)))
      wire::accumulate(folded, event);
    EXPECT_EQ(folded.text, kAnswer) << wire::to_string(dialect);
    EXPECT_EQ(folded.finish_reason, "stop");
    // The bytes are the dialect's encoder's for the reply's events.
    const auto events = reply_events(c.config, c.options, c.reply);
    EXPECT_EQ(chunk_bytes(plan.steps), wire::encode_stream(dialect, c.options, events));
  }
}

// The head never depends on the script: a provider cannot know it is about to fail.
TEST(StreamPlan, TheHeadNeverDependsOnTheFault) {
  for (const auto dialect : kDialects) {
    const Case c = case_of(dialect);
    for (const bool keep_alive : {true, false}) {
      const std::string clean = plan_of(c, std::nullopt, keep_alive).head;
      EXPECT_THAT(clean, testing::StartsWith("HTTP/1.1 200 OK\r\n"));
      EXPECT_THAT(clean, testing::HasSubstr(keep_alive ? "Connection: keep-alive\r\n"
                                                       : "Connection: close\r\n"));
      for (const char* fault : kFaults)
        EXPECT_EQ(plan_of(c, fault_of(fault), keep_alive).head, clean) << fault;
    }
  }
}

// Nothing of the fault shows before it fires: the bytes before it are the clean answer's.
TEST(StreamPlan, EverythingBeforeTheFaultIsTheCleanAnswer) {
  for (const auto dialect : kDialects) {
    const Case c = case_of(dialect);
    const std::string clean = chunk_bytes(plan_of(c, std::nullopt).steps);
    for (const char* fault : kFaults) {
      const StreamPlan plan = plan_of(c, fault_of(fault));
      if (dialect == wire::Dialect::OpenAIResponses &&
          std::string(fault).find("after_usage") != std::string::npos) {
        // Responses reports usage in its terminal event: there is no "after usage" to stop at.
        EXPECT_EQ(plan.steps, plan_of(c, std::nullopt).steps);
        continue;
      }
      const std::string before = chunk_bytes(before_fire(plan));
      EXPECT_EQ(clean.substr(0, before.size()), before) << fault;
      EXPECT_LT(before.size(), clean.size()) << fault;
      EXPECT_EQ(std::count_if(plan.steps.begin(), plan.steps.end(),
                              [](const StreamStep& s) { return s.kind == Kind::Fire; }),
                1)
          << fault;
    }
  }
}

TEST(StreamPlan, MidEventErrorCutsTheEventThenSendsTheErrorAsAnEventOfItsOwn) {
  const Case c = case_of(wire::Dialect::OpenAIChat);
  const StreamPlan plan =
      plan_of(c, fault_of(R"({"at": "mid_event", "n": 2, "action": "error_event"})"));
  const StreamPlan clean = plan_of(c, std::nullopt);
  ASSERT_THAT(kinds(plan.steps), ElementsAre(Kind::Chunk, Kind::Chunk, Kind::Chunk, Kind::Chunk,
                                             Kind::Fire, Kind::Chunk, Kind::End));
  const std::string& whole = clean.steps[3].bytes;  // the third delta
  EXPECT_EQ(plan.steps[3].bytes, whole.substr(0, whole.size() / 2));
  EXPECT_THAT(plan.steps[5].bytes, testing::StartsWith("\n\ndata: {\"error\":"));
  EXPECT_EQ(plan.steps[6].end, ExchangeEnd::ErrorEvent);
  EXPECT_THAT(event_kinds(c.config.dialect, chunk_bytes(plan.steps)),
              ElementsAre(EventKind::Preamble, EventKind::TextDelta, EventKind::TextDelta,
                          EventKind::Malformed, EventKind::Error));
}

// The in-band error continues the stream: Responses numbers it after the events before it.
TEST(StreamPlan, ResponsesErrorEventContinuesTheSequenceNumbers) {
  const Case c = case_of(wire::Dialect::OpenAIResponses);
  const StreamPlan plan =
      plan_of(c, fault_of(R"({"at": "after_deltas", "n": 2, "action": "error_event"})"));
  ASSERT_GE(plan.steps.size(), 3u);
  const std::string before = chunk_bytes(before_fire(plan));
  const std::string error = plan.steps[plan.steps.size() - 2].bytes;
  int64_t last = -1;
  wire::SseFramer framer;
  std::vector<int64_t> numbers;
  framer.feed(before + error, [&](const wire::SseEvent& event) {
    numbers.push_back(nlohmann::json::parse(event.data).value("sequence_number", int64_t{-1}));
  });
  ASSERT_GE(numbers.size(), 2u);
  for (const int64_t n : numbers) {
    EXPECT_EQ(n, last + 1);
    last = n;
  }
  EXPECT_EQ(plan.steps.back(), StreamStep::finish(ExchangeEnd::ErrorEvent));
}

TEST(StreamPlan, StallAndCorruptionCarryOnWithTheRestOfTheAnswer) {
  const Case c = case_of(wire::Dialect::Anthropic);
  const StreamPlan clean = plan_of(c, std::nullopt);
  const StreamPlan stall =
      plan_of(c, fault_of(R"({"at": "after_preamble", "action": "stall", "ms": 75})"));
  ASSERT_GE(stall.steps.size(), 3u);
  EXPECT_EQ(stall.steps[1], StreamStep::of(Kind::Fire));
  EXPECT_EQ(stall.steps[2], StreamStep::pause(75));
  std::vector<StreamStep> rest(stall.steps.begin() + 3, stall.steps.end());
  EXPECT_EQ(rest, std::vector<StreamStep>(clean.steps.begin() + 1, clean.steps.end()));

  const StreamPlan malformed =
      plan_of(c, fault_of(R"({"at": "after_deltas", "n": 1, "action": "malformed"})"));
  const auto fire =
      std::find(malformed.steps.begin(), malformed.steps.end(), StreamStep::of(Kind::Fire));
  ASSERT_LT(fire + 2, malformed.steps.end());
  EXPECT_THAT(event_kinds(c.config.dialect, fire[1].bytes), ElementsAre(EventKind::Malformed));
  EXPECT_EQ(fire[2], StreamStep::pause(250));  // the hold: a router that gives up leaves first
  const std::string before = chunk_bytes(before_fire(malformed));
  EXPECT_EQ(chunk_bytes(malformed.steps),
            before + fire[1].bytes + chunk_bytes(clean.steps).substr(before.size()));
  EXPECT_EQ(malformed.steps.back(), StreamStep::finish(ExchangeEnd::Completed));
}

TEST(StreamPlan, DuplicateEventSendsTheNextEventTwice) {
  const Case c = case_of(wire::Dialect::OpenAIChat);
  const StreamPlan clean = plan_of(c, std::nullopt);
  const StreamPlan plan =
      plan_of(c, fault_of(R"({"at": "after_deltas", "n": 4, "action": "duplicate_event"})"));
  // preamble + 4 deltas, fire, the fifth delta, the hold, the fifth delta again, the rest.
  ASSERT_GE(plan.steps.size(), 9u);
  EXPECT_EQ(plan.steps[5], StreamStep::of(Kind::Fire));
  EXPECT_EQ(plan.steps[6], clean.steps[5]);
  EXPECT_EQ(plan.steps[7], StreamStep::pause(250));
  EXPECT_EQ(plan.steps[8], clean.steps[5]);
  EXPECT_EQ(std::vector<StreamStep>(plan.steps.begin() + 9, plan.steps.end()),
            std::vector<StreamStep>(clean.steps.begin() + 6, clean.steps.end()));
}

TEST(StreamPlan, SlowPacesAndDripSplitsEveryEventFromThereOn) {
  const Case c = case_of(wire::Dialect::OpenAIChat);
  const StreamPlan clean = plan_of(c, std::nullopt);
  const StreamPlan slow =
      plan_of(c, fault_of(R"({"at": "after_deltas", "n": 2, "action": "slow", "ms": 30})"));
  EXPECT_EQ(chunk_bytes(slow.steps), chunk_bytes(clean.steps));
  // Before the fault, no pause; from there on a pause of 30 ms before every chunk.
  const auto fire = std::find(slow.steps.begin(), slow.steps.end(), StreamStep::of(Kind::Fire));
  ASSERT_NE(fire, slow.steps.end());
  for (auto it = slow.steps.begin(); it != fire; ++it) EXPECT_EQ(it->kind, Kind::Chunk);
  for (auto it = fire + 1; it + 1 < slow.steps.end(); it += 2) {
    EXPECT_EQ(*it, StreamStep::pause(30));
    EXPECT_EQ(it[1].kind, Kind::Chunk);
  }

  const StreamPlan drip =
      plan_of(c, fault_of(R"({"at": "after_deltas", "n": 2, "action": "drip", "bytes": 5})"));
  EXPECT_EQ(chunk_bytes(drip.steps), chunk_bytes(clean.steps));
  const auto drip_fire =
      std::find(drip.steps.begin(), drip.steps.end(), StreamStep::of(Kind::Fire));
  ASSERT_NE(drip_fire, drip.steps.end());
  for (auto it = drip_fire + 1; it + 1 < drip.steps.end(); ++it) {
    EXPECT_EQ(it->kind, Kind::Chunk);
    EXPECT_LE(it->bytes.size(), 5u);
  }
}

TEST(StreamPlan, EventDelayPausesBeforeEveryEventEvenOneTheDialectDoesNotSend) {
  Case c = case_of(wire::Dialect::OpenAIChat, /*include_usage=*/false);
  c.config.event_delay_ms = 10;
  const StreamPlan plan = plan_of(c, std::nullopt);
  const auto events = reply_events(c.config, c.options, c.reply);
  const auto pauses = std::count(plan.steps.begin(), plan.steps.end(), StreamStep::pause(10));
  EXPECT_EQ(pauses, static_cast<long>(events.size()));  // the usage event has no bytes on chat
  const auto chunks = std::count_if(plan.steps.begin(), plan.steps.end(),
                                    [](const StreamStep& s) { return s.kind == Kind::Chunk; });
  EXPECT_EQ(chunks, static_cast<long>(events.size()) - 1);
}

TEST(StreamPlan, APositionTheAnswerNeverReachesPlansTheCleanAnswer) {
  const Case c = case_of(wire::Dialect::OpenAIChat, /*include_usage=*/false);
  const StreamPlan clean = plan_of(c, std::nullopt);
  for (const char* fault : {R"({"at": "after_deltas", "n": 40, "action": "reset"})",
                            R"({"at": "mid_event", "n": 9, "action": "close"})",
                            R"({"at": "after_usage", "action": "truncate"})"})
    EXPECT_EQ(plan_of(c, fault_of(fault)).steps, clean.steps) << fault;
}

TEST(StreamPlan, ToolCallFragmentsCountAsContentDeltas) {
  Case c = case_of(wire::Dialect::Anthropic);
  c.config.answer = "Checking.";
  c.config.tool_call = ToolCallSpec{"call_1", "get_weather", R"({"city":"Paris"})"};  // 2 fragments
  c.reply = answer_request(c.request, c.config.answer);
  // Content delta 1 is the text, 2 the tool call's first fragment: the fault comes before the
  // second.
  const StreamPlan plan =
      plan_of(c, fault_of(R"({"at": "after_deltas", "n": 2, "action": "close"})"));
  EXPECT_THAT(kinds(plan.steps),
              ElementsAre(Kind::Chunk, Kind::Chunk, Kind::Chunk, Kind::Fire, Kind::Close));
  EXPECT_THAT(plan.steps[2].bytes, testing::HasSubstr("get_weather"));
  EXPECT_THAT(plan.steps[2].bytes, testing::HasSubstr(R"({\"city\":)"));
}

TEST(StreamPlan, InterruptionStepsFireWhereTheyStand) {
  EXPECT_THAT(kinds(interruption_steps(fault_of(R"({"at": "before_status", "action": "reset"})"))),
              ElementsAre(Kind::Drain, Kind::Fire, Kind::Reset));
  EXPECT_THAT(kinds(interruption_steps(fault_of(R"({"at": "on_connect", "action": "close"})"))),
              ElementsAre(Kind::Fire, Kind::Close));
  EXPECT_THAT(
      interruption_steps(fault_of(R"({"at": "before_status", "action": "stall", "ms": 40})")),
      ElementsAre(StreamStep::of(Kind::Fire), StreamStep::pause(40)));
}

}  // namespace
}  // namespace midstream::fakes
