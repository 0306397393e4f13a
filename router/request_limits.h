#pragma once
// What a client may send the router, checked on raw bytes before anything parses them: the
// request head (request line, header lines, total size, field count) and the JSON body (nesting
// depth, media type). Pure functions over bytes; router/http_front.cpp and router/server.cpp
// apply them, tests/router_hostile_test.cpp drives them through real sockets.
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace midstream::router {

inline constexpr size_t kMaxHeaderLine = 8 * 1024;  // cpp-httplib's own bound on one header line

enum class HeadVerdict { Incomplete, Complete, LineTooLong, TooLarge, TooManyFields };

struct HeadLimits {
  size_t request_line = 0;
  size_t head = 0;
  size_t fields = 0;
};

// Progress through a request head that arrives in pieces; each byte is looked at once.
struct HeadScan {
  size_t scanned = 0;     // bytes looked at
  size_t line_start = 0;  // where the line being received starts
  size_t lines = 0;       // complete lines: the request line, then header fields
};

// Looks at the bytes of a head received so far, from where the last call stopped.
HeadVerdict scan_head(std::string_view bytes, HeadScan& scan, const HeadLimits& limits);

// The values of every header field called `name` in a complete head (case-insensitive).
std::vector<std::string_view> head_fields(std::string_view head, std::string_view name);

// How a request head frames its body, judged before cpp-httplib reads any of it. cpp-httplib
// 0.11.4 bounds only a Content-Length body: a chunked one, a POST without a length (read to EOF)
// and a compressed one (inflated) are unbounded, and a body on a GET is left unread, where it
// would be parsed as the next request on the connection.
struct BodyFraming {
  int status = 0;           // 0: acceptable; else the 4xx to answer with
  std::string_view reason;  // the status line's reason phrase
  std::string message;      // for the client
  std::string code;         // OpenAI-shaped error code
  bool chunked = false;     // Transfer-Encoding: chunked (the stream must bound what it reads)
};
// Rules: Content-Length is one decimal number, the same in every field, at most max_body_bytes
// (413); Transfer-Encoding is only `chunked` and never beside a Content-Length (400); no
// Content-Encoding but `identity` (415: a byte limit cannot bound an inflated body); POST, PUT
// and PATCH carry a length or chunks (411); other methods carry no body (400).
BodyFraming judge_body_framing(std::string_view head, size_t max_body_bytes);

// True when arrays and objects nest deeper than max_depth. A linear scan that skips strings, run
// before parsing: nlohmann's parser copes with any depth, but copying, comparing or dumping a
// value recurses once per level, so a deep body would overflow a stack further on.
bool nests_deeper_than(std::string_view text, size_t max_depth);

// application/json or application/*+json, parameters (charset) allowed.
bool is_json_media_type(std::string_view value);

// Why a request body is refused before its fields are looked at: always a 400 with this code
// ("invalid_json" or "json_too_deep") and a message for the client.
struct BodyRefusal {
  std::string code;
  std::string message;
};

// The JSON value of a POST body, or why it is refused: a NUL byte anywhere (JSON never holds a
// raw one, and nlohmann's parser would stop at it and take the bytes before it as the body),
// arrays and objects nested deeper than max_depth, or anything that does not parse. The router's
// handler and the fuzz target fuzz/fuzz_router_request.cpp both call this.
std::variant<nlohmann::json, BodyRefusal> parse_request_body(std::string_view body, size_t max_depth);

}  // namespace midstream::router
