#include "router/continuation.h"

#include <algorithm>
#include <cctype>

namespace midstream::router {
namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

ContinuationPlan build_continuation(const wire::CanonicalRequest& original,
                                    const std::string& partial, wire::Dialect upstream,
                                    bool supports_prefill) {
  // Everything else (model, stream, include_usage, max_tokens, extra) is kept as the client
  // sent it; the caller points `model` at the next deployment.
  ContinuationPlan plan;
  plan.request = original;
  auto& messages = plan.request.messages;
  if (partial.empty()) return plan;  // nothing reached the client: a plain replay

  const bool all_space = std::all_of(partial.begin(), partial.end(), is_space);
  if (upstream == wire::Dialect::Anthropic && all_space) {
    // Anthropic rejects whitespace-only text, as prefill or not. A deterministic answer starts
    // with the same whitespace again, so replay the original and strip that whitespace from
    // the front of the new answer (SeamJoiner passes it through if it differs).
    plan.strip_prefix = partial;
    return plan;
  }

  switch (upstream) {
    case wire::Dialect::Anthropic:
      if (supports_prefill) {
        // A prefill may not end in whitespace; the model continues after the stripped text,
        // so the same whitespace is expected again at the front of the continuation.
        const auto kept = static_cast<size_t>(
            std::find_if_not(partial.rbegin(), partial.rend(), is_space).base() -
            partial.begin());
        plan.strip_prefix = partial.substr(kept);
        messages.push_back({"assistant", partial.substr(0, kept)});
        plan.prefill = true;
        break;
      }
      [[fallthrough]];
    case wire::Dialect::OpenAIChat:
    case wire::Dialect::Unknown:
      messages.push_back({"assistant", partial});
      messages.push_back({"user", std::string(kContinueInstruction)});
      break;
    case wire::Dialect::OpenAIResponses:
      // The shape LiteLLM 1.104 sends: the instruction first, then the partial output.
      messages.push_back({"developer", std::string(kContinueInstruction)});
      messages.push_back({"assistant", partial});
      break;
  }
  return plan;
}

std::string SeamJoiner::join(std::string_view delta) {
  if (done_ || strip_.empty()) return std::string(delta);
  // Hold back text while it matches strip_; release it untouched as soon as it differs, so
  // only the exact expected whitespace is ever removed.
  size_t i = 0;
  while (i < delta.size() && matched_ < strip_.size() && delta[i] == strip_[matched_]) {
    ++i;
    ++matched_;
  }
  if (matched_ == strip_.size()) {
    done_ = true;
    return std::string(delta.substr(i));
  }
  if (i == delta.size()) return {};  // still matching: wait for the next delta
  done_ = true;
  return strip_.substr(0, matched_ - i) + std::string(delta);
}

std::string SeamJoiner::flush() {
  if (done_) return {};
  done_ = true;
  return strip_.substr(0, matched_);
}

}  // namespace midstream::router
