#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/fixture_replay.h"
#include "wire/codec.h"

namespace midstream::wire {

using fixtures::read_fixture_stream;

void PrintTo(const StreamEvent& event, std::ostream* os) { *os << describe(event); }

namespace {

using nlohmann::json;
using K = EventKind;

std::string fixture(const std::string& name) {
  return read_fixture_stream(std::string(MIDSTREAM_FIXTURE_DIR) + "/anthropic/" + name);
}

std::vector<StreamEvent> decode_fixture(const std::string& name) {
  return decode_stream(Dialect::Anthropic, fixture(name));
}

std::vector<EventKind> kinds(const std::vector<StreamEvent>& events) {
  std::vector<EventKind> out;
  for (const StreamEvent& event : events) out.push_back(event.kind);
  return out;
}

Completion fold(const std::vector<StreamEvent>& events) {
  Completion completion;
  for (const StreamEvent& event : events) accumulate(completion, event);
  return completion;
}

std::vector<std::pair<std::string, json>> frames(const std::string& bytes) {
  std::vector<std::pair<std::string, json>> out;
  SseFramer framer;
  const auto sink = [&out](const SseEvent& event) {
    out.emplace_back(event.event, json::parse(event.data, nullptr, false));
  };
  framer.feed(bytes, sink);
  framer.finish(sink);
  return out;
}

std::vector<K> repeat(std::vector<K> head, K kind, size_t count, std::vector<K> tail) {
  head.insert(head.end(), count, kind);
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

TEST(AnthropicDecoder, DecodesBasic) {
  const std::vector<StreamEvent> events = decode_fixture("basic.sse");
  EXPECT_EQ(kinds(events), repeat({K::Preamble, K::Usage}, K::TextDelta, 3,
                                  {K::Finish, K::Usage, K::End}));
  StreamEvent preamble = StreamEvent::preamble("msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK",
                                               "claude-3-opus-latest");
  preamble.usage = {11, 1};
  EXPECT_EQ(events[0], preamble);
  EXPECT_EQ(events[1].usage, (Usage{11, 1}));
  const Completion completion = fold(events);
  EXPECT_EQ(completion.text, "Hello there!");
  EXPECT_EQ(completion.finish_reason, "stop");
  EXPECT_EQ(completion.usage, (Usage{11, 6})) << "input from message_start, output cumulative";
}

TEST(AnthropicDecoder, DecodesToolUse) {
  const std::vector<StreamEvent> events = decode_fixture("tool-use.sse");
  // The empty first input_json_delta carries nothing and is skipped.
  EXPECT_EQ(kinds(events),
            repeat({K::Preamble, K::Usage, K::TextDelta, K::TextDelta}, K::ToolDelta, 5,
                   {K::Finish, K::Usage, K::End}));
  const Completion completion = fold(events);
  EXPECT_EQ(completion.text, "I'll check the current weather in Paris for you.");
  ASSERT_EQ(completion.tool_calls.size(), 1u);
  EXPECT_EQ(completion.tool_calls[0],
            (ToolDelta{0, "toolu_01NRLabsLyVHZPKxbKvkfSMn", "get_weather", R"({"location": "Paris"})"}))
      << "tool calls are numbered from 0 although the block index is 1";
  EXPECT_EQ(completion.finish_reason, "tool_calls");
  EXPECT_EQ(completion.usage, (Usage{377, 65}));
}

TEST(AnthropicDecoder, ToleratesSpacesAndAnUnfinishedToolBlock) {
  const std::vector<StreamEvent> events = decode_fixture("incomplete-partial-json.sse");
  EXPECT_EQ(kinds(events),
            repeat(repeat({K::Preamble, K::Usage}, K::TextDelta, 5, {}), K::ToolDelta, 4,
                   {K::Finish, K::Usage, K::End}));
  const Completion completion = fold(events);
  EXPECT_EQ(completion.text,
            "I'll create a comprehensive tax guide for someone with multiple W2s and save it in a "
            "file called taxes.txt. Let me do that for you now.");
  ASSERT_EQ(completion.tool_calls.size(), 1u);
  EXPECT_EQ(completion.tool_calls[0].name, "make_file");
  EXPECT_EQ(completion.tool_calls[0].arguments.rfind("{\"filename\": \"taxes.txt\"", 0), 0u);
  EXPECT_EQ(completion.finish_reason, "length");
  EXPECT_EQ(completion.usage, (Usage{450, 124}));
}

TEST(AnthropicDecoder, DecodesTextWithCacheUsage) {
  const std::vector<StreamEvent> events = decode_fixture("text-with-cache-usage.jsonl");
  EXPECT_EQ(kinds(events), repeat({K::Preamble, K::Usage}, K::TextDelta, 6,
                                  {K::Finish, K::Usage, K::End}));
  const Completion completion = fold(events);
  EXPECT_EQ(completion.text,
            "Hello! I'm doing well, thank you for asking. How are you doing today? Is there "
            "anything I can help you with?");
  EXPECT_EQ(completion.usage, (Usage{12, 30}));
  EXPECT_EQ(completion.finish_reason, "stop");
}

TEST(AnthropicDecoder, IgnoresThinking) {
  const std::vector<StreamEvent> events = decode_fixture("thinking-with-signature.jsonl");
  EXPECT_EQ(kinds(events), repeat({K::Preamble, K::Usage}, K::TextDelta, 3,
                                  {K::Finish, K::Usage, K::End}));
  const Completion completion = fold(events);
  EXPECT_EQ(completion.text, "925 \xC3\xB7 5 = 185");
  EXPECT_EQ(completion.usage, (Usage{69, 53}));
}

TEST(AnthropicDecoder, ReadsInBandErrorsAndMalformedEvents) {
  const std::string bytes =
      sse_frame("error",
                R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})") +
      sse_frame("content_block_delta", "{\"type\":\"content_block_delta\",");
  const std::vector<StreamEvent> events = decode_stream(Dialect::Anthropic, bytes);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], StreamEvent::error_event({"overloaded_error", "", "Overloaded", 0}));
  EXPECT_EQ(events[1].kind, K::Malformed);
}

