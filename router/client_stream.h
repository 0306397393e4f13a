#pragma once
// Keeps ONE response on the client side whatever happens upstream: one preamble, text deltas
// forwarded once, the seam joined, and the finish, usage and terminator written by the router
// itself at the end. Pure: takes canonical events, appends the front's wire bytes.
#include <memory>
#include <optional>
#include <string>

#include "router/continuation.h"
#include "router/defects.h"
#include "wire/codec.h"

namespace midstream::router {

class ClientStream {
 public:
  ClientStream(std::unique_ptr<wire::StreamEncoder> encoder, std::string id, std::string model,
               Defects defects = {});

  // A new upstream attempt starts; `strip_prefix` is the seam whitespace to remove (see
  // ContinuationPlan).
  void begin_attempt(std::string strip_prefix);
  // Forwards one upstream event, appending client bytes to out. Upstream Finish, Usage and End
  // events are held back: the router writes its own at the end. Returns true when the event
  // carried content.
  bool forward(const wire::StreamEvent& event, std::string& out);
  // Writes the preamble if not yet written (the commit point without content: only used by the
  // commit-before-content defect).
  void commit(std::string& out);
  // A clean end: finish reason, usage (if any), terminator.
  void finish(const std::string& finish_reason, const std::optional<wire::Usage>& usage,
              std::string& out);
  // The front's in-band error; never a clean terminator.
  void fail(const wire::ErrorInfo& error, std::string& out);

  bool committed() const { return committed_; }
  const std::string& text() const { return text_; }     // all text the client has been sent
  bool tool_in_flight() const { return tool_seen_; }    // a tool-call delta reached the client
  int attempt_index() const { return attempts_; }

 private:
  // Sends whitespace the seam held back when the continuation turned out not to repeat it.
  void release_held_text(std::string& out);

  std::unique_ptr<wire::StreamEncoder> encoder_;
  std::string id_, model_;
  Defects defects_;
  bool committed_ = false;
  bool tool_seen_ = false;
  int attempts_ = 0;
  int first_preamble_attempt_ = 0;  // the attempt whose preamble came first (0: none yet)
  SeamJoiner seam_;
  std::string text_;
};

}  // namespace midstream::router
