#include "net/http_client.h"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <system_error>

namespace midstream::net {
namespace {

constexpr size_t kReadSize = 16 * 1024;

std::string errno_text(int error) { return std::system_category().message(error); }

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Chunked is the body framing when it is the last transfer coding applied.
bool is_chunked(const std::string& transfer_encoding) {
  const std::string value = lowercase(transfer_encoding);
  const size_t comma = value.rfind(',');
  return trim(comma == std::string::npos ? value : std::string_view(value).substr(comma + 1)) ==
         "chunked";
}

// 1xx, 204 and 304 responses never carry a body, whatever their headers say.
bool status_has_body(int status) {
  return status >= 200 && status != 204 && status != 304;
}

std::string host_header(const std::string& host, uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// The caller's copies of the headers start() writes itself would duplicate them.
bool is_framing_header(std::string_view name) {
  const std::string lower = lowercase(name);
  return lower == "host" || lower == "content-length" || lower == "connection";
}

// How a failed wait or write ends the stream; `on_error` covers any other socket error.
StreamEnd end_for(IoStatus status, StreamEnd on_error) {
  switch (status) {
    case IoStatus::Timeout: return StreamEnd::Timeout;
    case IoStatus::Stopped: return StreamEnd::Stopped;
    case IoStatus::Reset: return StreamEnd::Reset;
    case IoStatus::Eof: return StreamEnd::EofEarly;
    case IoStatus::Ok:
    case IoStatus::Error: break;
  }
  return on_error;
}

// Called right after the failing call, while errno still holds the cause.
std::string describe(IoStatus status) {
  if (status == IoStatus::Timeout) return "deadline passed";
  if (status == IoStatus::Stopped) return "stop flag raised";
  return std::string(to_string(status)) + " (" + errno_text(errno) + ")";
}

// Fewer bytes than "HTTP/" are always parsed: a peer that does not speak HTTP fails at once.
constexpr size_t kMinHeadPrefix = 5;

// True when a line end at or after `from` closes a blank line (LF LF or LF CR LF): only there
// can a head end.
bool ends_a_head(const std::string& buffer, size_t from) {
  for (size_t i = buffer.find('\n', from); i != std::string::npos; i = buffer.find('\n', i + 1)) {
    if (i >= 1 && buffer[i - 1] == '\n') return true;
    if (i >= 2 && buffer[i - 1] == '\r' && buffer[i - 2] == '\n') return true;
  }
  return false;
}

}  // namespace

bool parse_url(std::string_view text, Url* url) {
  constexpr std::string_view kScheme = "http://";
  if (text.size() < kScheme.size() || lowercase(text.substr(0, kScheme.size())) != kScheme) {
    return false;
  }
  text.remove_prefix(kScheme.size());
  const size_t slash = text.find('/');
  const std::string_view authority = text.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : text.substr(slash);
  if (authority.find('@') != std::string_view::npos ||
      path.find_first_of("?#") != std::string_view::npos) {
    return false;
  }

  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (port.empty()) return false;
    }
  } else if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return false;
  }
  if (host.empty()) return false;

  uint32_t port_value = 80;
  if (!port.empty()) {
    if (!all_digits(port) || port.size() > 5) return false;
    port_value = static_cast<uint32_t>(std::stoul(std::string(port)));
    if (port_value == 0 || port_value > 65535) return false;
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);

  url->host = host;
  url->port = static_cast<uint16_t>(port_value);
  url->path = path;
  return true;
}

std::string_view to_string(StreamEnd end) {
  switch (end) {
    case StreamEnd::Open: return "open";
    case StreamEnd::Complete: return "complete";
    case StreamEnd::EofEarly: return "eof_early";
    case StreamEnd::Reset: return "reset";
    case StreamEnd::Timeout: return "timeout";
    case StreamEnd::Stopped: return "stopped";
    case StreamEnd::Refused: return "refused";
    case StreamEnd::ConnectFailed: return "connect_failed";
    case StreamEnd::BadResponse: return "bad_response";
  }
  return "unknown";
}

bool HttpStream::start(const ClientRequest& request, TimePoint deadline, Fd reused) {
  fd_.reset();
  keep_alive_ = request.keep_alive;
  buffer_.clear();
  head_ = ResponseHead();
  chunked_ = false;
  has_length_ = false;
  remaining_length_ = 0;
  chunked_decoder_ = ChunkedDecoder();
  body_in_buffer_ = false;
  end_ = StreamEnd::Open;
  detail_.clear();

  const std::string where = host_header(request.host, request.port);
  if (!is_loopback_host(request.host)) {
    fail(StreamEnd::ConnectFailed, "refusing to connect to non-loopback host " + where +
                                       ": midstream never sends traffic off the machine");
    return false;
  }
  if (reused.valid()) {
    fd_ = std::move(reused);
  } else if (!connect(request.host, request.port, where, deadline)) {
    return false;
  }
  return send_request(request, where, deadline);
}