TEST(AnthropicDecoder, MessageDeltaInputTokensReplaceMessageStarts) {
  const std::string bytes =
      sse_frame("message_start",
                R"({"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":5,"output_tokens":1}}})") +
      sse_frame("message_delta",
                R"({"type":"message_delta","delta":{"stop_reason":"stop_sequence"},"usage":{"input_tokens":8,"output_tokens":3}})");
  const std::vector<StreamEvent> events = decode_stream(Dialect::Anthropic, bytes);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[2], StreamEvent::finish("stop"));
  EXPECT_EQ(events[3].usage, (Usage{8, 3}));
}

EncoderOptions options() {
  EncoderOptions out;
  out.id = "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK";
  out.model = "claude-3-opus-latest";
  return out;
}

TEST(AnthropicEncoder, ReproducesTheBasicFixture) {
  StreamEvent preamble = StreamEvent::preamble("ignored", "ignored");
  preamble.usage = {11, 1};
  const std::string ours = encode_stream(
      Dialect::Anthropic, options(),
      {preamble, StreamEvent::usage_report({11, 1}), StreamEvent::text_delta("Hello"),
       StreamEvent::text_delta(" there"), StreamEvent::text_delta("!"),
       StreamEvent::finish("stop"), StreamEvent::usage_report({11, 6}), StreamEvent::end()});
  // Same events, same JSON (the recording's key order and spacing differ in places).
  EXPECT_EQ(frames(ours), frames(fixture("basic.sse")));
  EXPECT_EQ(ours.rfind("event: message_start\ndata: {\"type\":\"message_start\",", 0), 0u);
}

