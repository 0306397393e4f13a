#pragma once
// Inputs shared by the microbenchmarks: the recorded fixtures (tests/fixtures) as the bytes a
// provider sent, and synthetic long streams built with the dialects' own encoders.
#include <string>
#include <vector>

#include "wire/codec.h"
#include "wire/events.h"
#include "wire/sse.h"

namespace midstream::bench {

struct FixtureStream {
  std::string name;       // "openai-chat/text-with-usage.sse"
  wire::Dialect dialect;  // from the fixture's folder
  std::string bytes;      // SSE bytes (.jsonl framed as SOURCES.md says)
};

// Every fixture file of a dialect midstream decodes (tests/fixture_replay.h's
// decodable_fixtures), sorted by name. The directory is MIDSTREAM_FIXTURE_DIR (compile time) or
// the environment variable of that name. Throws when it holds none.
const std::vector<FixtureStream>& fixtures();

// A whole answer of `deltas` text deltas as canonical events: preamble, the deltas (one short
// word each, the way models stream), finish, usage, end.
std::vector<wire::StreamEvent> synthetic_events(int deltas);
// The same answer's text, and the stream a provider of `dialect` sends for it.
std::string synthetic_text(int deltas);
std::string synthetic_stream(wire::Dialect dialect, int deltas);

// The SSE events of a stream, framed once (what a decoder is fed).
std::vector<wire::SseEvent> frame_events(const std::string& bytes);

// Short names used in benchmark names: "openai-chat", "openai-responses", "anthropic".
std::string dialect_name(wire::Dialect dialect);
const std::vector<wire::Dialect>& all_dialects();

}  // namespace midstream::bench
