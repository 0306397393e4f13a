#pragma once
// One dialect's bytes from an untrusted provider, through everything the router and the harness
// do with them: SSE framing, the stream decoder, the fold into a completion, re-encoding in every
// front (bridging is decoder x encoder), and the non-streamed body and error body readers.
// Asserts no crash, no sanitizer report, no exception (decoders never throw), and the documented
// tool numbering: calls are numbered 0, 1, ... in the order they appear, whatever the wire index.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wire/codec.h"
#include "wire/events.h"
#include "wire/sse.h"

namespace midstream::fuzz {

inline void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz decoder: %s\n", what);
  std::abort();
}

inline void fuzz_decoder(wire::Dialect dialect, const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  std::unique_ptr<wire::StreamDecoder> decoder = wire::make_decoder(dialect);
  std::vector<wire::StreamEvent> events;
  wire::SseFramer framer;
  const wire::SseFramer::Sink sink = [&](const wire::SseEvent& event) {
    decoder->decode(event, events);
  };
  framer.feed(bytes, sink);
  framer.finish(sink);

  int next_tool = 0;
  wire::Completion completion;
  for (const wire::StreamEvent& event : events) {
    if (event.kind == wire::EventKind::ToolDelta) {
      check(event.tool.index >= 0 && event.tool.index <= next_tool,
            "a tool call index that is not the next ordinal (0, 1, ... in order of appearance)");
      if (event.tool.index == next_tool) ++next_tool;
    }
    (void)wire::describe(event);
    wire::accumulate(completion, event);
  }

  for (const wire::Dialect front :
       {wire::Dialect::OpenAIChat, wire::Dialect::OpenAIResponses, wire::Dialect::Anthropic}) {
    (void)wire::encode_completion(front, completion);
    wire::EncoderOptions options;
    options.id = "fuzz";
    options.model = "fuzz-model";
    const std::string encoded = wire::encode_stream(front, options, events);
    // What a client of that front reads back must be readable.
    (void)wire::decode_stream(front, encoded);
  }

  std::string error;
  (void)wire::decode_completion(dialect, bytes, &error);
  (void)wire::decode_error_body(dialect, bytes);
}

}  // namespace midstream::fuzz
