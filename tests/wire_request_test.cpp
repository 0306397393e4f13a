#include <gtest/gtest.h>

#include <string>

#include "wire/request.h"

namespace midstream::wire {
namespace {

using nlohmann::json;

// The error decode_request reports for `body` (empty pointer and message when it succeeds).
RequestError error_for(Dialect dialect, const json& body) {
  RequestError error;
  if (decode_request(dialect, body, &error)) return {"", "(decoded)"};
  return error;
}

void expect_error(Dialect dialect, const char* body, const std::string& pointer,
                  const std::string& message) {
  const RequestError error = error_for(dialect, json::parse(body));
  EXPECT_EQ(error.pointer, pointer) << body;
  EXPECT_EQ(error.message, message) << body;
}

TEST(ChatRequest, DecodesTheCanonicalFields) {
  const json body = json::parse(R"({
    "model": "gpt-4o",
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": [{"type": "text", "text": "Hello "},
                                   {"type": "image_url", "image_url": {"url": "x"}},
                                   {"type": "input_text", "text": "there"}]},
      {"role": "assistant", "content": null, "tool_calls": []},
      {"role": "developer", "content": "dev"},
      {"role": "tool", "content": "42", "tool_call_id": "c"}
    ],
    "stream": true,
    "stream_options": {"include_usage": true},
    "max_completion_tokens": 100,
    "disable_fallbacks": true,
    "temperature": 0.5,
    "tools": [{"type": "function"}]
  })");
  RequestError error;
  const std::optional<CanonicalRequest> request =
      decode_request(Dialect::OpenAIChat, body, &error);
  ASSERT_TRUE(request.has_value()) << error.pointer << ": " << error.message;
  EXPECT_EQ(request->model, "gpt-4o");
  const std::vector<Message> expected = {{"system", "Be brief."},
                                         {"user", "Hello there"},
                                         {"assistant", ""},
                                         {"developer", "dev"},
                                         {"tool", "42"}};
  EXPECT_EQ(request->messages, expected);
  EXPECT_TRUE(request->stream);
  EXPECT_TRUE(request->include_usage);
  EXPECT_EQ(request->max_tokens, 100);
  EXPECT_TRUE(request->disable_fallbacks);
  EXPECT_EQ(request->extra, json::parse(R"({"temperature": 0.5, "tools": [{"type": "function"}]})"));
}

TEST(ChatRequest, DefaultsAndMaxTokens) {
  const std::optional<CanonicalRequest> request = decode_request(
      Dialect::OpenAIChat,
      json::parse(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":7})"),
      nullptr);
  ASSERT_TRUE(request.has_value());
  EXPECT_FALSE(request->stream);
  EXPECT_FALSE(request->include_usage);
  EXPECT_FALSE(request->disable_fallbacks);
  EXPECT_EQ(request->max_tokens, 7);
  EXPECT_EQ(request->extra, json::object());
}

