#include "wire/json_text.h"

#include <array>
#include <charconv>

namespace midstream::wire::detail {
namespace {

// True for the bytes append_json_string cannot copy as they come: controls, `"`, `\` and every
// byte of a multi-byte UTF-8 sequence (checked before it is copied).
constexpr std::array<bool, 256> kNotPlain = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return table;
}();

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void append_control(std::string& out, unsigned char c) {
  switch (c) {
    case '\b': out.append("\\b"); return;
    case '\t': out.append("\\t"); return;
    case '\n': out.append("\\n"); return;
    case '\f': out.append("\\f"); return;
    case '\r': out.append("\\r"); return;
    default: break;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
  out.append(escaped, sizeof escaped);
}

// The length of the well-formed UTF-8 sequence `lead` starts (Unicode table 3-7), with the range
// its second byte must fall in; 0 when `lead` cannot start one (80-C1, F5-FF).
struct Lead {
  int length = 0;
  unsigned char low = 0x80;   // second byte's range; later bytes are always 80-BF
  unsigned char high = 0xBF;
};

Lead lead_of(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return {2, 0x80, 0xBF};
  if (lead == 0xE0) return {3, 0xA0, 0xBF};
  if (lead == 0xED) return {3, 0x80, 0x9F};  // no surrogates
  if (lead >= 0xE1 && lead <= 0xEF) return {3, 0x80, 0xBF};
  if (lead == 0xF0) return {4, 0x90, 0xBF};
  if (lead >= 0xF1 && lead <= 0xF3) return {4, 0x80, 0xBF};
  if (lead == 0xF4) return {4, 0x80, 0x8F};  // up to U+10FFFF
  return {};
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  out.push_back('"');
  size_t i = 0;
  while (i < size) {
    size_t run = i;
    while (run < size && !kNotPlain[bytes[run]]) ++run;
    out.append(text.data() + i, run - i);
    i = run;
    if (i == size) break;
    const unsigned char c = bytes[i];
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else {
        append_control(out, c);
      }
      ++i;
      continue;
    }
    const Lead lead = lead_of(c);
    if (lead.length == 0) {  // not a lead byte: replaced on its own
      out.append(kReplacement);
      ++i;
      continue;
    }
    size_t k = 1;
    for (; k < static_cast<size_t>(lead.length); ++k) {
      if (i + k == size) break;  // unfinished at the end
      const unsigned char next = bytes[i + k];
      const bool fits =
          k == 1 ? next >= lead.low && next <= lead.high : next >= 0x80 && next <= 0xBF;
      if (!fits) break;
    }
    if (k == static_cast<size_t>(lead.length)) {
      out.append(text.data() + i, k);
    } else {
      // The bytes read so far become one U+FFFD; the byte that broke the sequence (if any) is
      // read again as the start of what follows.
      out.append(kReplacement);
    }
    i += k;
  }
  out.push_back('"');
}

std::string json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_string(out, text);
  return out;
}

void append_json_int(std::string& out, int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

}  // namespace midstream::wire::detail
