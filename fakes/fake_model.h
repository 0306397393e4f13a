#pragma once
// The deterministic fake model of SPEC section 4: a canonical answer, continuation requests
// answered with exactly the rest, and word-count usage. Pure: no sockets.
//
// Continuation rule: a request is a continuation when it holds an assistant message that is
// either the last message, or is followed only by system/developer/user messages that ask to
// continue (their text contains "continu", any case). Its partial P is that assistant text.
// Token rule: input = whitespace-separated words of every message; output = words of the text
// this reply carries, plus the words of a tool call's arguments when the reply makes one.
#include <string>
#include <vector>

#include "wire/events.h"
#include "wire/request.h"

namespace midstream::fakes {

inline constexpr const char* kMismatchMarker = "[midstream: continuation mismatch]";

struct ModelReply {
  std::string text;            // what this request is answered with
  bool continuation = false;
  std::string partial;         // P, when a continuation
  bool mismatch = false;       // P is not a prefix of the canonical answer
  wire::Usage usage;           // input and output tokens by the documented rule
};

struct PrefillVerdict {
  bool rejected = false;
  std::string message;  // Anthropic's wording
};

ModelReply answer_request(const wire::CanonicalRequest& request, const std::string& answer);

// Anthropic's prefill rules: a final assistant message ending in whitespace is rejected; with
// reject_all (newer models), any final assistant message is.
PrefillVerdict check_prefill(const wire::CanonicalRequest& request, bool reject_all);

// Splits a tool call's arguments into fragments of at most `bytes` bytes.
std::vector<std::string> split_fragments(const std::string& arguments, size_t bytes = 8);

// Splits text into deltas of `words` words each; whitespace stays attached to the word after it
// ("I'm unable to" -> "I'm", " unable", " to"), so concatenating the deltas gives the text back.
std::vector<std::string> split_deltas(const std::string& text, int words);

}  // namespace midstream::fakes