TEST(ChatRequest, ReportsWhereAndWhatWasExpected) {
  const Dialect chat = Dialect::OpenAIChat;
  expect_error(chat, "[]", "", "expected a JSON object");
  expect_error(chat, R"({"messages":[{"role":"user","content":"x"}]})", "/model",
               "expected a non-empty string; the field is required");
  expect_error(chat, R"({"model":"","messages":[{"role":"user","content":"x"}]})", "/model",
               "expected a non-empty string");
  expect_error(chat, R"({"model":"m"})", "/messages",
               "expected a non-empty array of messages; the field is required");
  expect_error(chat, R"({"model":"m","messages":[]})", "/messages",
               "expected a non-empty array of messages");
  expect_error(chat, R"({"model":"m","messages":["hi"]})", "/messages/0",
               "expected a message object");
  expect_error(chat, R"({"model":"m","messages":[{"role":"robot","content":"x"}]})",
               "/messages/0/role",
               "expected one of \"system\", \"developer\", \"user\", \"assistant\", \"tool\"");
  expect_error(chat, R"({"model":"m","messages":[{"role":"user","content":5}]})",
               "/messages/0/content", "expected a string or an array of content parts");
  expect_error(chat, R"({"model":"m","messages":[{"role":"user","content":null}]})",
               "/messages/0/content", "expected a string or an array of content parts");
  expect_error(chat, R"({"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]})",
               "/messages/0/content/0/text", "expected a string");
  expect_error(chat, R"({"model":"m","messages":[{"role":"user","content":[7]}]})",
               "/messages/0/content/0", "expected a content part object with a string \"type\"");
  expect_error(chat, R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})",
               "/stream", "expected a boolean");
  expect_error(chat,
               R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":1}})",
               "/stream_options/include_usage", "expected a boolean");
  expect_error(chat, R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":1.5})",
               "/max_tokens", "expected an integer");
  expect_error(chat,
               R"({"model":"m","messages":[{"role":"user","content":"x"}],"disable_fallbacks":"no"})",
               "/disable_fallbacks", "expected a boolean");
}

TEST(ChatRequest, EncodesTheChatBodyWithoutTheRouterSwitch) {
  CanonicalRequest request;
  request.model = "gpt-4o";
  request.messages = {{"system", "s"}, {"user", "u"}, {"assistant", "partial"}};
  request.stream = true;
  request.include_usage = true;
  request.max_tokens = 64;
  request.disable_fallbacks = true;
  request.extra = {{"temperature", 0}, {"model", "must not override"}};
  const json body = encode_request(Dialect::OpenAIChat, request);
  EXPECT_EQ(body, json::parse(R"({
    "model": "gpt-4o",
    "messages": [{"role":"system","content":"s"},{"role":"user","content":"u"},
                 {"role":"assistant","content":"partial"}],
    "stream": true,
    "stream_options": {"include_usage": true},
    "max_tokens": 64,
    "temperature": 0
  })"));
  request.stream = false;
  request.max_tokens.reset();
  const json plain = encode_request(Dialect::OpenAIChat, request);
  EXPECT_FALSE(plain.contains("stream_options"));
  EXPECT_FALSE(plain.contains("max_tokens"));
  EXPECT_EQ(plain["stream"], false);
}

TEST(ChatRequest, DecodeOfEncodeIsIdentity) {
  CanonicalRequest request;
  request.model = "m";
  request.messages = {{"developer", "d"}, {"user", "u"}, {"assistant", "a"}, {"user", "again"}};
  request.stream = true;
  request.include_usage = true;
  request.max_tokens = 5;
  request.extra = {{"seed", 1}};
  const std::optional<CanonicalRequest> back =
      decode_request(Dialect::OpenAIChat, encode_request(Dialect::OpenAIChat, request), nullptr);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->model, request.model);
  EXPECT_EQ(back->messages, request.messages);
  EXPECT_EQ(back->stream, request.stream);
  EXPECT_EQ(back->include_usage, request.include_usage);
  EXPECT_EQ(back->max_tokens, request.max_tokens);
  EXPECT_EQ(back->extra, request.extra);
}

TEST(ResponsesRequest, DecodesStringInputWithInstructions) {
  const std::optional<CanonicalRequest> request = decode_request(
      Dialect::OpenAIResponses,
      json::parse(R"({"model":"gpt-5","input":"Hi there","instructions":"Be brief.",
                      "max_output_tokens":50,"stream":true,"reasoning":{"effort":"low"}})"),
      nullptr);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->model, "gpt-5");
  EXPECT_EQ(request->messages, (std::vector<Message>{{"system", "Be brief."}, {"user", "Hi there"}}));
  EXPECT_EQ(request->max_tokens, 50);
  EXPECT_TRUE(request->stream);
  EXPECT_EQ(request->extra, json::parse(R"({"reasoning":{"effort":"low"}})"));
}

