#include "router/client_stream.h"

#include <gtest/gtest.h>

#include <vector>

#include "wire/sse.h"

namespace midstream::router {
namespace {

using wire::EventKind;
using wire::StreamEvent;

ClientStream chat_stream(Defects defects = {}) {
  wire::EncoderOptions options;
  options.id = "chatcmpl-client";
  options.model = "group";
  options.created = 1700000000;
  options.include_usage = true;
  return ClientStream(wire::make_encoder(wire::Dialect::OpenAIChat, options), "chatcmpl-client",
                      "group", std::move(defects));
}

// What a client decoding `bytes` as an openai-chat stream sees.
std::vector<StreamEvent> decode_chat(const std::string& bytes) {
  auto decoder = wire::make_decoder(wire::Dialect::OpenAIChat);
  std::vector<StreamEvent> events;
  wire::SseFramer framer;
  framer.feed(bytes, [&](const wire::SseEvent& event) { decoder->decode(event, events); });
  return events;
}

std::string text_of(const std::vector<StreamEvent>& events) {
  std::string text;
  for (const auto& event : events) {
    if (event.kind == EventKind::TextDelta) text += event.text;
  }
  return text;
}

int count_of(const std::vector<StreamEvent>& events, EventKind kind) {
  int n = 0;
  for (const auto& event : events) n += event.kind == kind ? 1 : 0;
  return n;
}

// The decoder reports one Preamble per stream, so role chunks are counted in the bytes.
int role_chunks(const std::string& bytes) {
  int n = 0;
  for (size_t at = bytes.find("\"role\":\"assistant\""); at != std::string::npos;
       at = bytes.find("\"role\":\"assistant\"", at + 1)) {
    ++n;
  }
  return n;
}

// Attempt 1 sends "Hello " and dies; attempt 2 (an Anthropic prefill continuation of "Hello",
// so it repeats the stripped space) sends " world" split across deltas.
std::string two_attempts(ClientStream& stream) {
  std::string out;
  stream.begin_attempt("");
  EXPECT_FALSE(stream.forward(StreamEvent::preamble("up-1", "gpt-x"), out));
  EXPECT_TRUE(out.empty()) << "the preamble is held until content";
  EXPECT_FALSE(stream.committed());
  EXPECT_TRUE(stream.forward(StreamEvent::text_delta("Hello "), out));
  EXPECT_TRUE(stream.committed());
  stream.begin_attempt(" ");
  StreamEvent preamble = StreamEvent::preamble("msg_2", "claude-x");
  preamble.usage = wire::Usage{7, 0};
  EXPECT_FALSE(stream.forward(preamble, out));
  EXPECT_TRUE(stream.forward(StreamEvent::text_delta(" "), out));
  EXPECT_TRUE(stream.forward(StreamEvent::text_delta("world"), out));
  EXPECT_TRUE(stream.forward(StreamEvent::text_delta("!"), out));
  // The upstream's own ending is held back.
  EXPECT_FALSE(stream.forward(StreamEvent::finish("stop"), out));
  EXPECT_FALSE(stream.forward(StreamEvent::usage_report(wire::Usage{7, 2}), out));
  EXPECT_FALSE(stream.forward(StreamEvent::end(), out));
  return out;
}

TEST(RouterClientStream, OnePreambleAndTextOnceAcrossAttempts) {
  ClientStream stream = chat_stream();
  std::string out = two_attempts(stream);
  stream.finish("stop", wire::Usage{19, 3}, out);

  EXPECT_EQ(stream.text(), "Hello world!");
  EXPECT_EQ(stream.attempt_index(), 2);
  EXPECT_EQ(role_chunks(out), 1);
  EXPECT_EQ(out.find("up-1"), std::string::npos) << "the client never sees an upstream id";
  EXPECT_EQ(out.find("msg_2"), std::string::npos);

  const std::vector<StreamEvent> events = decode_chat(out);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().kind, EventKind::Preamble);
  EXPECT_EQ(events.front().id, "chatcmpl-client");
  EXPECT_EQ(events.front().model, "group");
  EXPECT_EQ(text_of(events), "Hello world!");
  EXPECT_EQ(count_of(events, EventKind::Finish), 1);
  EXPECT_EQ(count_of(events, EventKind::Usage), 1);
  ASSERT_GE(events.size(), 3u);
  const size_t n = events.size();
  EXPECT_EQ(events[n - 3].kind, EventKind::Finish);
  EXPECT_EQ(events[n - 3].finish_reason, "stop");
  EXPECT_EQ(events[n - 2].kind, EventKind::Usage);
  EXPECT_EQ(events[n - 2].usage, (wire::Usage{19, 3}));
  EXPECT_EQ(events[n - 1].kind, EventKind::End);
  EXPECT_NE(out.rfind("data: [DONE]\n\n"), std::string::npos);
}

TEST(RouterClientStream, FinishWithoutUsageOmitsTheUsageChunk) {
  ClientStream stream = chat_stream();
  std::string out;
  stream.begin_attempt("");
  stream.forward(StreamEvent::text_delta("Hi"), out);
  stream.finish("length", std::nullopt, out);
  const std::vector<StreamEvent> events = decode_chat(out);
  EXPECT_EQ(count_of(events, EventKind::Usage), 0);
  EXPECT_EQ(events.back().kind, EventKind::End);
}

TEST(RouterClientStream, FailuresBeforeContentAreInvisible) {
  ClientStream stream = chat_stream();
  std::string out;
  stream.begin_attempt("");
  stream.forward(StreamEvent::preamble("up-1", "gpt-x"), out);
  wire::ErrorInfo upstream_error{"server_error", "", "boom", 0};
  EXPECT_FALSE(stream.forward(StreamEvent::error_event(upstream_error), out));
  EXPECT_FALSE(stream.forward(StreamEvent::malformed("{", "invalid JSON"), out));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(stream.committed());
  stream.begin_attempt("");
  stream.forward(StreamEvent::preamble("up-2", "gpt-x"), out);
  stream.forward(StreamEvent::text_delta("Hi"), out);
  EXPECT_EQ(role_chunks(out), 1);
  EXPECT_EQ(text_of(decode_chat(out)), "Hi");
}

TEST(RouterClientStream, FailWritesAnErrorAndNoTerminator) {
  ClientStream stream = chat_stream();
  std::string out;
  stream.begin_attempt("");
  stream.forward(StreamEvent::text_delta("Hello "), out);
  stream.fail({"server_error", "upstream_failed", "every deployment failed", 0}, out);

  const std::vector<StreamEvent> events = decode_chat(out);
  EXPECT_EQ(events.back().kind, EventKind::Error);
  EXPECT_EQ(events.back().error.message, "every deployment failed");
  EXPECT_EQ(count_of(events, EventKind::End), 0);
  EXPECT_EQ(count_of(events, EventKind::Finish), 0);
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
}

TEST(RouterClientStream, FailBeforeAnyContentStillFormsAStream) {
  ClientStream stream = chat_stream();
  std::string out;
  stream.fail({"server_error", "", "no deployment answered", 0}, out);
  const std::vector<StreamEvent> events = decode_chat(out);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, EventKind::Preamble);
  EXPECT_EQ(events[1].kind, EventKind::Error);
}

