#include "wire/sse.h"

#include <utility>

namespace midstream::wire {

void SseFramer::feed(std::string_view bytes, const Sink& sink) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (last_was_cr_) {
      last_was_cr_ = false;
      if (bytes[pos] == '\n') {
        // The LF of a CRLF split across feeds. After a blank line it closes an event that was
        // already dispatched, so it is not held.
        if (held_ > 0) ++held_;
        ++pos;
        continue;
      }
    }
    const size_t eol = bytes.find_first_of("\r\n", pos);
    const std::string_view piece =
        bytes.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    // Checked before storing, so what is held never passes the bound by more than a line end.
    if (!skipping_ &&
        line_.size() + piece.size() + pending_.data.size() + pending_.event.size() > max_event_bytes_) {
      report_oversized(sink);
    }
    if (skipping_) {
      skipped_line_ = skipped_line_ || !piece.empty();
    } else {
      line_.append(piece);
    }
    if (eol == std::string_view::npos) {
      held_ += piece.size();
      return;
    }
    held_ += piece.size() + 1;
    size_t next = eol + 1;
    if (bytes[eol] == '\r') {
      if (next < bytes.size()) {
        if (bytes[next] == '\n') {
          ++held_;
          ++next;
        }
      } else {
        last_was_cr_ = true;  // an LF may still come in the next feed
      }
    }
    pos = next;
    if (skipping_) {
      // Only the blank line that ends the oversized event ends the skipping.
      if (!std::exchange(skipped_line_, false)) {
        skipping_ = false;
        held_ = 0;
      }
      continue;
    }
    std::string line = std::move(line_);
    line_.clear();
    process_line(line, sink);
  }
}

void SseFramer::report_oversized(const Sink& sink) {
  ++oversized_events_;
  skipping_ = true;
  skipped_line_ = !line_.empty();
  // Release the memory, not just the contents: the point is to stop holding the event.
  std::string().swap(line_);
  std::string().swap(pending_.data);
  pending_.event.clear();
  has_fields_ = false;
  SseEvent report;
  report.data = kOversizedEventData;
  report.id = pending_.id;
  sink(report);
}

void SseFramer::process_line(std::string_view line, const Sink& sink) {
  if (line.empty()) {
    // A blank line ends the event; one without data is dropped (WHATWG).
    if (!pending_.data.empty()) {
      pending_.data.pop_back();  // the '\n' appended after the last data line
      sink(pending_);
    }
    pending_.event.clear();
    pending_.data.clear();  // the id is kept: WHATWG's last event id outlives the event
    has_fields_ = false;
    held_ = 0;
    return;
  }
  if (line.front() == ':') return;  // a comment
  const size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    pending_.data.append(value);
    pending_.data.push_back('\n');
    has_fields_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
    has_fields_ = true;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) pending_.id.assign(value);
    has_fields_ = true;
  }
  // 'retry' and unknown fields are ignored.
}

bool SseFramer::finish(const Sink& sink) {
  if (skipping_) {
    // The oversized event was already reported; its end never came.
    skipping_ = false;
    skipped_line_ = false;
    line_.clear();
  } else if (!line_.empty()) {
    std::string line = std::move(line_);
    line_.clear();
    process_line(line, sink);
  }
  last_was_cr_ = false;
  const bool dispatch = has_fields_ && !pending_.data.empty();
  if (dispatch) {
    pending_.data.pop_back();
    sink(pending_);
  }
  pending_.event.clear();
  pending_.data.clear();
  has_fields_ = false;
  held_ = 0;
  return dispatch;
}

size_t SseFramer::buffered() const { return held_; }

bool SseFramer::at_boundary() const { return held_ == 0; }

void append_sse_frame(std::string& out, std::string_view event_name, std::string_view data) {
  if (!event_name.empty()) {
    out.append("event: ");
    out.append(event_name);
    out.push_back('\n');
  }
  // Every line of the data gets its own field; CR and CRLF end lines too, as they would for
  // a reader.
  size_t pos = 0;
  while (true) {
    const size_t eol = data.find_first_of("\r\n", pos);
    out.append("data: ");
    out.append(data.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos));
    out.push_back('\n');
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
    if (data[eol] == '\r' && pos < data.size() && data[pos] == '\n') ++pos;
  }
  out.push_back('\n');
}

std::string sse_frame(std::string_view event_name, std::string_view data) {
  std::string out;
  append_sse_frame(out, event_name, data);
  return out;
}

}  // namespace midstream::wire