TEST(ResponsesRequest, DecodesMessageItemsWithOrWithoutType) {
  const std::optional<CanonicalRequest> request = decode_request(
      Dialect::OpenAIResponses, json::parse(R"({"model":"m","input":[
        {"role":"user","content":"plain"},
        {"type":"message","role":"developer","content":[{"type":"input_text","text":"dev"}]},
        {"type":"message","role":"assistant","content":[{"type":"output_text","text":"so "},
                                                        {"type":"output_text","text":"far"}]}
      ],"disable_fallbacks":true})"),
      nullptr);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->messages, (std::vector<Message>{{"user", "plain"},
                                                     {"developer", "dev"},
                                                     {"assistant", "so far"}}));
  EXPECT_TRUE(request->disable_fallbacks);
  EXPECT_FALSE(request->stream);
}

TEST(ResponsesRequest, ReportsWhereAndWhatWasExpected) {
  const Dialect responses = Dialect::OpenAIResponses;
  expect_error(responses, R"({"model":"m"})", "/input",
               "expected a string or an array of input items; the field is required");
  expect_error(responses, R"({"model":"m","input":[]})", "/input",
               "expected a string or a non-empty array of input items");
  expect_error(responses, R"({"model":"m","input":[{"type":"function_call_output","output":"x"}]})",
               "/input/0/type", "expected \"message\"");
  expect_error(responses, R"({"model":"m","input":[{"role":"tool","content":"x"}]})",
               "/input/0/role",
               "expected one of \"system\", \"developer\", \"user\", \"assistant\"");
  expect_error(responses, R"({"model":"m","input":[{"role":"user"}]})", "/input/0/content",
               "expected a string or an array of content parts");
  expect_error(responses, R"({"model":"m","input":"x","instructions":3})", "/instructions",
               "expected a string");
  expect_error(responses, R"({"model":"m","input":"x","max_output_tokens":"9"})",
               "/max_output_tokens", "expected an integer");
  expect_error(responses, R"({"model":"m","input":"x","stream":1})", "/stream",
               "expected a boolean");
}

TEST(ResponsesRequest, EncodesTheContinuationShape) {
  // Original input + developer instruction + assistant output_text P (section 6).
  CanonicalRequest request;
  request.model = "gpt-5";
  request.messages = {{"user", "Tell me"}, {"developer", "Continue."}, {"assistant", "Once upon"}};
  request.stream = true;
  request.max_tokens = 10;
  request.disable_fallbacks = true;
  request.extra = {{"store", false}};
  EXPECT_EQ(encode_request(Dialect::OpenAIResponses, request), json::parse(R"({
    "model": "gpt-5",
    "input": [
      {"type":"message","role":"user","content":[{"type":"input_text","text":"Tell me"}]},
      {"type":"message","role":"developer","content":[{"type":"input_text","text":"Continue."}]},
      {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Once upon"}]}
    ],
    "stream": true,
    "max_output_tokens": 10,
    "store": false
  })"));
  const std::optional<CanonicalRequest> back = decode_request(
      Dialect::OpenAIResponses, encode_request(Dialect::OpenAIResponses, request), nullptr);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->messages, request.messages);
  EXPECT_EQ(back->max_tokens, request.max_tokens);
  EXPECT_EQ(back->extra, request.extra);
}

