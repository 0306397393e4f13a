#pragma once
// HTTP/1.1 message framing: request and response heads, chunked transfer coding. Pure parsing,
// no sockets, so the fakes' server loop and the streaming client share it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace midstream::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; nullptr when absent.
const std::string* find_header(const HeaderList& headers, std::string_view name);
// True when the named header lists `token` among its comma-separated values, case-insensitively
// ("Connection: Keep-Alive, Upgrade" has "keep-alive").
bool header_has_token(const HeaderList& headers, std::string_view name, std::string_view token);

struct RequestHead {
  std::string method;
  std::string target;   // path and query as sent
  std::string version;  // "HTTP/1.1"
  HeaderList headers;
};

struct ResponseHead {
  int status = 0;
  std::string reason;
  std::string version;
  HeaderList headers;
};

enum class ParseResult { Incomplete, Done, Bad };

// Parses a head from the start of `buffer`. On Done, *consumed is the byte count of the head
// including the blank line. Heads over max_bytes are Bad.
ParseResult parse_request_head(std::string_view buffer, RequestHead* head, size_t* consumed,
                               size_t max_bytes = 64 * 1024);
ParseResult parse_response_head(std::string_view buffer, ResponseHead* head, size_t* consumed,
                                size_t max_bytes = 64 * 1024);

// Incremental decoder of a chunked body.
class ChunkedDecoder {
 public:
  // Consumes bytes, appending de-chunked payload to *out. Returns Bad on a framing error;
  // Done once the terminating zero-size chunk and its trailers have been read (any bytes after
  // it are left unconsumed, reported through *consumed).
  ParseResult feed(std::string_view bytes, std::string* out, size_t* consumed);
  bool done() const { return state_ == State::Done; }

 private:
  enum class State { Size, SizeLineEnd, Data, DataCr, DataLf, Trailer, Done };
  State state_ = State::Size;
  size_t remaining_ = 0;
  std::string line_;
  bool saw_digit_ = false;
};

// "1a\r\n<bytes>\r\n"
std::string encode_chunk(std::string_view payload);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

std::string_view reason_phrase(int status);

}  // namespace midstream::net
