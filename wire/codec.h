#pragma once
// Decoders turn one dialect's SSE events into canonical events; encoders turn canonical events
// back into a dialect's SSE bytes. One pair per dialect, created by dialect name.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/events.h"
#include "wire/sse.h"

namespace midstream::wire {

class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // Appends zero or more canonical events for one SSE event. Never throws: unreadable input
  // becomes a Malformed event.
  virtual void decode(const SseEvent& event, std::vector<StreamEvent>& out) = 0;
};

struct EncoderOptions {
  std::string id;       // response id the client sees (e.g. "chatcmpl-...")
  std::string model;
  int64_t created = 0;  // unix seconds
  bool include_usage = true;  // chat: emit the usage chunk (stream_options.include_usage)
};

class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  // Appends the wire bytes (whole SSE frames) for one canonical event. Events a dialect has no
  // place for are dropped (for example Usage on chat when include_usage is false).
  virtual void encode(const StreamEvent& event, std::string& out) = 0;
  // Starts the dialect's event numbering again from 0 (Responses sequence_number). Only a
  // router with the sequence-restart defect calls it, the way one that builds a new encoder per
  // attempt would behave.
  virtual void restart_numbering() {}
};

std::unique_ptr<StreamDecoder> make_decoder(Dialect dialect);
std::unique_ptr<StreamEncoder> make_encoder(Dialect dialect, EncoderOptions options);

// Non-streamed bodies. decode_completion returns nullopt and sets *error when the body is not
// a completion of that dialect.
std::string encode_completion(Dialect dialect, const Completion& completion);
std::optional<Completion> decode_completion(Dialect dialect, std::string_view body,
                                            std::string* error);

// Whole streams at once, for checkers and tests: decode_stream frames `bytes` (dispatching an
// event left pending at the end) and decodes every event; encode_stream runs a fresh encoder.
// Both return nothing for Dialect::Unknown.
std::vector<StreamEvent> decode_stream(Dialect dialect, std::string_view bytes);
std::string encode_stream(Dialect dialect, EncoderOptions options,
                          const std::vector<StreamEvent>& events);

// Provider-shaped HTTP error bodies: OpenAI dialects {"error":{"message","type","param","code"}},
// Anthropic {"type":"error","error":{"type","message"}}.
std::string encode_error_body(Dialect dialect, const ErrorInfo& error);
// Reads an error body of that dialect; nullopt when the body is not one.
std::optional<ErrorInfo> decode_error_body(Dialect dialect, std::string_view body);

// Folds canonical events into a Completion (text concatenated, last usage, finish reason).
void accumulate(Completion& completion, const StreamEvent& event);

}  // namespace midstream::wire
