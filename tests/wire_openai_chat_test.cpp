#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "tests/fixture_replay.h"
#include "wire/codec.h"

namespace midstream::wire {

using fixtures::read_fixture_stream;

void PrintTo(const StreamEvent& event, std::ostream* os) { *os << describe(event); }

namespace {

std::vector<StreamEvent> decode_bytes(Dialect dialect, const std::string& bytes) {
  return decode_stream(dialect, bytes);
}

std::vector<StreamEvent> decode_fixture(const std::string& name) {
  return decode_bytes(Dialect::OpenAIChat,
                      read_fixture_stream(std::string(MIDSTREAM_FIXTURE_DIR) + "/" + name));
}

std::map<EventKind, int> count_kinds(const std::vector<StreamEvent>& events) {
  std::map<EventKind, int> counts;
  for (const StreamEvent& event : events) ++counts[event.kind];
  return counts;
}

Completion fold(const std::vector<StreamEvent>& events) {
  Completion completion;
  for (const StreamEvent& event : events) accumulate(completion, event);
  return completion;
}

EncoderOptions options() {
  EncoderOptions out;
  out.id = "chatcmpl-test";
  out.model = "gpt-test";
  out.created = 1723024748;
  return out;
}

std::string encode_all(const std::vector<StreamEvent>& events, EncoderOptions opts = options()) {
  return encode_stream(Dialect::OpenAIChat, std::move(opts), events);
}

TEST(OpenAIChatDecoder, DecodesTextWithUsageFixture) {
  const std::vector<StreamEvent> events = decode_fixture("openai-chat/text-with-usage.sse");
  const std::map<EventKind, int> expected = {{EventKind::Preamble, 1}, {EventKind::TextDelta, 47},
                                             {EventKind::Finish, 1},   {EventKind::Usage, 1},
                                             {EventKind::End, 1}};
  EXPECT_EQ(count_kinds(events), expected);
  ASSERT_EQ(events.size(), 51u);
  EXPECT_EQ(events.front().kind, EventKind::Preamble);
  EXPECT_EQ(events.front().id, "chatcmpl-9tXjg9DdaOfymTPDrSLfxslQEH0C2");
  EXPECT_EQ(events.front().model, "gpt-4o-2024-08-06");
  EXPECT_EQ(events[48].kind, EventKind::Finish);
  EXPECT_EQ(events[49].kind, EventKind::Usage);
  EXPECT_EQ(events.back().kind, EventKind::End);

  const Completion completion = fold(events);
  EXPECT_EQ(completion.text,
            "I'm unable to provide real-time updates, including current weather information. "
            "For the latest weather in San Francisco, I recommend checking a reliable weather "
            "website or app such as the Weather Channel, BBC Weather, or a local San Francisco "
            "news station.");
  ASSERT_TRUE(completion.usage.has_value());
  EXPECT_EQ(completion.usage->input_tokens, 14);
  EXPECT_EQ(completion.usage->output_tokens, 47);
  EXPECT_EQ(completion.usage->total(), 61);
  EXPECT_EQ(completion.finish_reason, "stop");
  EXPECT_EQ(completion.id, "chatcmpl-9tXjg9DdaOfymTPDrSLfxslQEH0C2");
}

TEST(OpenAIChatDecoder, DecodesToolCallFixture) {
  const std::vector<StreamEvent> events = decode_fixture("openai-chat/tool-call-with-usage.sse");
  const std::map<EventKind, int> expected = {{EventKind::Preamble, 1}, {EventKind::ToolDelta, 8},
                                             {EventKind::Finish, 1},   {EventKind::Usage, 1},
                                             {EventKind::End, 1}};
  EXPECT_EQ(count_kinds(events), expected);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[1].tool.id, "call_4XzlGBLtUe9dy3GVNV4jhq7h");
  EXPECT_EQ(events[1].tool.name, "get_weather");
  EXPECT_EQ(events[1].tool.arguments, "");

