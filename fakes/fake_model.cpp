#include "fakes/fake_model.h"

#include <algorithm>
#include <cctype>

namespace midstream::fakes {
namespace {

bool asks_to_continue(const wire::Message& message) {
  if (message.role != "system" && message.role != "developer" && message.role != "user")
    return false;
  std::string lower = message.content;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("continu") != std::string::npos;
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

ModelReply answer_request(const wire::CanonicalRequest& request, const std::string& answer) {
  ModelReply reply;
  const auto& messages = request.messages;
  for (size_t i = messages.size(); i-- > 0;) {
    if (messages[i].role != "assistant") continue;
    bool tail_asks = true;
    for (size_t j = i + 1; j < messages.size(); ++j) tail_asks = tail_asks && asks_to_continue(messages[j]);
    if (tail_asks) {
      reply.continuation = true;
      reply.partial = messages[i].content;
    }
    break;
  }
  if (!reply.continuation) {
    reply.text = answer;
  } else if (answer.compare(0, reply.partial.size(), reply.partial) == 0) {
    reply.text = answer.substr(reply.partial.size());
  } else {
    reply.mismatch = true;
    reply.text = kMismatchMarker;
  }
  reply.usage.input_tokens = wire::count_tokens(wire::input_text(request));
  reply.usage.output_tokens = wire::count_tokens(reply.text);
  return reply;
}

PrefillVerdict check_prefill(const wire::CanonicalRequest& request, bool reject_all) {
  PrefillVerdict verdict;
  if (request.messages.empty() || request.messages.back().role != "assistant") return verdict;
  const std::string& prefill = request.messages.back().content;
  if (reject_all) {
    verdict.rejected = true;
    verdict.message =
        "This model does not support assistant message prefill. The conversation must end with "
        "a user message.";
  } else if (!prefill.empty() && is_space(prefill.back())) {
    verdict.rejected = true;
    verdict.message = "messages: final assistant content cannot end with trailing whitespace";
  }
  return verdict;
}

std::vector<std::string> split_fragments(const std::string& arguments, size_t bytes) {
  std::vector<std::string> fragments;
  for (size_t i = 0; i < arguments.size(); i += bytes) fragments.push_back(arguments.substr(i, bytes));
  return fragments;
}

std::vector<std::string> split_deltas(const std::string& text, int words) {
  std::vector<std::string> deltas;
  std::string current;
  int in_current = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) {
      // Trailing whitespace alone is no word: it joins the delta before it.
      if (!current.empty()) current.append(text, start, i - start);
      else if (!deltas.empty()) deltas.back().append(text, start, i - start);
      else current.append(text, start, i - start);
      break;
    }
    while (i < text.size() && !is_space(text[i])) ++i;
    current.append(text, start, i - start);
    if (++in_current == words) {
      deltas.push_back(std::move(current));
      current.clear();
      in_current = 0;
    }
  }
  if (!current.empty()) deltas.push_back(std::move(current));
  return deltas;
}

}  // namespace midstream::fakes
