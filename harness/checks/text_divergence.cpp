#include "harness/checks/text_divergence.h"

#include <algorithm>
#include <cstddef>
#include <cstdio>

namespace midstream::harness::checks {
namespace {

// Bytes of context each side of the divergence in a description.
constexpr size_t kWindowBytes = 16;
// Beginning mode: a rest shorter than this matches too many offsets of the answer to say it is a
// repeat or a gap.
constexpr size_t kMinEvidenceBytes = 4;

size_t common_prefix(const std::string& a, const std::string& b) {
  const auto shorter = static_cast<std::ptrdiff_t>(std::min(a.size(), b.size()));
  const auto first_difference = std::mismatch(a.begin(), a.begin() + shorter, b.begin()).first;
  return static_cast<size_t>(first_difference - a.begin());
}

// The actual from `offset` on is the expected from `from` on (whole), or its beginning.
bool continues_from(const std::string& expected, const std::string& actual, size_t offset,
                    size_t from, bool whole) {
  if (from > expected.size()) return false;
  const size_t rest = actual.size() - offset;
  const size_t available = expected.size() - from;
  if (whole ? rest != available : rest > available) return false;
  return actual.compare(offset, rest, expected, from, rest) == 0;
}

// Only the beginning is known: the smallest step back (repeat) or forward (gap) that explains
// the rest of the actual.
TextDivergence explain_beginning(const std::string& expected, const std::string& actual, size_t d) {
  if (actual.size() - d >= kMinEvidenceBytes) {
    for (size_t n = 1; n <= d; ++n)
      if (continues_from(expected, actual, d, d - n, false)) return {Divergence::Repeat, d, n};
    for (size_t n = 1; d + n < expected.size(); ++n)
      if (continues_from(expected, actual, d, d + n, false)) return {Divergence::Gap, d, n};
  }
  return {Divergence::Different, d, 0};
}

bool continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// `"...fox jumps over..."`: the bytes around `at`, never cutting a UTF-8 character, escaped.
std::string window(const std::string& text, size_t at) {
  at = std::min(at, text.size());
  size_t begin = at - std::min(at, kWindowBytes);
  while (begin > 0 && continuation_byte(text[begin])) --begin;
  size_t end = std::min(text.size(), at + kWindowBytes);
  while (end < text.size() && continuation_byte(text[end])) ++end;
  std::string out = begin > 0 ? "\"..." : "\"";
  for (size_t i = begin; i < end; ++i) {
    const char c = text[i];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + (end < text.size() ? "...\"" : "\"");
}

}  // namespace

TextDivergence find_divergence(const std::string& expected, const std::string& actual,
                               bool whole) {
  const size_t d = common_prefix(expected, actual);
  if (d == actual.size() && (!whole || d == expected.size())) return {Divergence::None, d, 0};
  if (!whole) return explain_beginning(expected, actual, d);
  if (d == actual.size()) return {Divergence::Cut, d, expected.size() - d};
  // The whole actual: the lengths say how many bytes a repeat added or a gap took away.
  if (actual.size() > expected.size()) {
    const size_t n = actual.size() - expected.size();
    if (n <= d && continues_from(expected, actual, d, d - n, true))
      return {Divergence::Repeat, d, n};
    if (d == expected.size()) return {Divergence::Extra, d, n};
  } else if (actual.size() < expected.size()) {
    const size_t n = expected.size() - actual.size();
    if (continues_from(expected, actual, d, d + n, true)) return {Divergence::Gap, d, n};
  }
  return {Divergence::Different, d, 0};
}

std::string divergence_summary(const TextDivergence& divergence) {
  const size_t n = divergence.length;
  const std::string bytes = std::to_string(n) + (n == 1 ? " byte" : " bytes");
  switch (divergence.kind) {
    case Divergence::None: return "";
    case Divergence::Repeat: return "repeat of " + bytes + " at the seam";
    case Divergence::Gap: return "gap of " + bytes;
    case Divergence::Cut: return "cut off " + bytes + " short of the answer";
    case Divergence::Extra: return bytes + " past the end of the answer";
    case Divergence::Different: return "different text";
  }
  return "";
}

std::string describe_divergence(const std::string& expected, const std::string& actual,
                                const TextDivergence& divergence) {
  if (divergence.kind == Divergence::None) return "";
  return divergence_summary(divergence) + ", at byte " + std::to_string(divergence.offset) +
         ": expected " + window(expected, divergence.offset) + " got " +
         window(actual, divergence.offset);
}

}  // namespace midstream::harness::checks
