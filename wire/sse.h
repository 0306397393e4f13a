#pragma once
// Server-sent events framing (WHATWG "event stream" interpretation), incremental: bytes may be
// split at any point, lines end in LF, CRLF or CR, ':' lines are comments, several 'data:' lines
// of one event are joined with '\n'. One event's size is bounded, so a peer that never ends a
// line or an event cannot grow memory without limit.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace midstream::wire {

struct SseEvent {
  std::string event;  // empty when the event had no 'event:' line
  std::string data;
  std::string id;
  bool operator==(const SseEvent&) const = default;
};

// The default bound on what the framer holds for one event: its data, its event name and the line
// being read. Far above any real provider event (a Responses `response.completed` carries the
// whole answer); comments are never held, so a stream of them does not count.
inline constexpr size_t kDefaultMaxEventBytes = 4 * 1024 * 1024;

// What an event over the bound is dispatched as: not JSON, so every dialect's decoder turns it
// into a Malformed event and the attempt fails like any other corrupt stream.
inline constexpr std::string_view kOversizedEventData = "[midstream: SSE event over the size limit]";

class SseFramer {
 public:
  using Sink = std::function<void(const SseEvent&)>;

  explicit SseFramer(size_t max_event_bytes = kDefaultMaxEventBytes)
      : max_event_bytes_(max_event_bytes) {}

  // Appends bytes and calls sink once for every event completed by them.
  void feed(std::string_view bytes, const Sink& sink);
  // End of stream: dispatches a pending event that had data but no closing blank line
  // (the Anthropic SDK fixtures end that way). Returns true when one was dispatched.
  bool finish(const Sink& sink);
  // Bytes fed since the last event boundary (an oversized event's skipped bytes included).
  size_t buffered() const;
  // True when the stream so far ended exactly on an event boundary.
  bool at_boundary() const;
  // Events that went over max_event_bytes. The first time what an event holds would pass it, it is
  // dispatched once with data kOversizedEventData (and the last event id); its fields are
  // dropped and the rest of its bytes skipped, unstored, up to the blank line that ends it.
  size_t oversized_events() const { return oversized_events_; }

 private:
  void process_line(std::string_view line, const Sink& sink);
  void report_oversized(const Sink& sink);

  size_t max_event_bytes_;
  size_t oversized_events_ = 0;
  bool skipping_ = false;       // inside an oversized event, waiting for its blank line
  bool skipped_line_ = false;   // the line being skipped has bytes (so it is not the blank one)
  std::string line_;       // the partial line not yet ended
  bool last_was_cr_ = false;
  SseEvent pending_;
  bool has_fields_ = false;  // pending_ got any field since the last dispatch
  size_t held_ = 0;          // bytes fed since the last blank line (what buffered() reports)
};

// One event in wire form: optional "event: NAME\n", then one "data: ...\n" per line of data,
// then "\n".
std::string sse_frame(std::string_view event_name, std::string_view data);
void append_sse_frame(std::string& out, std::string_view event_name, std::string_view data);

}  // namespace midstream::wire
