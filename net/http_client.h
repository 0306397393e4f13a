#pragma once
// A streaming HTTP/1.1 client over a plain POSIX socket, one request per connection, with a
// deadline on every phase and a stop flag. The router's upstream calls and the harness's client
// use it because they must tell apart what a conformance suite cares about and cpp-httplib 0.11.4
// folds together: a connection refused, a reset (ECONNRESET), a clean EOF without the chunked
// terminator, a complete body, and a per-phase timeout (to headers, to first byte, idle).
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/http1.h"
#include "net/socket.h"

namespace midstream::net {

struct Url {
  std::string host;
  uint16_t port = 0;
  std::string path;  // base path, "" or "/v1"
};
// Parses "http://127.0.0.1:8080/v1". Returns false for anything else (https is not supported).
bool parse_url(std::string_view text, Url* url);

struct ClientRequest {
  std::string method = "POST";
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string target;  // "/v1/chat/completions"
  HeaderList headers;  // Host, Content-Length and (unless keep_alive) Connection: close are added
  std::string body;
  // Leaves the connection open for another request after this one (see release_for_reuse).
  bool keep_alive = false;
};

// How a response (or the attempt at one) ended, as seen on the socket.
enum class StreamEnd {
  Open,           // not ended yet
  Complete,       // full body: chunked terminator seen, or Content-Length reached
  EofEarly,       // clean FIN before the body was complete (missing chunked terminator)
  Reset,          // ECONNRESET / EPIPE
  Timeout,        // the phase deadline passed
  Stopped,        // the stop flag was raised
  Refused,        // ECONNREFUSED
  ConnectFailed,  // any other connect failure
  BadResponse,    // unparseable status line, headers or chunk framing
};
std::string_view to_string(StreamEnd end);

// A response head larger than this is BadResponse; the bytes held while waiting for one never
// pass it by more than one read.
inline constexpr size_t kMaxResponseHeadBytes = 64 * 1024;
// What read_all accepts by default: far above any error body or non-streamed answer.
inline constexpr size_t kDefaultMaxBodyBytes = 8 * 1024 * 1024;

class HttpStream {
 public:
  explicit HttpStream(const std::atomic<bool>* stop = nullptr) : stop_(stop) {}
  HttpStream(HttpStream&&) = default;
  HttpStream& operator=(HttpStream&&) = default;

  // Connects and sends the request. False with end() set on failure. With `reused`, an open
  // connection from a ConnectionPool, the request goes on it instead of a new one.
  bool start(const ClientRequest& request, TimePoint deadline, Fd reused = Fd());
  // Reads until the response head is complete. False with end() set on failure.
  bool read_head(TimePoint deadline);
  const ResponseHead& head() const { return head_; }

  // Reads whatever body bytes arrive next (de-chunked), appending them to *out, waiting no later
  // than the deadline. Returns true when bytes were appended; false when the body ended or failed
  // (see end()). A complete body returns false with end() == Complete.
  bool read_some(std::string* out, TimePoint deadline);
  // Reads the whole body until it ends or the deadline passes. A body over max_body_bytes()
  // ends as BadResponse once the bound is passed, so a huge body cannot grow *out without limit.
  bool read_all(std::string* out, TimePoint deadline);
  size_t max_body_bytes() const { return max_body_bytes_; }
  void set_max_body_bytes(size_t bytes) { max_body_bytes_ = bytes; }

  StreamEnd end() const { return end_; }
  // errno text or parser detail for the failure, empty otherwise.
  const std::string& detail() const { return detail_; }
  // Reads and drops what is left of the body, waiting no later than the deadline. True when the
  // body is complete.
  bool finish(TimePoint deadline);
  // The connection, for another request, when the request asked for keep-alive and the response
  // ended cleanly: the whole body read and nothing after it, HTTP/1.1 without Connection: close.
  // Otherwise an invalid Fd, and the stream keeps its connection (close() it).
  Fd release_for_reuse();
  // Closes the connection (FIN), e.g. when the caller gives up on the stream.
  void close();
  // Closes with a RST.
  void abort();
  // Body bytes that arrived with the response head and that read_some has not looked at yet.
  // Waiting for the socket while they are held would miss them: a head often arrives in one read
  // with the first events. (What read_some leaves buffered is an incomplete chunk-size line:
  // only more bytes from the socket can complete it.)
  bool has_unread_body() const { return body_in_buffer_; }
  bool is_open() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }

 private:
  bool connect(const std::string& host, uint16_t port, const std::string& where,
               TimePoint deadline);
  bool send_request(const ClientRequest& request, const std::string& where, TimePoint deadline);
  bool fill(TimePoint deadline);  // reads more raw bytes into buffer_
  void fail(StreamEnd end, std::string detail);

  const std::atomic<bool>* stop_ = nullptr;
  Fd fd_;
  std::string buffer_;  // raw bytes not yet consumed
  ResponseHead head_;
  bool chunked_ = false;
  bool has_length_ = false;
  size_t remaining_length_ = 0;
  ChunkedDecoder chunked_decoder_;
  size_t max_body_bytes_ = kDefaultMaxBodyBytes;
  bool body_in_buffer_ = false;  // see has_unread_body()
  bool keep_alive_ = false;      // the request asked to keep the connection
  StreamEnd end_ = StreamEnd::Open;
  std::string detail_;
};

}  // namespace midstream::net
