#include "router/continuation.h"

#include <gtest/gtest.h>

#include <vector>

namespace midstream::router {
namespace {

using wire::Dialect;
using wire::Message;

wire::CanonicalRequest original() {
  wire::CanonicalRequest request;
  request.model = "group";
  request.messages = {{"system", "Be brief."}, {"user", "Say hello."}};
  request.stream = true;
  request.include_usage = true;
  request.max_tokens = 64;
  request.extra = {{"temperature", 0}};
  return request;
}

void expect_kept(const wire::CanonicalRequest& request) {
  EXPECT_EQ(request.model, "group");
  EXPECT_TRUE(request.stream);
  EXPECT_TRUE(request.include_usage);
  EXPECT_EQ(request.max_tokens, 64);
  EXPECT_EQ(request.extra, nlohmann::json({{"temperature", 0}}));
}

const std::string kInstruction(kContinueInstruction);

TEST(RouterContinuation, OpenAIChatAppendsPartialThenUserInstruction) {
  const ContinuationPlan plan = build_continuation(original(), "Hello wor", Dialect::OpenAIChat, true);
  EXPECT_EQ(plan.request.messages,
            (std::vector<Message>{{"system", "Be brief."}, {"user", "Say hello."},
                                  {"assistant", "Hello wor"}, {"user", kInstruction}}));
  EXPECT_FALSE(plan.prefill);
  EXPECT_EQ(plan.strip_prefix, "");
  expect_kept(plan.request);
}

TEST(RouterContinuation, AnthropicWithoutPrefillKeepsTrailingWhitespace) {
  const ContinuationPlan plan = build_continuation(original(), "Hello ", Dialect::Anthropic, false);
  EXPECT_EQ(plan.request.messages,
            (std::vector<Message>{{"system", "Be brief."}, {"user", "Say hello."},
                                  {"assistant", "Hello "}, {"user", kInstruction}}));
  EXPECT_FALSE(plan.prefill);
  EXPECT_EQ(plan.strip_prefix, "");
  expect_kept(plan.request);
}

TEST(RouterContinuation, AnthropicPrefillStripsTrailingWhitespace) {
  const ContinuationPlan plan =
      build_continuation(original(), "Hello world ", Dialect::Anthropic, true);
  EXPECT_EQ(plan.request.messages,
            (std::vector<Message>{{"system", "Be brief."}, {"user", "Say hello."},
                                  {"assistant", "Hello world"}}));
  EXPECT_TRUE(plan.prefill);
  EXPECT_EQ(plan.strip_prefix, " ");
  expect_kept(plan.request);

  const ContinuationPlan lines = build_continuation(original(), "One.\n\n \t", Dialect::Anthropic, true);
  EXPECT_EQ(lines.request.messages.back(), (Message{"assistant", "One."}));
  EXPECT_EQ(lines.strip_prefix, "\n\n \t");

  const ContinuationPlan clean = build_continuation(original(), "Hello", Dialect::Anthropic, true);
  EXPECT_EQ(clean.request.messages.back(), (Message{"assistant", "Hello"}));
  EXPECT_EQ(clean.strip_prefix, "");
  EXPECT_TRUE(clean.prefill);
}

TEST(RouterContinuation, AnthropicWhitespaceOnlyPartialReplaysAndStrips) {
  for (bool prefill : {true, false}) {
    const ContinuationPlan plan = build_continuation(original(), " \n", Dialect::Anthropic, prefill);
    EXPECT_EQ(plan.request.messages, original().messages);
    EXPECT_FALSE(plan.prefill);
    EXPECT_EQ(plan.strip_prefix, " \n");
  }
}

TEST(RouterContinuation, ResponsesPutsDeveloperInstructionBeforePartial) {
  const ContinuationPlan plan =
      build_continuation(original(), "Hello wor", Dialect::OpenAIResponses, true);
  EXPECT_EQ(plan.request.messages,
            (std::vector<Message>{{"system", "Be brief."}, {"user", "Say hello."},
                                  {"developer", kInstruction}, {"assistant", "Hello wor"}}));
  EXPECT_FALSE(plan.prefill);
  EXPECT_EQ(plan.strip_prefix, "");
  expect_kept(plan.request);
}

TEST(RouterContinuation, EmptyPartialIsAPlainReplay) {
  for (Dialect dialect : {Dialect::OpenAIChat, Dialect::OpenAIResponses, Dialect::Anthropic}) {
    const ContinuationPlan plan = build_continuation(original(), "", dialect, true);
    EXPECT_EQ(plan.request.messages, original().messages);
    EXPECT_FALSE(plan.prefill);
    EXPECT_EQ(plan.strip_prefix, "");
  }
}

std::string join_all(SeamJoiner& joiner, const std::vector<std::string>& deltas) {
  std::string out;
  for (const auto& delta : deltas) out += joiner.join(delta);
  return out + joiner.flush();
}

TEST(RouterSeamJoiner, StripsThePrefixAcrossDeltas) {
  SeamJoiner whole(" ");
  EXPECT_EQ(whole.join(" again"), "again");
  EXPECT_EQ(whole.join(" and"), " and");  // only the front of the continuation

  SeamJoiner split("\n\n");
  EXPECT_EQ(split.join("\n"), "");
  EXPECT_EQ(split.join("\nNext"), "Next");
  EXPECT_EQ(split.join(" line"), " line");

  SeamJoiner exact(" \t");
  EXPECT_EQ(join_all(exact, {" ", "\t", "", "x"}), "x");
}

TEST(RouterSeamJoiner, NeverEatsRealText) {
  SeamJoiner other(" ");
  EXPECT_EQ(other.join("world"), "world");
  EXPECT_EQ(other.join(" again"), " again");

  // A partial match that then differs is released untouched.
  SeamJoiner partial("\n\n");
  EXPECT_EQ(partial.join("\n"), "");
  EXPECT_EQ(partial.join("Next"), "\nNext");

  // A continuation that ends inside the prefix gets it back on flush.
  SeamJoiner short_answer("  ");
  EXPECT_EQ(join_all(short_answer, {" "}), " ");

  SeamJoiner none;
  EXPECT_EQ(join_all(none, {" a", " b"}), " a b");
}

}  // namespace
}  // namespace midstream::router
