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
