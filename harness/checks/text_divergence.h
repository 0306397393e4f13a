#pragma once
// Where the client's text leaves the canonical answer, and what happened there: a repeat at the
// seam (the router sent part of the answer again), a gap (it skipped part), a cut, extra text or
// plain different text. Pure; text.exact, text.prefix and grade() say it in their failures.
#include <cstddef>
#include <string>

namespace midstream::harness::checks {

enum class Divergence {
  None,       // the texts agree (exact: equal; prefix: the actual is a prefix of the answer)
  Repeat,     // the actual goes on from an earlier offset of the answer: `length` bytes again
  Gap,        // the actual goes on from a later offset of the answer: `length` bytes skipped
  Cut,        // exact only: the actual is a strict prefix of the answer, `length` bytes short
  Extra,      // exact only: the answer is a strict prefix of the actual, `length` bytes over
  Different,  // none of those explains the rest of the actual
};

struct TextDivergence {
  Divergence kind = Divergence::None;
  size_t offset = 0;  // the first byte where the two differ
  size_t length = 0;  // Repeat, Gap, Cut, Extra: how many bytes
};

// Compares the actual text with the expected answer. `whole`: the actual must be all of it
// (text.exact); else only its beginning (text.prefix), where what follows the divergence need
// only be explained as far as the actual goes.
TextDivergence find_divergence(const std::string& expected, const std::string& actual,
                               bool whole);

// What happened, without where: `repeat of 25 bytes at the seam`, `gap of 1 byte`; empty for
// Divergence::None.
std::string divergence_summary(const TextDivergence& divergence);

// One line: `repeat of 25 bytes at the seam, at byte 25: expected "...fox jumps over..." got
// "...fox jumpsThe quick..."`; empty for Divergence::None. The windows never split a UTF-8
// character, and quotes, backslashes and control characters are escaped.
std::string describe_divergence(const std::string& expected, const std::string& actual,
                                const TextDivergence& divergence);

}  // namespace midstream::harness::checks