TEST(RouterClientStream, HeldSeamWhitespaceIsReleasedWhenTheContinuationDiffers) {
  ClientStream stream = chat_stream();
  std::string out;
  stream.begin_attempt("");
  stream.forward(StreamEvent::text_delta("One."), out);
  stream.begin_attempt("\n\n");
  stream.forward(StreamEvent::text_delta("\n"), out);
  stream.finish("stop", std::nullopt, out);
  EXPECT_EQ(stream.text(), "One.\n");
  EXPECT_EQ(text_of(decode_chat(out)), "One.\n");
}

TEST(RouterClientStream, ToolDeltasAreForwardedAndRemembered) {
  ClientStream stream = chat_stream();
  std::string out;
  stream.begin_attempt("");
  wire::ToolDelta tool;
  tool.id = "call_1";
  tool.name = "lookup";
  tool.arguments = "{\"q\":";
  EXPECT_TRUE(stream.forward(StreamEvent::tool_delta(tool), out));
  EXPECT_TRUE(stream.tool_in_flight());
  EXPECT_TRUE(stream.committed());
  const std::vector<StreamEvent> events = decode_chat(out);
  ASSERT_EQ(count_of(events, EventKind::ToolDelta), 1);
  EXPECT_EQ(events.back().tool.name, "lookup");
}

TEST(RouterClientStream, CommitWritesThePreambleOnce) {
  ClientStream stream = chat_stream();
  std::string out;
  stream.commit(out);
  EXPECT_TRUE(stream.committed());
  EXPECT_EQ(role_chunks(out), 1);
  stream.begin_attempt("");
  stream.forward(StreamEvent::preamble("up-1", "gpt-x"), out);
  stream.forward(StreamEvent::text_delta("Hi"), out);
  stream.commit(out);
  EXPECT_EQ(role_chunks(out), 1);
}

TEST(RouterClientStream, SecondPreambleDefectRepeatsIt) {
  ClientStream correct = chat_stream();
  std::string correct_out = two_attempts(correct);
  ClientStream defective = chat_stream(Defects({std::string(defect::kSecondPreamble)}));
  std::string defective_out = two_attempts(defective);
  EXPECT_EQ(role_chunks(correct_out), 1);
  EXPECT_EQ(role_chunks(defective_out), 2);
  EXPECT_EQ(defective.text(), "Hello world!");
}

TEST(RouterClientStream, PortkeyCleanCloseDefectWritesNothingOnFailure) {
  ClientStream correct = chat_stream();
  std::string correct_out = two_attempts(correct);
  const size_t before = correct_out.size();
  correct.fail({"server_error", "", "dropped", 0}, correct_out);
  EXPECT_GT(correct_out.size(), before);

  ClientStream defective = chat_stream(Defects({std::string(defect::kCleanCloseAfterDrop)}));
  std::string defective_out = two_attempts(defective);
  const std::string sent = defective_out;
  defective.fail({"server_error", "", "dropped", 0}, defective_out);
  EXPECT_EQ(defective_out, sent);
  EXPECT_EQ(count_of(decode_chat(defective_out), EventKind::Error), 0);
}

}  // namespace
}  // namespace midstream::router
