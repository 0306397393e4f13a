#include "router/client_stream.h"

#include <utility>

namespace midstream::router {

ClientStream::ClientStream(std::unique_ptr<wire::StreamEncoder> encoder, std::string id,
                           std::string model, Defects defects)
    : encoder_(std::move(encoder)),
      id_(std::move(id)),
      model_(std::move(model)),
      defects_(std::move(defects)) {}

void ClientStream::begin_attempt(std::string strip_prefix) {
  ++attempts_;
  seam_ = SeamJoiner(std::move(strip_prefix));
  if (attempts_ > 1 && committed_ && defects_.on(defect::kSequenceRestart)) encoder_->restart_numbering();
}

bool ClientStream::forward(const wire::StreamEvent& event, std::string& out) {
  switch (event.kind) {
    case wire::EventKind::Preamble:
      // Held until the first content (the commit point); the client's preamble carries the
      // router's id and model, never an upstream's. Later attempts' preambles are dropped.
      if (first_preamble_attempt_ == 0) first_preamble_attempt_ = attempts_;
      if (committed_ && attempts_ > first_preamble_attempt_ &&
          defects_.on(defect::kSecondPreamble)) {
        encoder_->encode(wire::StreamEvent::preamble(id_, model_), out);
      }
      return false;
    case wire::EventKind::TextDelta: {
      if (event.text.empty()) return false;
      commit(out);
      const std::string piece = seam_.join(event.text);
      if (!piece.empty()) {
        text_ += piece;
        encoder_->encode(wire::StreamEvent::text_delta(piece), out);
      }
      return true;
    }
    case wire::EventKind::ToolDelta:
      commit(out);
      release_held_text(out);  // the text part of the continuation is over
      tool_seen_ = true;
      encoder_->encode(event, out);
      return true;
    case wire::EventKind::Usage:
    case wire::EventKind::Finish:
    case wire::EventKind::Error:
    case wire::EventKind::Malformed:
    case wire::EventKind::End:
      // The router writes its own finish, usage and terminator, or its own error.
      return false;
  }
  return false;
}

void ClientStream::commit(std::string& out) {
  if (committed_) return;
  committed_ = true;
  encoder_->encode(wire::StreamEvent::preamble(id_, model_), out);
}

void ClientStream::finish(const std::string& finish_reason,
                          const std::optional<wire::Usage>& usage, std::string& out) {
  commit(out);  // an empty answer still gets its preamble
  release_held_text(out);
  encoder_->encode(wire::StreamEvent::finish(finish_reason), out);
  if (usage) encoder_->encode(wire::StreamEvent::usage_report(*usage), out);
  encoder_->encode(wire::StreamEvent::end(), out);
}

void ClientStream::release_held_text(std::string& out) {
  if (std::string held = seam_.flush(); !held.empty()) {
    text_ += held;
    encoder_->encode(wire::StreamEvent::text_delta(std::move(held)), out);
  }
}

void ClientStream::fail(const wire::ErrorInfo& error, std::string& out) {
  if (defects_.on(defect::kCleanCloseAfterDrop)) {
    // Portkey pipes the upstream body through: when the upstream drops, the client's body
    // just ends, with no error event, no finish and no terminator (Portkey #1797). Writing
    // nothing reproduces that for every front; the HTTP response still ends cleanly.
    return;
  }
  commit(out);  // an in-band error needs a stream to be in
  // The encoder owns the front's error shape: chat writes `data: {"error":...}` and no [DONE];
  // Responses writes `error` then `response.failed`, its terminal event.
  encoder_->encode(wire::StreamEvent::error_event(error), out);
}

}  // namespace midstream::router