TEST(AnthropicRequest, DecodesSystemAndContentBlocks) {
  const std::optional<CanonicalRequest> request = decode_request(
      Dialect::Anthropic, json::parse(R"({
        "model": "claude-sonnet-4",
        "system": [{"type":"text","text":"Be "},{"type":"text","text":"brief."}],
        "messages": [
          {"role":"user","content":[{"type":"text","text":"Look: "},
                                    {"type":"image","source":{"type":"base64","data":"x"}}]},
          {"role":"assistant","content":"Sure"}
        ],
        "max_tokens": 256,
        "stream": true,
        "temperature": 0
      })"),
      nullptr);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->messages, (std::vector<Message>{{"system", "Be brief."},
                                                     {"user", "Look: "},
                                                     {"assistant", "Sure"}}));
  EXPECT_EQ(request->max_tokens, 256);
  EXPECT_TRUE(request->stream);
  EXPECT_EQ(request->extra, json::parse(R"({"temperature":0})"));
  const std::optional<CanonicalRequest> plain = decode_request(
      Dialect::Anthropic,
      json::parse(R"({"model":"c","system":"S","messages":[{"role":"user","content":"u"}]})"),
      nullptr);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->messages, (std::vector<Message>{{"system", "S"}, {"user", "u"}}));
  EXPECT_EQ(plain->max_tokens, std::nullopt);
}

TEST(AnthropicRequest, ReportsWhereAndWhatWasExpected) {
  const Dialect anthropic = Dialect::Anthropic;
  expect_error(anthropic, R"({"model":"c","messages":[{"role":"system","content":"x"}]})",
               "/messages/0/role", "expected \"user\" or \"assistant\"");
  expect_error(anthropic, R"({"model":"c","messages":[{"role":"user"}]})", "/messages/0/content",
               "expected a string or an array of content parts");
  expect_error(anthropic, R"({"model":"c","system":5,"messages":[{"role":"user","content":"x"}]})",
               "/system", "expected a string or an array of content parts");
  expect_error(anthropic, R"({"model":"c","messages":[{"role":"user","content":"x"}],"max_tokens":"1"})",
               "/max_tokens", "expected an integer");
  expect_error(anthropic, R"({"model":1,"messages":[]})", "/model", "expected a non-empty string");
}

TEST(AnthropicRequest, EncodesSystemApartAndDefaultsMaxTokens) {
  CanonicalRequest request;
  request.model = "claude";
  request.messages = {{"system", "One."},      {"developer", "Two."}, {"user", "Hi"},
                      {"assistant", "Hello"}, {"system", "Continue."}};
  request.disable_fallbacks = true;
  request.extra = {{"top_k", 5}};
  EXPECT_EQ(encode_request(Dialect::Anthropic, request), json::parse(R"({
    "model": "claude",
    "system": "One.\nTwo.",
    "messages": [{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},
                 {"role":"user","content":"Continue."}],
    "max_tokens": 1024,
    "stream": false,
    "top_k": 5
  })"));
  request.messages = {{"user", "Hi"}, {"assistant", "Prefill"}};
  request.max_tokens = 8;
  request.stream = true;
  const json body = encode_request(Dialect::Anthropic, request);
  EXPECT_FALSE(body.contains("system"));
  EXPECT_EQ(body["max_tokens"], 8);
  const std::optional<CanonicalRequest> back = decode_request(Dialect::Anthropic, body, nullptr);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->messages, request.messages);
  EXPECT_TRUE(back->stream);
}

TEST(RequestText, InputTextJoinsMessagesWithNewlines) {
  CanonicalRequest request;
  EXPECT_EQ(input_text(request), "");
  request.messages = {{"system", "Be brief."}, {"user", "Say hi"}};
  EXPECT_EQ(input_text(request), "Be brief.\nSay hi");
}

TEST(RequestText, CountTokensCountsWhitespaceSeparatedWords) {
  EXPECT_EQ(count_tokens(""), 0);
  EXPECT_EQ(count_tokens("   \n\t "), 0);
  EXPECT_EQ(count_tokens("one"), 1);
  EXPECT_EQ(count_tokens("  one two\nthree\t\tfour  "), 4);
  EXPECT_EQ(count_tokens("don't stop-me now."), 3);
  EXPECT_EQ(count_tokens("wörld ÷ 5"), 3);
}

TEST(RequestDialects, UnknownDialectIsAnError) {
  const RequestError error = error_for(Dialect::Unknown, json::object());
  EXPECT_EQ(error.message, "unknown dialect");
}

}  // namespace
}  // namespace midstream::wire