bool HttpStream::connect(const std::string& host, uint16_t port, const std::string& where,
                         TimePoint deadline) {
  int error = 0;
  fd_ = start_connect(host, port, &error);
  if (!fd_.valid()) {
    if (error == ECONNREFUSED) {
      fail(StreamEnd::Refused, "connect " + where + ": " + errno_text(error));
    } else if (error == EINVAL) {
      fail(StreamEnd::ConnectFailed, "connect " + where + ": host is not a numeric address");
    } else {
      fail(StreamEnd::ConnectFailed, "connect " + where + ": " + errno_text(error));
    }
    return false;
  }

  if (const IoStatus status = wait_writable(fd_.get(), deadline, stop_); status != IoStatus::Ok) {
    fail(end_for(status, StreamEnd::ConnectFailed), "connect " + where + ": " + describe(status));
    return false;
  }
  socklen_t len = sizeof error;
  if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
  if (error != 0) {
    fail(error == ECONNREFUSED ? StreamEnd::Refused : StreamEnd::ConnectFailed,
         "connect " + where + ": " + errno_text(error));
    return false;
  }

  return true;
}

bool HttpStream::send_request(const ClientRequest& request, const std::string& where,
                              TimePoint deadline) {
  std::string message = request.method + " " + request.target + " HTTP/1.1\r\nHost: " + where +
                        "\r\n";
  for (const auto& [name, value] : request.headers) {
    if (!is_framing_header(name)) message.append(name).append(": ").append(value).append("\r\n");
  }
  message.append("Content-Length: ").append(std::to_string(request.body.size()));
  message.append(request.keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n")
      .append(request.body);

  if (const IoStatus status = write_all(fd_.get(), message, deadline, stop_);
      status != IoStatus::Ok) {
    fail(end_for(status, StreamEnd::ConnectFailed), "sending the request: " + describe(status));
    return false;
  }
  return true;
}

bool HttpStream::read_head(TimePoint deadline) {
  if (head_.status != 0) return true;
  if (end_ != StreamEnd::Open) return false;
  size_t scanned = 0;  // bytes of buffer_ that cannot end a head (no blank line among them)
  for (;;) {
    // Parsing is only worth it when the new bytes can end the head, pass the size bound, or are
    // the first few (a peer that does not speak HTTP fails at once): a head dripped byte by byte
    // costs linear time, not quadratic.
    if (scanned >= kMinHeadPrefix && buffer_.size() <= kMaxResponseHeadBytes &&
        !ends_a_head(buffer_, scanned)) {
      scanned = buffer_.size();
      if (!fill(deadline)) return false;
      continue;
    }
    ResponseHead head;
    size_t consumed = 0;
    const ParseResult result =
        parse_response_head(buffer_, &head, &consumed, kMaxResponseHeadBytes);
    if (result == ParseResult::Bad) {
      fail(StreamEnd::BadResponse,
           buffer_.size() > kMaxResponseHeadBytes
               ? "response head over " + std::to_string(kMaxResponseHeadBytes) + " bytes"
               : "unparseable response head");
      return false;
    }
    if (result == ParseResult::Incomplete) {
      scanned = buffer_.size();
      if (!fill(deadline)) return false;
      continue;
    }
    buffer_.erase(0, consumed);
    body_in_buffer_ = !buffer_.empty();
    scanned = 0;
    // Interim responses (100 Continue) precede the real one; 101 would switch protocols.
    if (head.status >= 100 && head.status < 200 && head.status != 101) continue;
    head_ = std::move(head);
    break;
  }

  if (!status_has_body(head_.status)) {
    has_length_ = true;
    remaining_length_ = 0;
  } else if (const std::string* te = find_header(head_.headers, "Transfer-Encoding")) {
    // Any other transfer coding leaves the body framed by the close.
    chunked_ = is_chunked(*te);
  } else if (const std::string* length = find_header(head_.headers, "Content-Length")) {
    if (!all_digits(*length) || length->size() > 18) {
      fail(StreamEnd::BadResponse, "bad Content-Length: " + *length);
      return false;
    }
    has_length_ = true;
    remaining_length_ = static_cast<size_t>(std::stoull(*length));
  }
  if (has_length_ && remaining_length_ == 0) end_ = StreamEnd::Complete;
  return true;
}

bool HttpStream::read_some(std::string* out, TimePoint deadline) {
  if (head_.status == 0 && !read_head(deadline)) return false;
  if (end_ != StreamEnd::Open) return false;
  for (;;) {
    // Deliver what is buffered first: it may be body that arrived with the head.
    body_in_buffer_ = false;
    const size_t before = out->size();
    if (chunked_) {
      size_t consumed = 0;
      const ParseResult result = chunked_decoder_.feed(buffer_, out, &consumed);
      buffer_.erase(0, consumed);
      if (result == ParseResult::Bad) {
        fail(StreamEnd::BadResponse, "bad chunked framing");
        return out->size() > before;
      }
      if (result == ParseResult::Done) end_ = StreamEnd::Complete;
    } else if (has_length_) {
      const size_t take = std::min(remaining_length_, buffer_.size());
      out->append(buffer_, 0, take);
      buffer_.erase(0, take);
      remaining_length_ -= take;
      if (remaining_length_ == 0) end_ = StreamEnd::Complete;
    } else {
      out->append(buffer_);
      buffer_.clear();
    }
    if (out->size() > before) return true;
    if (end_ != StreamEnd::Open) return false;
    if (!fill(deadline)) return false;
  }
}

bool HttpStream::read_all(std::string* out, TimePoint deadline) {
  const size_t start = out->size();
  while (read_some(out, deadline)) {
    if (out->size() - start > max_body_bytes_) {
      out->resize(start + max_body_bytes_);
      fail(StreamEnd::BadResponse, "body over " + std::to_string(max_body_bytes_) + " bytes");
      return false;
    }
  }
  return end_ == StreamEnd::Complete;
}

bool HttpStream::finish(TimePoint deadline) {
  std::string rest;
  return read_all(&rest, deadline);
}

Fd HttpStream::release_for_reuse() {
  // A body framed by the close, or an interim/upgrade response, leaves nothing to reuse.
  if (!keep_alive_ || end_ != StreamEnd::Complete || !buffer_.empty() || !fd_.valid() ||
      head_.version != "HTTP/1.1" || head_.status < 200 || !(chunked_ || has_length_))
    return Fd();
  if (header_has_token(head_.headers, "Connection", "close")) return Fd();
  return std::move(fd_);
}

void HttpStream::close() { close_with_fin(fd_); }

void HttpStream::abort() { close_with_reset(fd_); }

bool HttpStream::fill(TimePoint deadline) {
  if (!fd_.valid()) {
    fail(StreamEnd::Stopped, "the connection was closed by the caller");
    return false;
  }
  // Reads first and waits only when nothing is there: a busy stream costs one call per read,
  // not a poll and a read.
  for (bool waited = false;; waited = true) {
    if (waited) {
      if (const IoStatus status = wait_readable(fd_.get(), deadline, stop_);
          status != IoStatus::Ok) {
        fail(end_for(status, StreamEnd::Reset), "waiting for the response: " + describe(status));
        return false;
      }
    } else if (stop_ != nullptr && stop_->load()) {
      fail(StreamEnd::Stopped, "waiting for the response: stop flag raised");
      return false;
    }
    char bytes[kReadSize];
    const ssize_t n = ::recv(fd_.get(), bytes, sizeof bytes, MSG_DONTWAIT);
    if (n > 0) {
      buffer_.append(bytes, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) {
      if (head_.status == 0) {
        fail(StreamEnd::EofEarly, "connection closed before a complete response head");
      } else if (chunked_) {
        fail(StreamEnd::EofEarly, "connection closed before the chunked terminator");
      } else if (has_length_) {
        fail(StreamEnd::EofEarly, "connection closed with " + std::to_string(remaining_length_) +
                                      " bytes of Content-Length missing");
      } else {
        end_ = StreamEnd::Complete;  // no framing: the close ends the body
      }
      return false;
    }
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
    if (errno == ETIMEDOUT) {
      fail(StreamEnd::Timeout, "recv: " + errno_text(errno));
    } else {
      // ECONNRESET mostly; any other receive error also means the connection is gone.
      fail(StreamEnd::Reset, "recv: " + errno_text(errno));
    }
    return false;
  }
}

void HttpStream::fail(StreamEnd end, std::string detail) {
  end_ = end;
  detail_ = std::move(detail);
}

}  // namespace midstream::net
