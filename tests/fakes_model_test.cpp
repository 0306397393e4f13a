// The deterministic fake model (SPEC section 4): fresh answers, continuations answered with
// exactly the rest, the mismatch marker, word-count usage, delta splitting and prefill rules.
#include "fakes/fake_model.h"
#include "fakes/provider_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

namespace midstream::fakes {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

constexpr const char* kAnswer = "The quick brown fox jumps over the lazy dog.";  // 9 words

wire::CanonicalRequest request_of(std::vector<wire::Message> messages) {
  wire::CanonicalRequest request;
  request.model = "fake-model";
  request.messages = std::move(messages);
  return request;
}

std::string joined(const std::vector<std::string>& deltas) {
  return std::accumulate(deltas.begin(), deltas.end(), std::string());
}

// ---- answer_request ----------------------------------------------------------------------

TEST(AnswerRequest, FreshRequestGetsTheWholeAnswer) {
  const auto reply = answer_request(
      request_of({{"system", "Be brief."}, {"user", "Tell me about foxes"}}), kAnswer);
  EXPECT_EQ(reply.text, kAnswer);
  EXPECT_FALSE(reply.continuation);
  EXPECT_FALSE(reply.mismatch);
  EXPECT_EQ(reply.partial, "");
}

TEST(AnswerRequest, EarlierAssistantTurnFollowedByAnOrdinaryQuestionIsFresh) {
  // A multi-turn conversation is not a continuation: the user after the assistant asks
  // something else.
  const auto reply = answer_request(request_of({{"user", "Hi"},
                                                {"assistant", "Hello! How can I help?"},
                                                {"user", "Tell me about foxes"}}),
                                    kAnswer);
  EXPECT_FALSE(reply.continuation);
  EXPECT_EQ(reply.text, kAnswer);
}

TEST(AnswerRequest, TrailingAssistantPrefixGetsExactlyTheRest) {
  const auto reply = answer_request(
      request_of({{"user", "Tell me about foxes"}, {"assistant", "The quick brown"}}), kAnswer);
  EXPECT_TRUE(reply.continuation);
  EXPECT_FALSE(reply.mismatch);
  EXPECT_EQ(reply.partial, "The quick brown");
  EXPECT_EQ(reply.text, " fox jumps over the lazy dog.");
  EXPECT_EQ(reply.partial + reply.text, kAnswer);  // no gap, no repeat at the seam
}

TEST(AnswerRequest, PrefixEndingInsideAWordGetsTheRestOfThatWord) {
  const auto reply = answer_request(
      request_of({{"user", "Tell me about foxes"}, {"assistant", "The qu"}}), kAnswer);
  EXPECT_TRUE(reply.continuation);
  EXPECT_EQ(reply.text, "ick brown fox jumps over the lazy dog.");
}

TEST(AnswerRequest, AssistantThenUserAskingToContinueGetsTheRest) {
  const auto reply = answer_request(request_of({{"user", "Tell me about foxes"},
                                                {"assistant", "The quick brown fox "},
                                                {"user", "Please CONTINUE exactly where you stopped."}}),
                                    kAnswer);
  EXPECT_TRUE(reply.continuation);
  EXPECT_EQ(reply.partial, "The quick brown fox ");
  EXPECT_EQ(reply.text, "jumps over the lazy dog.");
}

TEST(AnswerRequest, ContinueInstructionMayBeASystemOrDeveloperMessage) {
  const auto reply = answer_request(request_of({{"user", "Tell me about foxes"},
                                                {"assistant", "The quick"},
                                                {"system", "Continuation of a cut answer follows."},
                                                {"developer", "continue"}}),
                                    kAnswer);
  EXPECT_TRUE(reply.continuation);
  EXPECT_EQ(reply.text, " brown fox jumps over the lazy dog.");
}

TEST(AnswerRequest, WholeAnswerAsPartialLeavesNothingToSay) {
  const auto reply =
      answer_request(request_of({{"user", "Tell me about foxes"}, {"assistant", kAnswer}}), kAnswer);
  EXPECT_TRUE(reply.continuation);
  EXPECT_FALSE(reply.mismatch);
  EXPECT_EQ(reply.text, "");
  EXPECT_EQ(reply.usage.output_tokens, 0);
}

TEST(AnswerRequest, NonPrefixPartialIsAMismatchAnsweredWithTheMarker) {
  const auto reply = answer_request(
      request_of({{"user", "Tell me about foxes"}, {"assistant", "The quick red"}}), kAnswer);
  EXPECT_TRUE(reply.continuation);
  EXPECT_TRUE(reply.mismatch);
  EXPECT_EQ(reply.partial, "The quick red");
  EXPECT_EQ(reply.text, kMismatchMarker);
  EXPECT_EQ(reply.usage.output_tokens, 3);  // "[midstream:", "continuation", "mismatch]"
}

TEST(AnswerRequest, PartialLongerThanTheAnswerIsAMismatch) {
  const auto reply = answer_request(
      request_of({{"user", "q"}, {"assistant", std::string(kAnswer) + " And more."}}), kAnswer);
  EXPECT_TRUE(reply.mismatch);
  EXPECT_EQ(reply.text, kMismatchMarker);
}

TEST(AnswerRequest, RepeatedSeamWordIsAMismatch) {
  // A router that re-sends the last word twice: the partial is no longer a prefix.
  const auto reply = answer_request(
      request_of({{"user", "q"}, {"assistant", "The quick quick"}}), kAnswer);
  EXPECT_TRUE(reply.mismatch);
}

TEST(AnswerRequest, AssistantFollowedByAnUnrelatedUserMessageIsNotAContinuation) {
  const auto reply = answer_request(
      request_of({{"user", "q"}, {"assistant", "The quick"}, {"user", "Now translate it."}}),
      kAnswer);
  EXPECT_FALSE(reply.continuation);
  EXPECT_FALSE(reply.mismatch);
  EXPECT_EQ(reply.text, kAnswer);
}

TEST(AnswerRequest, AssistantFollowedByAToolResultIsNotAContinuation) {
  const auto reply = answer_request(
      request_of({{"user", "q"}, {"assistant", ""}, {"tool", "continue with 42"}}), kAnswer);
  EXPECT_FALSE(reply.continuation);
  EXPECT_EQ(reply.text, kAnswer);
}

TEST(AnswerRequest, UsageCountsWordsOfAllInputAndOfTheReply) {
  // Input: 2 + 4 + 3 = 9 words over three messages (newlines and tabs are separators too).
  const auto fresh = answer_request(request_of({{"system", "Be  brief."},
                                                {"user", "Tell me\nabout\tfoxes"},
                                                {"user", "  and  dogs  please "}}),
                                    kAnswer);
  EXPECT_EQ(fresh.usage.input_tokens, 9);
  EXPECT_EQ(fresh.usage.output_tokens, 9);

  // Input includes the partial; output counts only the rest this reply carries.
  const auto rest = answer_request(
      request_of({{"user", "Tell me about foxes"}, {"assistant", "The quick brown"}}), kAnswer);
  EXPECT_EQ(rest.usage.input_tokens, 4 + 3);
  EXPECT_EQ(rest.usage.output_tokens, 6);

  // With an instruction message, its words count as input too.
  const auto instructed = answer_request(request_of({{"user", "Tell me about foxes"},
                                                     {"assistant", "The quick brown"},
                                                     {"user", "Continue."}}),
                                         kAnswer);
  EXPECT_EQ(instructed.usage.input_tokens, 4 + 3 + 1);
  EXPECT_EQ(instructed.usage.output_tokens, 6);
}

TEST(AnswerRequest, MessagesAreJoinedSoWordsDoNotMergeAcrossThem) {
  // "foo" and "bar" in two messages are two words, not one "foobar".
  const auto reply = answer_request(request_of({{"user", "foo"}, {"user", "bar"}}), kAnswer);
  EXPECT_EQ(reply.usage.input_tokens, 2);
}

// ---- split_deltas ------------------------------------------------------------------------

TEST(SplitDeltas, OneWordPerDeltaWithWhitespaceOnTheNextWord) {
  EXPECT_THAT(split_deltas("I'm unable to", 1), ElementsAre("I'm", " unable", " to"));
  EXPECT_THAT(split_deltas("a  b\nc", 1), ElementsAre("a", "  b", "\nc"));
}

TEST(SplitDeltas, LeadingWhitespaceStaysWithTheFirstWord) {
  // A continuation's rest starts with the space before its first word.
  EXPECT_THAT(split_deltas(" fox jumps", 1), ElementsAre(" fox", " jumps"));
}

TEST(SplitDeltas, ConcatenationGivesTheTextBack) {
  const std::vector<std::string> texts = {
      kAnswer,  "  leading", "a", "two  spaces\tand\ttabs\nand lines", " fox jumps over",
      "x y z w v", "one"};
  for (const auto& text : texts)
    for (int words : {1, 2, 3, 7})
      EXPECT_EQ(joined(split_deltas(text, words)), text) << '"' << text << "\" by " << words;
}

TEST(SplitDeltas, OneDeltaPerWordOfTheDefaultAnswer) {
  const auto deltas = split_deltas(kDefaultAnswer, 1);
  EXPECT_EQ(static_cast<int64_t>(deltas.size()), wire::count_tokens(kDefaultAnswer));
  EXPECT_EQ(deltas.size(), 23u);
  EXPECT_EQ(joined(deltas), kDefaultAnswer);
}

TEST(SplitDeltas, ThreeWordsPerDelta) {
  EXPECT_THAT(split_deltas(kAnswer, 3),
              ElementsAre("The quick brown", " fox jumps over", " the lazy dog."));
  EXPECT_THAT(split_deltas("a b c d e", 3), ElementsAre("a b c", " d e"));
}

TEST(SplitDeltas, EmptyTextHasNoDeltas) { EXPECT_TRUE(split_deltas("", 1).empty()); }

TEST(SplitDeltas, TrailingWhitespaceJoinsThePreviousDelta) {
  EXPECT_THAT(split_deltas("a b c d ", 3), ElementsAre("a b c", " d "));
  EXPECT_THAT(split_deltas("Hello world \n", 2), ElementsAre("Hello world \n"));
}

// Regression test, fixed: fake_model.cpp split_deltas (the `++in_current == words` push inside the loop): with
// words == 1 (the default words_per_delta) trailing whitespace completes a "group" on its own
// and becomes a whitespace-only delta, although the function's comment says it "joins the
// previous delta rather than forming its own". after_deltas:N then counts it as a content delta.
TEST(SplitDeltas, TrailingWhitespaceJoinsThePreviousDeltaWithOneWordPerDelta) {
  EXPECT_THAT(split_deltas("Hello world ", 1), ElementsAre("Hello", " world "));
  EXPECT_THAT(split_deltas("a\n\n", 1), ElementsAre("a\n\n"));
}

// ---- check_prefill -----------------------------------------------------------------------

TEST(CheckPrefill, NoPrefillIsAccepted) {
  const auto request = request_of({{"user", "q"}});
  EXPECT_FALSE(check_prefill(request, false).rejected);
  EXPECT_FALSE(check_prefill(request, true).rejected);
  EXPECT_FALSE(check_prefill(request_of({}), true).rejected);
}

TEST(CheckPrefill, PrefillWithoutTrailingWhitespaceIsAccepted) {
  const auto verdict = check_prefill(request_of({{"user", "q"}, {"assistant", "The quick"}}), false);
  EXPECT_FALSE(verdict.rejected);
  EXPECT_EQ(verdict.message, "");
}

TEST(CheckPrefill, TrailingWhitespaceIsRejected) {
  for (const char* prefill : {"The quick ", "The quick\n", "The quick\t"}) {
    const auto verdict = check_prefill(request_of({{"user", "q"}, {"assistant", prefill}}), false);
    EXPECT_TRUE(verdict.rejected) << '"' << prefill << '"';
    EXPECT_THAT(verdict.message, HasSubstr("trailing whitespace"));
  }
}

TEST(CheckPrefill, AssistantBeforeTheLastMessageIsNotAPrefill) {
  const auto request =
      request_of({{"user", "q"}, {"assistant", "The quick "}, {"user", "continue"}});
  EXPECT_FALSE(check_prefill(request, false).rejected);
  EXPECT_FALSE(check_prefill(request, true).rejected);
}

TEST(CheckPrefill, RejectAllRejectsAnyFinalAssistantMessage) {
  const auto verdict = check_prefill(request_of({{"user", "q"}, {"assistant", "The quick"}}), true);
  EXPECT_TRUE(verdict.rejected);
  EXPECT_THAT(verdict.message, HasSubstr("prefill"));
  EXPECT_THAT(verdict.message, HasSubstr("must end with a user message"));
}

}  // namespace
}  // namespace midstream::fakes
