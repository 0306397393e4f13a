#include <gtest/gtest.h>

#include <map>
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

std::string fixture(const std::string& name) {
  return read_fixture_stream(std::string(MIDSTREAM_FIXTURE_DIR) + "/openai-responses/" + name);
}

std::vector<StreamEvent> decode_fixture(const std::string& name) {
  return decode_stream(Dialect::OpenAIResponses, fixture(name));
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

// Every SSE event of a stream: its `event:` name and its parsed payload.
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

EncoderOptions options() {
  EncoderOptions out;
  out.id = "resp_sanitized_streaming";
  out.model = "gpt-4o-mini-2024-07-18";
  out.created = 1788205738;
  return out;
}

void expect_contiguous_sequence(const std::string& bytes) {
  const auto events = frames(bytes);
  ASSERT_FALSE(events.empty());
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_TRUE(events[i].second.is_object()) << i;
    EXPECT_EQ(events[i].second["sequence_number"], i) << events[i].first;
    EXPECT_EQ(events[i].first, events[i].second["type"]) << "the event: line names the type";
  }
}

using K = EventKind;

TEST(OpenAIResponsesDecoder, DecodesTextWithUsage) {
  const std::vector<StreamEvent> events = decode_fixture("text-with-usage.jsonl");
  EXPECT_EQ(kinds(events), (std::vector<K>{K::Preamble, K::TextDelta, K::Usage, K::Finish, K::End}));
  EXPECT_EQ(events[0], StreamEvent::preamble("resp_sanitized_streaming", "gpt-4o-mini-2024-07-18"));
  const Completion completion = fold(events);
  EXPECT_EQ(completion.text, "OK");
  EXPECT_EQ(completion.usage, (Usage{12, 2}));
  EXPECT_EQ(completion.finish_reason, "stop");
}

TEST(OpenAIResponsesDecoder, DecodesFunctionCall) {
  const std::vector<StreamEvent> events = decode_fixture("function-call-with-usage.jsonl");
  std::vector<K> expected = {K::Preamble};
  expected.insert(expected.end(), 7, K::ToolDelta);
  expected.insert(expected.end(), {K::Usage, K::Finish, K::End});
  EXPECT_EQ(kinds(events), expected);
  const Completion completion = fold(events);
  ASSERT_EQ(completion.tool_calls.size(), 1u);
  EXPECT_EQ(completion.tool_calls[0],
            (ToolDelta{0, "call_2FQdm3Br7Qb35YUBSkDR7kue", "get_weather", R"({"city":"Beijing"})"}));
  EXPECT_EQ(completion.usage, (Usage{45, 25}));
  EXPECT_EQ(completion.finish_reason, "tool_calls");
}

TEST(OpenAIResponsesDecoder, ToolsAreNumberedApartFromReasoningItems) {
  const std::vector<StreamEvent> events = decode_fixture("reasoning-encrypted-function-call.jsonl");
  EXPECT_EQ(kinds(events), (std::vector<K>{K::Preamble, K::ToolDelta, K::ToolDelta, K::Usage,
                                           K::Finish, K::End}));
  const Completion completion = fold(events);
  ASSERT_EQ(completion.tool_calls.size(), 1u);
  EXPECT_EQ(completion.tool_calls[0], (ToolDelta{0, "call_LUBOONF2cY8HDQdBwiEQ9fk1", "lookupCode", "{}"}));
  EXPECT_EQ(completion.usage, (Usage{55, 25}));
  EXPECT_EQ(completion.finish_reason, "tool_calls");
}

TEST(OpenAIResponsesDecoder, ErrorEventThenFailedGivesOneError) {
  const std::vector<StreamEvent> events = decode_fixture("error-after-created.jsonl");
  EXPECT_EQ(kinds(events), (std::vector<K>{K::Preamble, K::Error, K::End}));
  EXPECT_EQ(events[1].error.type, "insufficient_quota");
  EXPECT_EQ(events[1].error.code, "insufficient_quota");
  EXPECT_EQ(events[1].error.message.rfind("You exceeded your current quota", 0), 0u);
}

TEST(OpenAIResponsesDecoder, FailedAloneCarriesTheError) {
  const std::vector<StreamEvent> events = decode_fixture("failed-rate-limit.jsonl");
  EXPECT_EQ(kinds(events), (std::vector<K>{K::Preamble, K::Error, K::End}));
  EXPECT_EQ(events[1].error.code, "rate_limit_exceeded");
  EXPECT_EQ(events[1].error.type, "rate_limit_exceeded");
  EXPECT_EQ(events[1].error.message.rfind("Request too large for gpt-4o-mini", 0), 0u);
}

TEST(OpenAIResponsesDecoder, ErrorEventWithNullCode) {
  const std::vector<StreamEvent> events = decode_fixture("error-event-null-code.jsonl");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], StreamEvent::error_event(
                           {"server_error", "", "An error occurred while processing the request.", 0}));
}