TEST(AnthropicEncoder, WritesMessageDeltaAtEndWithoutUsage) {
  const auto events = frames(encode_stream(
      Dialect::Anthropic, options(),
      {StreamEvent::preamble("", ""), StreamEvent::text_delta("x"), StreamEvent::finish("length"),
       StreamEvent::end()}));
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[5].first, "message_delta");
  EXPECT_EQ(events[5].second["delta"]["stop_reason"], "max_tokens");
  EXPECT_EQ(events[6].first, "message_stop");
}

TEST(AnthropicEncoder, ErrorIsAnInBandErrorEvent) {
  const std::string ours = encode_stream(
      Dialect::Anthropic, options(),
      {StreamEvent::preamble("", ""), StreamEvent::text_delta("x"),
       StreamEvent::error_event({"overloaded_error", "", "Overloaded", 0}), StreamEvent::end()});
  const auto events = frames(ours);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[4].first, "error");
  EXPECT_EQ(events[4].second,
            json::parse(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
  EXPECT_EQ(ours.find("message_stop"), std::string::npos);
}

TEST(AnthropicCodec, EncodeThenDecodeRoundTrips) {
  StreamEvent preamble = StreamEvent::preamble(options().id, options().model);
  preamble.usage = {20, 1};
  const std::vector<StreamEvent> canonical = {
      preamble,
      StreamEvent::usage_report({20, 1}),
      StreamEvent::text_delta("Checking"),
      StreamEvent::tool_delta({0, "toolu_1", "get_weather", ""}),
      StreamEvent::tool_delta({0, "", "", "{\"city\":"}),
      StreamEvent::tool_delta({0, "", "", "\"Paris\"}"}),
      StreamEvent::tool_delta({1, "toolu_2", "other", ""}),
      StreamEvent::finish("tool_calls"),
      StreamEvent::usage_report({20, 15}),
      StreamEvent::end(),
  };
  EXPECT_EQ(decode_stream(Dialect::Anthropic, encode_stream(Dialect::Anthropic, options(), canonical)),
            canonical);
}

TEST(AnthropicCompletion, RoundTrips) {
  Completion completion;
  completion.id = "msg_1";
  completion.model = "claude";
  completion.text = "Hi";
  completion.finish_reason = "tool_calls";
  completion.usage = Usage{4, 2};
  completion.tool_calls = {{0, "toolu_1", "f", R"({"a":1})"}};
  const std::string body = encode_completion(Dialect::Anthropic, completion);
  EXPECT_EQ(body,
            R"({"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[)"
            R"({"type":"text","text":"Hi"},{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}],)"
            R"("stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":4,"output_tokens":2}})");
  std::string error;
  EXPECT_EQ(decode_completion(Dialect::Anthropic, body, &error), completion) << error;
}

TEST(AnthropicErrorBody, RoundTrips) {
  const ErrorInfo error{"overloaded_error", "", "Overloaded", 0};
  const std::string body = encode_error_body(Dialect::Anthropic, error);
  EXPECT_EQ(body, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  EXPECT_EQ(decode_error_body(Dialect::Anthropic, body), error);
  std::string message;
  EXPECT_EQ(decode_completion(Dialect::Anthropic, body, &message), std::nullopt);
  EXPECT_EQ(message, "Overloaded");
}

TEST(Bridging, AnthropicFixtureReencodedAsChatKeepsTextUsageAndFinish) {
  const std::vector<StreamEvent> upstream = decode_fixture("tool-use.sse");
  EncoderOptions chat;
  chat.id = "chatcmpl-x";
  chat.model = "claude-sonnet-4-20250514";
  const std::vector<StreamEvent> client =
      decode_stream(Dialect::OpenAIChat, encode_stream(Dialect::OpenAIChat, chat, upstream));
  const Completion a = fold(upstream);
  Completion b = fold(client);
  EXPECT_EQ(b.text, a.text);
  EXPECT_EQ(b.tool_calls, a.tool_calls);
  EXPECT_EQ(b.usage, a.usage);
  EXPECT_EQ(b.finish_reason, a.finish_reason);
}

}  // namespace
}  // namespace midstream::wire
