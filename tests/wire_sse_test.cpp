#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include "tests/fixture_replay.h"
#include "wire/codec.h"
#include "wire/sse.h"

namespace midstream::wire {

using fixtures::read_fixture_stream;

// Readable failures (found by ADL, so outside the anonymous namespace).
void PrintTo(const SseEvent& event, std::ostream* os) {
  *os << "{event=\"" << event.event << "\" data=\"" << event.data << "\" id=\"" << event.id
      << "\"}";
}

namespace {

// Feeds `pieces` in order, then ends the stream.
std::vector<SseEvent> frame(const std::vector<std::string>& pieces, bool finish = true) {
  SseFramer framer;
  std::vector<SseEvent> events;
  const auto sink = [&events](const SseEvent& event) { events.push_back(event); };
  for (const std::string& piece : pieces) framer.feed(piece, sink);
  if (finish) framer.finish(sink);
  return events;
}

std::vector<SseEvent> frame_in_chunks(const std::string& bytes, size_t chunk) {
  std::vector<std::string> pieces;
  for (size_t i = 0; i < bytes.size(); i += chunk) pieces.push_back(bytes.substr(i, chunk));
  return frame(pieces);
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// Mixed line ends, a comment, multi-line data, an id, an unknown field and an event with no
// data, which must not be dispatched.
const std::string kMixed =
    ": keep-alive\r\n"
    "event: first\r\n"
    "data: one\r\n"
    "\r\n"
    "data: two\n"
    "data:  three\n"
    "id: 7\n"
    "retry: 100\n"
    "colour: blue\n"
    "\n"
    "event: nothing\r"
    "\r"
    "data:last\r"
    "\r";

const std::vector<SseEvent> kMixedEvents = {
    {"first", "one", ""},
    {"", "two\n three", "7"},
    {"", "last", "7"},  // the last event id outlives its event
};

TEST(SseFramer, ReadsMixedLineEndsCommentsAndFields) {
  EXPECT_EQ(frame({kMixed}), kMixedEvents);
}

TEST(SseFramer, EverySplitPointGivesTheSameEvents) {
  for (size_t i = 0; i <= kMixed.size(); ++i) {
    EXPECT_EQ(frame({kMixed.substr(0, i), kMixed.substr(i)}), kMixedEvents) << "split at " << i;
  }
  for (size_t i = 0; i <= kMixed.size(); ++i) {
    for (size_t j = i; j <= kMixed.size(); ++j) {
      ASSERT_EQ(frame({kMixed.substr(0, i), kMixed.substr(i, j - i), kMixed.substr(j)}),
                kMixedEvents)
          << "split at " << i << " and " << j;
    }
  }
  EXPECT_EQ(frame_in_chunks(kMixed, 1), kMixedEvents);
}

TEST(SseFramer, CrlfSplitBetweenCrAndLfIsOneLineEnd) {
  const std::vector<SseEvent> expected = {{"", "a", ""}, {"", "b", ""}};
  EXPECT_EQ(frame({"data: a\r", "\n\r", "\ndata: b\r", "\n", "\r", "\n"}, false), expected);
  // A lone CR followed later by an LF ends two lines: the LF is then a blank line.
  EXPECT_EQ(frame({"data: a\r", "x\n"}, false), std::vector<SseEvent>{});
}

TEST(SseFramer, EventWithoutDataIsNotDispatched) {
  EXPECT_TRUE(frame({"event: ping\n\n", "id: 3\n\n"}).empty());
  // An empty data field is still data.
  EXPECT_EQ(frame({"data:\n\n"}), (std::vector<SseEvent>{{"", "", ""}}));
  EXPECT_EQ(frame({"data\n\n"}), (std::vector<SseEvent>{{"", "", ""}}));
}

TEST(SseFramer, OnlyOneLeadingSpaceIsRemoved) {
  EXPECT_EQ(frame({"data:x\n\ndata: x\n\ndata:  x\n\n"}),
            (std::vector<SseEvent>{{"", "x", ""}, {"", "x", ""}, {"", " x", ""}}));
  EXPECT_EQ(frame({"data: a:b: c\n\n"}), (std::vector<SseEvent>{{"", "a:b: c", ""}}));
}

TEST(SseFramer, FinishDispatchesThePendingEventAtEof) {
  SseFramer framer;
  std::vector<SseEvent> events;
  const auto sink = [&events](const SseEvent& event) { events.push_back(event); };
  framer.feed("event: message_stop\ndata: {\"type\":\"message_stop\"}", sink);
  EXPECT_TRUE(events.empty());
  EXPECT_FALSE(framer.at_boundary());
  EXPECT_TRUE(framer.finish(sink));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "message_stop");
  EXPECT_EQ(events[0].data, "{\"type\":\"message_stop\"}");
  EXPECT_FALSE(framer.finish(sink));
  EXPECT_TRUE(framer.at_boundary());
}

TEST(SseFramer, FinishDropsAnEventWithoutData) {
  SseFramer framer;
  int calls = 0;
  const auto sink = [&calls](const SseEvent&) { ++calls; };
  framer.feed("event: ping\n", sink);
  EXPECT_FALSE(framer.finish(sink));
  EXPECT_EQ(calls, 0);
}

TEST(SseFramer, ReportsBufferedBytesAndBoundaries) {
  SseFramer framer;
  const auto sink = [](const SseEvent&) {};
  EXPECT_TRUE(framer.at_boundary());
  framer.feed("data: ab", sink);
  EXPECT_EQ(framer.buffered(), 8u);
  framer.feed("c\n", sink);
  EXPECT_EQ(framer.buffered(), 10u);
  EXPECT_FALSE(framer.at_boundary());
  framer.feed("\r", sink);
  EXPECT_TRUE(framer.at_boundary());
  framer.feed("\n", sink);  // the LF of the blank line's CRLF
  EXPECT_TRUE(framer.at_boundary());
  EXPECT_EQ(framer.buffered(), 0u);
}

// ---- the bound on one event ------------------------------------------------------------------

const SseEvent kOversized{"", std::string(kOversizedEventData), ""};

TEST(SseFramerBound, AnEndlessLineIsReportedOnceAndNotHeld) {
  SseFramer framer(1024);
  std::vector<SseEvent> events;
  const auto sink = [&events](const SseEvent& event) { events.push_back(event); };
  framer.feed("data: ", sink);
  const std::string block(4096, 'x');
  for (int i = 0; i < 2560; ++i) framer.feed(block, sink);  // 10 MiB, never a line end
  EXPECT_EQ(events, std::vector<SseEvent>{kOversized});
  EXPECT_EQ(framer.oversized_events(), 1u);
  EXPECT_FALSE(framer.at_boundary());
  // The oversized event's end resynchronises the stream; what follows frames normally.
  framer.feed("\n\ndata: after\n\n", sink);
  EXPECT_EQ(events, (std::vector<SseEvent>{kOversized, {"", "after", ""}}));
  EXPECT_TRUE(framer.at_boundary());
}

TEST(SseFramerBound, ManyDataLinesOfOneEventCountTogether) {
  SseFramer framer(100);
  std::vector<SseEvent> events;
  const auto sink = [&events](const SseEvent& event) { events.push_back(event); };
  for (int i = 0; i < 1000; ++i) framer.feed("data: 0123456789\n", sink);
  EXPECT_EQ(events, std::vector<SseEvent>{kOversized});
  framer.feed("\n", sink);
  framer.feed("event: ok\ndata: 1\n\n", sink);
  EXPECT_EQ(events, (std::vector<SseEvent>{kOversized, {"ok", "1", ""}}));
  EXPECT_EQ(framer.oversized_events(), 1u);
}

TEST(SseFramerBound, AnEventAtTheBoundPasses) {
  // What is held: the data line (6 + 10 bytes) then the data with its '\n' (11).
  EXPECT_EQ(frame({"data: 0123456789\n\n"}), (std::vector<SseEvent>{{"", "0123456789", ""}}));
  SseFramer framer(16);
  std::vector<SseEvent> events;
  const auto sink = [&events](const SseEvent& event) { events.push_back(event); };
  framer.feed("data: 0123456789\n\n", sink);
  framer.feed("data: 0123456789A\n\n", sink);  // one byte more
  EXPECT_EQ(events, (std::vector<SseEvent>{{"", "0123456789", ""}, kOversized}));
}

TEST(SseFramerBound, CommentsAreNotHeldSoTheyNeverTripIt) {
  SseFramer framer(64);
  std::vector<SseEvent> events;
  const auto sink = [&events](const SseEvent& event) { events.push_back(event); };
  for (int i = 0; i < 10000; ++i) framer.feed(": keep-alive, no blank line\n", sink);
  framer.feed("data: x\n\n", sink);
  EXPECT_EQ(events, (std::vector<SseEvent>{{"", "x", ""}}));
  EXPECT_EQ(framer.oversized_events(), 0u);
}

TEST(SseFramerBound, EverySplitPointGivesTheSameEvents) {
  const std::string bytes = "id: 9\ndata: 0123456789abcdefXYZ\r\ndata: more\r\n\r\ndata: ok\r\n\r\n";
  const std::vector<SseEvent> expected = {{"", std::string(kOversizedEventData), "9"}, {"", "ok", "9"}};
  for (size_t i = 0; i <= bytes.size(); ++i) {
    SseFramer framer(16);
    std::vector<SseEvent> events;
    const auto sink = [&events](const SseEvent& event) { events.push_back(event); };
    framer.feed(bytes.substr(0, i), sink);
    framer.feed(bytes.substr(i), sink);
    framer.finish(sink);
    EXPECT_EQ(events, expected) << "split at " << i;
  }
}

TEST(SseFramerBound, FinishAfterAnOversizedEventDispatchesNothingMore) {
  SseFramer framer(8);
  std::vector<SseEvent> events;
  const auto sink = [&events](const SseEvent& event) { events.push_back(event); };
  framer.feed("data: far too long for the bound", sink);
  EXPECT_FALSE(framer.finish(sink));
  EXPECT_EQ(events, std::vector<SseEvent>{kOversized});
  EXPECT_TRUE(framer.at_boundary());
  framer.feed("data: x\n\n", sink);  // a fresh stream after finish
  EXPECT_EQ(events.back(), (SseEvent{"", "x", ""}));
}

TEST(SseFramerBound, EveryDecoderTurnsTheReportIntoAMalformedEvent) {
  for (const Dialect dialect : {Dialect::OpenAIChat, Dialect::OpenAIResponses, Dialect::Anthropic}) {
    auto decoder = make_decoder(dialect);
    std::vector<StreamEvent> out;
    SseFramer framer(32);
    framer.feed("event: message_start\ndata: " + std::string(100, 'x'),
                [&](const SseEvent& event) { decoder->decode(event, out); });
    ASSERT_EQ(out.size(), 1u) << to_string(dialect);
    EXPECT_EQ(out[0].kind, EventKind::Malformed) << to_string(dialect);
  }
}

TEST(SseFramerBound, TheDefaultBoundFitsRealEvents) {
  EXPECT_GE(kDefaultMaxEventBytes, 1024u * 1024);
  SseFramer framer;
  std::vector<SseEvent> events;
  const auto sink = [&events](const SseEvent& event) { events.push_back(event); };
  const std::string big(1024 * 1024, 'a');  // a 1 MiB response.completed
  framer.feed("data: " + big + "\n\n", sink);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, big);
}

TEST(SseFrame, WritesOneDataLinePerLine) {
  EXPECT_EQ(sse_frame("", "{}"), "data: {}\n\n");
  EXPECT_EQ(sse_frame("ping", "{}"), "event: ping\ndata: {}\n\n");
  EXPECT_EQ(sse_frame("", "a\nb\r\nc\rd"), "data: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(sse_frame("", ""), "data: \n\n");
  std::string out = "x";
  append_sse_frame(out, "e", "1");
  EXPECT_EQ(out, "xevent: e\ndata: 1\n\n");
}

TEST(SseFrame, RoundTripsThroughTheFramer) {
  const std::string bytes = sse_frame("message", "line one\nline two") + sse_frame("", "");
  EXPECT_EQ(frame({bytes}),
            (std::vector<SseEvent>{{"message", "line one\nline two", ""}, {"", "", ""}}));
}

struct FixtureCase {
  const char* path;
  size_t events;
};

class SseFixture : public testing::TestWithParam<FixtureCase> {};

TEST_P(SseFixture, FramesTheSameWithAnyChunkingAndLineEnd) {
  const std::string bytes =
      read_fixture_stream(std::string(MIDSTREAM_FIXTURE_DIR) + "/" + GetParam().path);
  const std::vector<SseEvent> whole = frame({bytes});
  EXPECT_EQ(whole.size(), GetParam().events);
  for (const SseEvent& event : whole) EXPECT_FALSE(event.data.empty());
  for (const size_t chunk : {1u, 2u, 3u, 7u, 64u, 1000u}) {
    EXPECT_EQ(frame_in_chunks(bytes, chunk), whole) << "chunks of " << chunk;
  }
  const std::string crlf = replace_all(bytes, "\n", "\r\n");
  EXPECT_EQ(frame({crlf}), whole) << "CRLF";
  EXPECT_EQ(frame_in_chunks(crlf, 1), whole) << "CRLF, byte by byte";
  EXPECT_EQ(frame({replace_all(bytes, "\n", "\r")}), whole) << "CR";
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, SseFixture,
    testing::Values(FixtureCase{"openai-chat/text-with-usage.sse", 51},
                    FixtureCase{"openai-chat/tool-call-with-usage.sse", 11},
                    FixtureCase{"openai-responses/text-with-usage.jsonl", 9},
                    FixtureCase{"openai-responses/error-after-created.jsonl", 4},
                    FixtureCase{"openai-responses/failed-rate-limit.jsonl", 2},
                    FixtureCase{"openai-responses/function-call-with-usage.jsonl", 12},
                    FixtureCase{"openai-responses/reasoning-encrypted-function-call.jsonl", 9},
                    FixtureCase{"openai-responses/error-event-null-code.jsonl", 1},
                    FixtureCase{"anthropic/basic.sse", 9},
                    FixtureCase{"anthropic/tool-use.sse", 15},
                    FixtureCase{"anthropic/incomplete-partial-json.sse", 16},
                    FixtureCase{"anthropic/text-with-cache-usage.jsonl", 12},
                    FixtureCase{"anthropic/thinking-with-signature.jsonl", 22}),
    [](const testing::TestParamInfo<FixtureCase>& param) {
      std::string name;
      for (const char* c = param.param.path; *c != '\0'; ++c) {
        name.push_back(std::isalnum(static_cast<unsigned char>(*c)) != 0 ? *c : '_');
      }
      return name;
    });

TEST(SseFixture, AnthropicSdkFilesNeedFinishForTheirLastEvent) {
  const std::string bytes = read_fixture_stream(std::string(MIDSTREAM_FIXTURE_DIR) +
                                                "/anthropic/basic.sse");
  const std::vector<SseEvent> without_finish = frame({bytes}, false);
  ASSERT_EQ(without_finish.size(), 8u);
  const std::vector<SseEvent> with_finish = frame({bytes});
  ASSERT_EQ(with_finish.size(), 9u);
  EXPECT_EQ(with_finish.back().event, "message_stop");
}

TEST(SseFixture, JsonlLinesAreFramedWithTheirType) {
  const std::string bytes = read_fixture_stream(std::string(MIDSTREAM_FIXTURE_DIR) +
                                                "/openai-responses/failed-rate-limit.jsonl");
  const std::vector<SseEvent> events = frame({bytes}, false);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "response.created");
  EXPECT_EQ(events[1].event, "response.failed");
  EXPECT_EQ(bytes.substr(0, 41), "event: response.created\ndata: {\"type\":\"re");
}

}  // namespace
}  // namespace midstream::wire