TEST(OpenAIResponsesDecoder, ReadsTheFlatErrorShapeAndIncompleteResponses) {
  const std::string bytes =
      sse_frame("error", R"({"type":"error","code":"boom","message":"m","param":null,"sequence_number":0})") +
      sse_frame("response.incomplete",
                R"({"type":"response.incomplete","response":{"status":"incomplete",)"
                R"("incomplete_details":{"reason":"max_output_tokens"},"output":[],)"
                R"("usage":{"input_tokens":3,"output_tokens":4}},"sequence_number":1})") +
      sse_frame("", "{not json");
  const std::vector<StreamEvent> events = decode_stream(Dialect::OpenAIResponses, bytes);
  EXPECT_EQ(kinds(events),
            (std::vector<K>{K::Error, K::Usage, K::Finish, K::End, K::Malformed}));
  EXPECT_EQ(events[0].error.code, "boom");
  EXPECT_EQ(events[0].error.message, "m");
  EXPECT_EQ(events[1].usage, (Usage{3, 4}));
  EXPECT_EQ(events[2].finish_reason, "length");
}

TEST(OpenAIResponsesEncoder, ReproducesTheTextFixtureShapes) {
  const std::string ours = encode_stream(
      Dialect::OpenAIResponses, options(),
      {StreamEvent::preamble("x", "x"), StreamEvent::text_delta("OK"), StreamEvent::finish("stop"),
       StreamEvent::usage_report({12, 2}), StreamEvent::end()});
  const auto mine = frames(ours);
  const auto recorded = frames(fixture("text-with-usage.jsonl"));
  ASSERT_EQ(mine.size(), recorded.size());
  expect_contiguous_sequence(ours);
  const std::string our_item = mine[2].second["item"]["id"];
  for (size_t i = 0; i < mine.size(); ++i) {
    EXPECT_EQ(mine[i].first, recorded[i].first);
    if (i >= 2 && i <= 7) {
      // The item events match byte for byte but for the item id.
      std::string text = mine[i].second.dump();
      for (size_t pos; (pos = text.find(our_item)) != std::string::npos;) {
        text.replace(pos, our_item.size(), "msg_sanitized_streaming");
      }
      EXPECT_EQ(json::parse(text), recorded[i].second) << mine[i].first;
    }
  }
  for (const size_t i : {size_t{0}, size_t{1}, size_t{8}}) {
    const json& response = mine[i].second["response"];
    const json& expected = recorded[i].second["response"];
    for (const char* key : {"id", "object", "created_at", "status", "model", "error",
                            "incomplete_details", "metadata"}) {
      EXPECT_EQ(response[key], expected[key]) << mine[i].first << " " << key;
    }
  }
  const json& usage = mine[8].second["response"]["usage"];
  EXPECT_EQ(usage.dump(),
            R"({"input_tokens":12,"input_tokens_details":{"cached_tokens":0},"output_tokens":2,)"
            R"("output_tokens_details":{"reasoning_tokens":0},"total_tokens":14})");
  EXPECT_EQ(mine[8].second["response"]["output"][0]["content"][0]["text"], "OK");
  EXPECT_EQ(ours.find("[DONE]"), std::string::npos);
}

TEST(OpenAIResponsesEncoder, ReproducesTheFunctionCallFixtureShapes) {
  const std::string ours = encode_stream(
      Dialect::OpenAIResponses, options(),
      {StreamEvent::preamble("x", "x"), StreamEvent::tool_delta({0, "call_1", "get_weather", ""}),
       StreamEvent::tool_delta({0, "", "", "{\"city\""}), StreamEvent::tool_delta({0, "", "", ":\"Beijing\"}"}),
       StreamEvent::finish("tool_calls"), StreamEvent::usage_report({45, 25}), StreamEvent::end()});
  std::vector<std::string> types;
  for (const auto& [name, payload] : frames(ours)) types.push_back(name);
  EXPECT_EQ(types, (std::vector<std::string>{
                       "response.created", "response.in_progress", "response.output_item.added",
                       "response.function_call_arguments.delta",
                       "response.function_call_arguments.delta",
                       "response.function_call_arguments.done", "response.output_item.done",
                       "response.completed"}));
  expect_contiguous_sequence(ours);
  const auto events = frames(ours);
  EXPECT_EQ(events[5].second["arguments"], "{\"city\":\"Beijing\"}");
  EXPECT_EQ(events[7].second["response"]["output"][0]["call_id"], "call_1");
  EXPECT_EQ(events[7].second["response"]["output"][0]["status"], "completed");
}

