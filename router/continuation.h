#pragma once
// Continuation requests (SPEC section 6): after a mid-stream failure the next deployment is
// asked to continue the partial answer P, in the shape its dialect needs.
#include <string>
#include <string_view>

#include "wire/events.h"
#include "wire/request.h"

namespace midstream::router {

inline constexpr std::string_view kContinueInstruction =
    "Continue exactly where the previous answer stopped; do not repeat it.";

struct ContinuationPlan {
  wire::CanonicalRequest request;  // what to send upstream
  std::string strip_prefix;        // whitespace removed from a prefill; the same must be removed
                                   // from the front of the continuation text to keep the seam exact
  bool prefill = false;            // the request ends with an assistant prefill
};

// anthropic + supports_prefill: original + assistant P (trailing whitespace stripped from P and
//   recorded in strip_prefix);
// anthropic without prefill, openai-chat: original + assistant P + user I;
// openai-responses: original + developer I + assistant P.
// Anthropic rejects whitespace-only text, so a whitespace-only P there replays the original
// with strip_prefix = P; an empty P is always a plain replay.
ContinuationPlan build_continuation(const wire::CanonicalRequest& original,
                                    const std::string& partial, wire::Dialect upstream,
                                    bool supports_prefill);

// Removes `strip` from the front of the continuation text, across delta boundaries.
class SeamJoiner {
 public:
  explicit SeamJoiner(std::string strip = {}) : strip_(std::move(strip)) {}
  // Returns the part of `delta` the client should see.
  std::string join(std::string_view delta);
  // At the end of the continuation: text held back because it matched only part of the
  // prefix (the continuation did not start with the whole prefix, so nothing is removed).
  std::string flush();

 private:
  std::string strip_;
  size_t matched_ = 0;
  bool done_ = false;
};

}  // namespace midstream::router
