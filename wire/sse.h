#pragma once
// Server-sent events framing (WHATWG "event stream" interpretation), incremental: bytes may be
// split at any point, lines end in LF, CRLF or CR, ':' lines are comments, several 'data:' lines
// of one event are joined with '\n'.
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

class SseFramer {
 public:
  using Sink = std::function<void(const SseEvent&)>;

  // Appends bytes and calls sink once for every event completed by them.
  void feed(std::string_view bytes, const Sink& sink);
  // End of stream: dispatches a pending event that had data but no closing blank line
  // (the Anthropic SDK fixtures end that way). Returns true when one was dispatched.
  bool finish(const Sink& sink);
  // Bytes held that do not yet form a complete event.
  size_t buffered() const;
  // True when the stream so far ended exactly on an event boundary.
  bool at_boundary() const;

 private:
  void process_line(std::string_view line, const Sink& sink);
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
