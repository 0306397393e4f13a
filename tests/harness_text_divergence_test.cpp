// Where the client's text leaves the answer: a repeat is named a repeat, a gap a gap, with the
// offset and a window around it; and what text.exact, text.prefix and grade() say with it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "harness/checks.h"
#include "harness/checks/text_divergence.h"

namespace midstream::harness::checks {
namespace {

using testing::HasSubstr;

const std::string kAnswer = "The quick brown fox jumps over the lazy dog.";
const std::string kSent = "The quick brown fox jumps";  // 25 bytes before the seam

TEST(TextDivergence, EqualTextsAndABeginningAgree) {
  EXPECT_EQ(find_divergence(kAnswer, kAnswer, true).kind, Divergence::None);
  EXPECT_EQ(find_divergence(kAnswer, kSent, false).kind, Divergence::None);
  EXPECT_EQ(find_divergence(kAnswer, "", false).kind, Divergence::None);
  EXPECT_EQ(describe_divergence(kAnswer, kAnswer, {}), "");
}

// resend-partial: the partial, then the whole answer again.
TEST(TextDivergence, TheWholePartialSentAgainIsARepeat) {
  const std::string actual = kSent + kAnswer;
  const auto d = find_divergence(kAnswer, actual, true);
  EXPECT_EQ(d.kind, Divergence::Repeat);
  EXPECT_EQ(d.offset, 25u);
  EXPECT_EQ(d.length, 25u);
  EXPECT_EQ(describe_divergence(kAnswer, actual, d),
            "repeat of 25 bytes at the seam, at byte 25: expected \"... brown fox jumps over the "
            "lazy d...\" got \"... brown fox jumpsThe quick brown ...\"");
}

TEST(TextDivergence, AFewBytesAgainAtTheSeamIsARepeat) {
  const std::string actual = "The quick brown fox jumps jumps over the lazy dog.";
  const auto d = find_divergence(kAnswer, actual, true);
  EXPECT_EQ(d.kind, Divergence::Repeat);
  EXPECT_EQ(d.length, 6u);
}

TEST(TextDivergence, AMissingMiddleIsAGap) {
  const std::string actual = "The quick brown fox over the lazy dog.";
  const auto d = find_divergence(kAnswer, actual, true);
  EXPECT_EQ(d.kind, Divergence::Gap);
  EXPECT_EQ(d.offset, 20u);
  EXPECT_EQ(d.length, 6u);
  EXPECT_THAT(describe_divergence(kAnswer, actual, d), HasSubstr("gap of 6 bytes, at byte 20: "));
}

TEST(TextDivergence, CutExtraAndDifferentText) {
  auto d = find_divergence(kAnswer, kSent, true);
  EXPECT_EQ(d.kind, Divergence::Cut);
  EXPECT_EQ(d.length, kAnswer.size() - kSent.size());
  d = find_divergence(kAnswer, kAnswer + " And more.", true);
  EXPECT_EQ(d.kind, Divergence::Extra);
  EXPECT_EQ(d.length, 10u);
  d = find_divergence(kAnswer, "The quick brown cat jumps over the lazy dog.", true);
  EXPECT_EQ(d.kind, Divergence::Different);
  EXPECT_EQ(d.offset, 16u);
}

TEST(TextDivergence, OneByteIsSingular) {
  EXPECT_EQ(divergence_summary({Divergence::Repeat, 124, 1}), "repeat of 1 byte at the seam");
  EXPECT_EQ(divergence_summary({Divergence::Gap, 3, 2}), "gap of 2 bytes");
  EXPECT_EQ(divergence_summary({Divergence::Extra, 3, 1}), "1 byte past the end of the answer");
}

// text.prefix: only as far as the client got.
TEST(TextDivergence, ABeginningThatStepsBackOrForwardIsARepeatOrAGap) {
  auto d = find_divergence(kAnswer, kSent + "The quick", false);
  EXPECT_EQ(d.kind, Divergence::Repeat);
  EXPECT_EQ(d.length, 25u);
  d = find_divergence(kAnswer, "The quick brown fox over the", false);
  EXPECT_EQ(d.kind, Divergence::Gap);
  EXPECT_EQ(d.length, 6u);
  // Too little after the divergence to tell.
  EXPECT_EQ(find_divergence(kAnswer, kSent + "Th", false).kind, Divergence::Different);
}

TEST(TextDivergence, WindowsAreEscaped) {
  const std::string answer = "She said \"stop\"\nand left.";
  const std::string actual = "She said \"stop\"\nand right.";
  const auto d = find_divergence(answer, actual, true);
  const std::string text = describe_divergence(answer, actual, d);
  EXPECT_THAT(text, HasSubstr("\\\"stop\\\"\\nand left.\""));
}

// A window 16 bytes back from the divergence lands inside a 3-byte character here.
TEST(TextDivergence, WindowsNeverSplitACharacter) {
  const std::string euros = "\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac";
  const std::string answer = euros + "x" + euros;
  const std::string actual = euros + "y" + euros;
  const auto d = find_divergence(answer, actual, true);
  EXPECT_EQ(d.offset, 30u);
  const std::string text = describe_divergence(answer, actual, d);
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) continue;
    ASSERT_EQ(c, 0xE2) << "a split character at " << i << ": " << text;
    i += 2;
  }
  EXPECT_THAT(text, HasSubstr("expected \"...\u20ac"));
  EXPECT_THAT(text, HasSubstr("\u20acx\u20ac"));
}

}  // namespace
}  // namespace midstream::harness::checks
