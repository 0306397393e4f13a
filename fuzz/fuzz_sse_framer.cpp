// The SSE framer: feeding a stream in pieces must give exactly what feeding it whole gives (the
// events, then what is still held and what finish() dispatches), whatever the split points and
// with the default or a small per-event bound. And no crash, no sanitizer report.
//
// The input is the stream itself, so recorded streams are seeds as they are. The split points
// come from a generator seeded by a hash of the input: every mutation moves them. Besides those,
// every input is also fed one byte at a time (a split at every position at once).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string_view>
#include <vector>

#include "wire/sse.h"

namespace {

using midstream::wire::SseEvent;
using midstream::wire::SseFramer;

struct Result {
  std::vector<SseEvent> events;  // from feed()
  size_t buffered = 0;           // after the last feed
  bool at_boundary = true;
  size_t oversized = 0;
  bool finished = false;         // finish() dispatched an event
  std::vector<SseEvent> tail;    // what finish() dispatched
  bool operator==(const Result&) const = default;
};

template <typename Pieces>
Result run(std::string_view bytes, size_t max_event_bytes, Pieces&& next_piece) {
  SseFramer framer(max_event_bytes);
  Result result;
  const SseFramer::Sink sink = [&](const SseEvent& event) { result.events.push_back(event); };
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t n = next_piece(bytes.size() - pos);
    framer.feed(bytes.substr(pos, n), sink);
    pos += n;
  }
  result.buffered = framer.buffered();
  result.at_boundary = framer.at_boundary();
  result.oversized = framer.oversized_events();
  const SseFramer::Sink tail = [&](const SseEvent& event) { result.tail.push_back(event); };
  result.finished = framer.finish(tail);
  return result;
}

uint64_t fnv1a(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_sse_framer: %s\n", what);
  std::abort();
}

void check_bound(std::string_view bytes, size_t max_event_bytes, uint64_t seed) {
  const Result whole = run(bytes, max_event_bytes, [](size_t rest) { return rest; });
  const Result bytewise = run(bytes, max_event_bytes, [](size_t) { return size_t{1}; });
  check(bytewise == whole, "fed one byte at a time differs from fed whole");
  uint64_t state = seed;
  const Result split = run(bytes, max_event_bytes, [&](size_t rest) {
    // Mostly short pieces (where the line-end and CRLF cases are), sometimes long ones.
    const uint64_t r = splitmix(state);
    const size_t n = (r & 3) == 0 ? static_cast<size_t>(r >> 8) % (rest + 1)
                                  : static_cast<size_t>(r >> 8) % 8;
    return n == 0 ? size_t{1} : (n > rest ? rest : n);
  });
  check(split == whole, "fed in pieces differs from fed whole");
  // The bound is what the framer holds for one event: every event it dispatches fits in it.
  for (const SseEvent& event : whole.events) {
    check(event.data.size() + event.event.size() <= max_event_bytes ||
              event.data == midstream::wire::kOversizedEventData,
          "an event over the bound was dispatched");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const uint64_t seed = fnv1a(bytes);
  check_bound(bytes, midstream::wire::kDefaultMaxEventBytes, seed);
  // A small bound, so the oversized-event path is reached with short inputs too.
  check_bound(bytes, 1 + static_cast<size_t>(seed >> 56) % 64, seed ^ 0x5a5a5a5a5a5a5a5aull);
  return 0;
}