TEST(OpenAIResponsesEncoder, ErrorBecomesErrorEventThenFailed) {
  const std::string ours = encode_stream(
      Dialect::OpenAIResponses, options(),
      {StreamEvent::preamble("x", "x"), StreamEvent::text_delta("par"),
       StreamEvent::usage_report({5, 1}),
       StreamEvent::error_event({"server_error", "", "upstream died", 0}), StreamEvent::end(),
       StreamEvent::text_delta("ignored after the terminal event")});
  expect_contiguous_sequence(ours);
  const auto events = frames(ours);
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[5].first, "error");
  EXPECT_EQ(events[5].second["error"],
            json::parse(R"({"type":"server_error","code":null,"message":"upstream died","param":null})"));
  EXPECT_EQ(events[6].first, "response.failed");
  const json& response = events[6].second["response"];
  EXPECT_EQ(response["status"], "failed");
  EXPECT_EQ(response["error"], json::parse(R"({"code":"server_error","message":"upstream died"})"));
  EXPECT_EQ(response["usage"]["input_tokens"], 5);
  EXPECT_EQ(decode_stream(Dialect::OpenAIResponses, ours),
            (std::vector<StreamEvent>{
                StreamEvent::preamble("resp_sanitized_streaming", "gpt-4o-mini-2024-07-18"),
                StreamEvent::text_delta("par"), StreamEvent::error_event({"server_error", "", "upstream died", 0}),
                StreamEvent::usage_report({5, 1}), StreamEvent::end()}));
}

TEST(OpenAIResponsesEncoder, LengthFinishIsAnIncompleteResponse) {
  const std::string ours = encode_stream(
      Dialect::OpenAIResponses, options(),
      {StreamEvent::preamble("x", "x"), StreamEvent::text_delta("cut"),
       StreamEvent::finish("length"), StreamEvent::end()});
  const auto events = frames(ours);
  EXPECT_EQ(events.back().first, "response.incomplete");
  EXPECT_EQ(events.back().second["response"]["incomplete_details"]["reason"], "max_output_tokens");
  EXPECT_TRUE(events.back().second["response"]["usage"].is_null());
}

TEST(OpenAIResponsesCodec, EncodeThenDecodeRoundTrips) {
  const std::vector<StreamEvent> canonical = {
      StreamEvent::preamble("resp_sanitized_streaming", "gpt-4o-mini-2024-07-18"),
      StreamEvent::text_delta("Let me"),
      StreamEvent::text_delta(" check.\n"),
      StreamEvent::tool_delta({0, "call_a", "lookup", ""}),
      StreamEvent::tool_delta({0, "", "", "{\"q\":"}),
      StreamEvent::tool_delta({0, "", "", "1}"}),
      // The Responses API names a call with empty arguments, then streams them.
      StreamEvent::tool_delta({1, "call_b", "other", ""}),
      StreamEvent::tool_delta({1, "", "", "{}"}),
      StreamEvent::usage_report({7, 9}),
      StreamEvent::finish("tool_calls"),
      StreamEvent::end(),
  };
  const std::string bytes = encode_stream(Dialect::OpenAIResponses, options(), canonical);
  expect_contiguous_sequence(bytes);
  EXPECT_EQ(decode_stream(Dialect::OpenAIResponses, bytes), canonical);
}

TEST(OpenAIResponsesCompletion, RoundTrips) {
  Completion completion;
  completion.id = "resp_1";
  completion.model = "gpt-test";
  completion.created = 99;
  completion.text = "Hello";
  completion.finish_reason = "stop";
  completion.usage = Usage{3, 1};
  std::string error;
  const std::string body = encode_completion(Dialect::OpenAIResponses, completion);
  EXPECT_EQ(decode_completion(Dialect::OpenAIResponses, body, &error), completion) << error;
  const json parsed = json::parse(body);
  EXPECT_EQ(parsed["object"], "response");
  EXPECT_EQ(parsed["status"], "completed");
  EXPECT_EQ(parsed["output"][0]["content"][0]["type"], "output_text");

  completion.text.clear();
  completion.finish_reason = "tool_calls";
  completion.tool_calls = {{0, "call_1", "f", "{}"}};
  EXPECT_EQ(decode_completion(Dialect::OpenAIResponses,
                              encode_completion(Dialect::OpenAIResponses, completion), &error),
            completion)
      << error;
  completion.finish_reason = "length";
  EXPECT_EQ(json::parse(encode_completion(Dialect::OpenAIResponses, completion))["status"],
            "incomplete");
}

TEST(OpenAIResponsesCompletion, ErrorsAreNotCompletions) {
  std::string error;
  EXPECT_EQ(decode_completion(Dialect::OpenAIResponses,
                              R"({"error":{"message":"bad key","type":"invalid_request_error"}})",
                              &error),
            std::nullopt);
  EXPECT_EQ(error, "bad key");
  EXPECT_EQ(decode_completion(Dialect::OpenAIResponses,
                              R"({"object":"response","status":"failed","error":{"code":"server_error","message":"died"}})",
                              &error),
            std::nullopt);
  EXPECT_EQ(error, "died");
}

}  // namespace
}  // namespace midstream::wire