  const Completion completion = fold(events);
  EXPECT_EQ(completion.text, "");
  ASSERT_EQ(completion.tool_calls.size(), 1u);
  EXPECT_EQ(completion.tool_calls[0].index, 0);
  EXPECT_EQ(completion.tool_calls[0].name, "get_weather");
  EXPECT_EQ(completion.tool_calls[0].arguments, R"({"city":"New York City"})");
  EXPECT_EQ(completion.finish_reason, "tool_calls");
  EXPECT_EQ(completion.usage, (Usage{44, 16}));
}

TEST(OpenAIChatDecoder, ReadsInBandErrors) {
  const std::vector<StreamEvent> events = decode_bytes(
      Dialect::OpenAIChat,
      "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,"
      "\"code\":null}}\n\n"
      "data: {\"error\":{\"message\":\"slow down\",\"type\":\"requests\",\"code\":429}}\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, EventKind::Error);
  EXPECT_EQ(events[0].error.type, "server_error");
  EXPECT_EQ(events[0].error.code, "");
  EXPECT_EQ(events[0].error.message, "boom");
  EXPECT_EQ(events[1].error.code, "429");
}

TEST(OpenAIChatDecoder, UnreadableEventsAreMalformed) {
  const std::vector<StreamEvent> events =
      decode_bytes(Dialect::OpenAIChat, "data: {\"id\":\n\ndata: [1]\n\ndata: \"x\"\n\n");
  ASSERT_EQ(events.size(), 3u);
  for (const StreamEvent& event : events) EXPECT_EQ(event.kind, EventKind::Malformed);
  EXPECT_EQ(events[0].text, "{\"id\":");
  EXPECT_EQ(events[0].error.message, "invalid JSON");
  EXPECT_EQ(events[1].error.message, "not a JSON object");
}

TEST(OpenAIChatDecoder, PreambleComesFirstEvenWhenTheFirstChunkCarriesText) {
  const std::vector<StreamEvent> events = decode_bytes(
      Dialect::OpenAIChat,
      "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},"
      "\"finish_reason\":null}]}\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], StreamEvent::preamble("c1", "m"));
  EXPECT_EQ(events[1], StreamEvent::text_delta("Hi"));
}

TEST(OpenAIChatEncoder, RoleChunkIsByteExact) {
  std::string out;
  make_encoder(Dialect::OpenAIChat, options())
      ->encode(StreamEvent::preamble("ignored", "ignored"), out);
  EXPECT_EQ(out,
            "data: {\"id\":\"chatcmpl-test\",\"object\":\"chat.completion.chunk\",\"created\":"
            "1723024748,\"model\":\"gpt-test\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
            "\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
}

TEST(OpenAIChatEncoder, WritesEachEventInTheFixtureShape) {
  const std::string head =
      "data: {\"id\":\"chatcmpl-test\",\"object\":\"chat.completion.chunk\",\"created\":"
      "1723024748,\"model\":\"gpt-test\",";
  EXPECT_EQ(encode_all({StreamEvent::text_delta("Hi \"you\"")}),
            head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi \\\"you\\\"\"},"
                   "\"logprobs\":null,\"finish_reason\":null}]}\n\n");
  EXPECT_EQ(encode_all({StreamEvent::finish("stop")}),
            head + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":"
                   "\"stop\"}]}\n\n");
  EXPECT_EQ(encode_all({StreamEvent::usage_report({14, 47}), StreamEvent::end()}),
            head + "\"choices\":[],\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":47,"
                   "\"total_tokens\":61}}\n\ndata: [DONE]\n\n");
  EXPECT_EQ(encode_all({StreamEvent::end()}), "data: [DONE]\n\n");
  EXPECT_EQ(encode_all({StreamEvent::error_event({"server_error", "", "boom", 0})}),
            "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,"
            "\"code\":null}}\n\n");
  EXPECT_EQ(encode_all({StreamEvent::malformed("{\"id\":", "injected")}), "data: {\"id\":\n\n");
}

TEST(OpenAIChatEncoder, ToolCallNamesTheCallOnItsFirstFragmentOnly) {
  const std::string out = encode_all({StreamEvent::tool_delta({0, "call_1", "get_weather", ""}),
                                      StreamEvent::tool_delta({0, "", "", "{\"city\""})});
  EXPECT_NE(out.find("\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                     "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\"\"}}]"),
            std::string::npos)
      << out;
}

TEST(OpenAIChatEncoder, DropsUsageWithoutIncludeUsage) {
  EncoderOptions opts = options();
  opts.include_usage = false;
  EXPECT_EQ(encode_all({StreamEvent::finish("stop"), StreamEvent::usage_report({1, 2})}, opts)
                .find("usage"),
            std::string::npos);
}

TEST(OpenAIChatEncoder, UsageIsWrittenOnceAfterTheFinishChunk) {
  // An Anthropic upstream reports usage at message_start and again at message_delta.
  const std::vector<StreamEvent> decoded = decode_bytes(
      Dialect::OpenAIChat,
      encode_all({StreamEvent::preamble("", ""), StreamEvent::usage_report({5, 1}),
                  StreamEvent::text_delta("Hi"), StreamEvent::finish("stop"),
                  StreamEvent::usage_report({5, 3}), StreamEvent::end()}));
  EXPECT_EQ(decoded, (std::vector<StreamEvent>{StreamEvent::preamble("chatcmpl-test", "gpt-test"),
                                               StreamEvent::text_delta("Hi"),
                                               StreamEvent::finish("stop"),
                                               StreamEvent::usage_report({5, 3}),
                                               StreamEvent::end()}));
  // Without a later report the held one is written before [DONE].
  const std::string out = encode_all({StreamEvent::usage_report({5, 1}), StreamEvent::end()});
  EXPECT_NE(out.find("\"prompt_tokens\":5"), std::string::npos);
}

TEST(OpenAIChatCodec, EncodeThenDecodeGivesTheSameEvents) {
  const std::vector<StreamEvent> canonical = {
      StreamEvent::preamble("chatcmpl-test", "gpt-test"),
      StreamEvent::text_delta("Hello"),
      StreamEvent::text_delta(" wörld\n"),
      StreamEvent::tool_delta({0, "call_1", "lookup", ""}),
      StreamEvent::tool_delta({0, "", "", "{\"q\":1}"}),
      StreamEvent::tool_delta({1, "call_2", "other", "{}"}),
      StreamEvent::finish("tool_calls"),
      StreamEvent::usage_report({12, 5}),
      StreamEvent::end(),
  };
  EXPECT_EQ(decode_bytes(Dialect::OpenAIChat, encode_all(canonical)), canonical);

  const std::vector<StreamEvent> failing = {StreamEvent::preamble("chatcmpl-test", "gpt-test"),
                                            StreamEvent::text_delta("partial"),
                                            StreamEvent::error_event({"server_error", "500", "x", 0})};
  EXPECT_EQ(decode_bytes(Dialect::OpenAIChat, encode_all(failing)), failing);
}

TEST(OpenAIChatCompletion, RoundTripsText) {
  Completion completion;
  completion.id = "chatcmpl-1";
  completion.model = "gpt-test";
  completion.created = 42;
  completion.text = "Hello there";
  completion.finish_reason = "stop";
  completion.usage = Usage{3, 2};
  const std::string body = encode_completion(Dialect::OpenAIChat, completion);
  EXPECT_EQ(body,
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":42,\"model\":"
            "\"gpt-test\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            "\"content\":\"Hello there\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
            "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}");
  std::string error;
  EXPECT_EQ(decode_completion(Dialect::OpenAIChat, body, &error), completion) << error;
}

TEST(OpenAIChatCompletion, RoundTripsToolCallsWithNullContent) {
  Completion completion;
  completion.id = "chatcmpl-2";
  completion.model = "gpt-test";
  completion.finish_reason = "tool_calls";
  completion.tool_calls = {{0, "call_1", "get_weather", "{\"city\":\"Paris\"}"}};
  const std::string body = encode_completion(Dialect::OpenAIChat, completion);
  EXPECT_NE(body.find("\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\""),
            std::string::npos)
      << body;
  EXPECT_EQ(decode_completion(Dialect::OpenAIChat, body, nullptr), completion);
}

TEST(OpenAIChatCompletion, ErrorBodiesAreNotCompletions) {
  std::string error;
  EXPECT_EQ(decode_completion(Dialect::OpenAIChat,
                              R"({"error":{"message":"Rate limit reached","type":"requests",)"
                              R"("param":null,"code":"rate_limit_exceeded"}})",
                              &error),
            std::nullopt);
  EXPECT_EQ(error, "Rate limit reached");
  EXPECT_EQ(decode_completion(Dialect::OpenAIChat, "nope", &error), std::nullopt);
  EXPECT_EQ(error, "invalid JSON");
}

TEST(OpenAIChatErrorBody, RoundTrips) {
  const ErrorInfo error{"rate_limit_exceeded", "429", "slow down", 0};
  const std::string body = encode_error_body(Dialect::OpenAIChat, error);
  EXPECT_EQ(body,
            "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_exceeded\",\"param\":null,"
            "\"code\":\"429\"}}");
  EXPECT_EQ(decode_error_body(Dialect::OpenAIChat, body), error);
  EXPECT_EQ(decode_error_body(Dialect::OpenAIChat, "{}"), std::nullopt);
}

TEST(Accumulate, MergesToolDeltasByIndexAndKeepsTheLastUsage) {
  const Completion completion = fold({
      StreamEvent::preamble("id-1", "m"),
      StreamEvent::tool_delta({1, "b", "second", "{"}),
      StreamEvent::tool_delta({0, "a", "first", "["}),
      StreamEvent::tool_delta({1, "", "", "}"}),
      StreamEvent::tool_delta({0, "", "", "]"}),
      StreamEvent::usage_report({1, 1}),
      StreamEvent::usage_report({1, 9}),
      StreamEvent::finish("tool_calls"),
      StreamEvent::end(),
  });
  EXPECT_EQ(completion.id, "id-1");
  EXPECT_EQ(completion.model, "m");
  ASSERT_EQ(completion.tool_calls.size(), 2u);
  EXPECT_EQ(completion.tool_calls[0], (ToolDelta{1, "b", "second", "{}"}));
  EXPECT_EQ(completion.tool_calls[1], (ToolDelta{0, "a", "first", "[]"}));
  EXPECT_EQ(completion.usage, (Usage{1, 9}));
  EXPECT_EQ(completion.finish_reason, "tool_calls");
}

}  // namespace
}  // namespace midstream::wire
