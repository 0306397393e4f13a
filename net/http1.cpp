#include "net/http1.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace midstream::net {
namespace {

// Limits for the lines a chunked body may carry besides data (size line with extensions, trailers).
constexpr size_t kMaxChunkLine = 8 * 1024;

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return lower(x) == lower(y); });
}

bool is_token_char(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)) != 0) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Control characters other than horizontal tab never belong in a head line.
bool has_control_char(std::string_view line) {
  return std::any_of(line.begin(), line.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && c != '\t') || byte == 0x7f;
  });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// "HTTP/1.1"
bool is_http_version(std::string_view text) {
  return text.size() == 8 && text.substr(0, 5) == "HTTP/" && is_digit(text[5]) &&
         text[6] == '.' && is_digit(text[7]);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "POST /v1/chat/completions HTTP/1.1"
bool parse_request_line(std::string_view line, RequestHead* head) {
  const size_t first = line.find(' ');
  const size_t last = line.rfind(' ');
  if (first == std::string_view::npos || last == first) return false;
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, last - first - 1);
  const std::string_view version = line.substr(last + 1);
  if (!is_token(method) || target.empty() || target.find(' ') != std::string_view::npos ||
      !is_http_version(version)) {
    return false;
  }
  head->method = method;
  head->target = target;
  head->version = version;
  return true;
}

// "HTTP/1.1 503 Service Unavailable"; the reason may be empty or absent.
bool parse_status_line(std::string_view line, ResponseHead* head) {
  if (line.size() < 12 || !is_http_version(line.substr(0, 8)) || line[8] != ' ') return false;
  const std::string_view code = line.substr(9, 3);
  if (!std::all_of(code.begin(), code.end(), is_digit)) return false;
  if (line.size() > 12 && line[12] != ' ') return false;
  head->version = line.substr(0, 8);
  head->status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  head->reason = line.size() > 12 ? trim(line.substr(13)) : std::string_view();
  return true;
}

// Splits a head into its start line and header fields. CRLF or bare LF ends a line; an
// obsolete folded line is joined to the previous value with a space. Nothing is written to
// *headers unless the head is complete.
template <typename StartLineParser>
ParseResult parse_head(std::string_view buffer, size_t max_bytes, size_t* consumed,
                       HeaderList* headers, StartLineParser&& parse_start_line) {
  HeaderList fields;
  bool have_start_line = false;
  size_t pos = 0;
  for (;;) {
    const size_t newline = buffer.find('\n', pos);
    if (newline == std::string_view::npos) {
      return buffer.size() > max_bytes ? ParseResult::Bad : ParseResult::Incomplete;
    }
    if (newline + 1 > max_bytes) return ParseResult::Bad;
    std::string_view line = buffer.substr(pos, newline - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = newline + 1;
    if (has_control_char(line)) return ParseResult::Bad;
    if (!have_start_line) {
      if (!parse_start_line(line)) return ParseResult::Bad;
      have_start_line = true;
      continue;
    }
    if (line.empty()) {
      *headers = std::move(fields);
      *consumed = pos;
      return ParseResult::Done;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (fields.empty()) return ParseResult::Bad;
      fields.back().second.append(" ").append(trim(line));
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return ParseResult::Bad;
    const std::string_view name = trim(line.substr(0, colon));
    if (!is_token(name)) return ParseResult::Bad;
    fields.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
  }
}

}  // namespace

const std::string* find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (equals_ignore_case(key, name)) return &value;
  }
  return nullptr;
}

bool header_has_token(const HeaderList& headers, std::string_view name, std::string_view token) {
  const std::string* value = find_header(headers, name);
  if (value == nullptr) return false;
  std::string_view rest = *value;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    if (equals_ignore_case(trim(rest.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

ParseResult parse_request_head(std::string_view buffer, RequestHead* head, size_t* consumed,
                               size_t max_bytes) {
  // Fail fast on bytes that cannot start a method, rather than waiting for a newline.
  const std::string_view method = buffer.substr(0, buffer.find(' '));
  if (!std::all_of(method.begin(), method.end(), is_token_char)) return ParseResult::Bad;
  RequestHead parsed;
  const ParseResult result = parse_head(buffer, max_bytes, consumed, &parsed.headers,
                                        [&](std::string_view line) {
                                          return parse_request_line(line, &parsed);
                                        });
  if (result == ParseResult::Done) *head = std::move(parsed);
  return result;
}

ParseResult parse_response_head(std::string_view buffer, ResponseHead* head, size_t* consumed,
                                size_t max_bytes) {
  // Fail fast on a peer that is not speaking HTTP at all.
  constexpr std::string_view kPrefix = "HTTP/";
  const size_t prefix_size = std::min(buffer.size(), kPrefix.size());
  if (buffer.substr(0, prefix_size) != kPrefix.substr(0, prefix_size)) return ParseResult::Bad;
  ResponseHead parsed;
  const ParseResult result = parse_head(buffer, max_bytes, consumed, &parsed.headers,
                                        [&](std::string_view line) {
                                          return parse_status_line(line, &parsed);
                                        });
  if (result == ParseResult::Done) *head = std::move(parsed);
  return result;
}

ParseResult ChunkedDecoder::feed(std::string_view bytes, std::string* out, size_t* consumed) {
  size_t pos = 0;
  while (pos < bytes.size() && state_ != State::Done) {
    if (state_ == State::Data) {
      const size_t take = std::min(remaining_, bytes.size() - pos);
      out->append(bytes.substr(pos, take));
      pos += take;
      remaining_ -= take;
      if (remaining_ == 0) state_ = State::DataCr;
      continue;
    }
    const char c = bytes[pos++];
    switch (state_) {
      case State::Size: {
        const int digit = hex_value(c);
        if (digit >= 0) {
          if (remaining_ > (SIZE_MAX >> 4)) return ParseResult::Bad;  // would overflow
          remaining_ = remaining_ * 16 + static_cast<size_t>(digit);
          saw_digit_ = true;
          break;
        }
        if (!saw_digit_) return ParseResult::Bad;
        if (c == ';' || c == ' ' || c == '\t' || c == '\r') {
          line_.assign(1, c);  // the rest of the line: extensions, whitespace, CR
          state_ = State::SizeLineEnd;
          break;
        }
        if (c != '\n') return ParseResult::Bad;
        [[fallthrough]];
      }
      case State::SizeLineEnd:
        if (c != '\n') {
          if (line_.size() >= kMaxChunkLine) return ParseResult::Bad;
          line_.push_back(c);
          break;
        }
        // A CR is only allowed right before the LF.
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        if (line_.find('\r') != std::string::npos) return ParseResult::Bad;
        line_.clear();
        saw_digit_ = false;
        state_ = remaining_ == 0 ? State::Trailer : State::Data;
        break;
      case State::DataCr:
        if (c == '\r') {
          state_ = State::DataLf;
        } else if (c == '\n') {
          state_ = State::Size;  // bare LF
        } else {
          return ParseResult::Bad;
        }
        break;
      case State::DataLf:
        if (c != '\n') return ParseResult::Bad;
        state_ = State::Size;
        break;
      case State::Trailer:
        if (c != '\n') {
          if (line_.size() >= kMaxChunkLine) return ParseResult::Bad;
          line_.push_back(c);
          break;
        }
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        if (line_.empty()) {
          state_ = State::Done;
          break;
        }
        // Trailer fields are read and dropped; nothing here uses them.
        if (line_.find(':') == std::string::npos || line_.front() == ':') return ParseResult::Bad;
        line_.clear();
        break;
      case State::Data:
      case State::Done:
        break;
    }
  }
  *consumed = pos;
  return state_ == State::Done ? ParseResult::Done : ParseResult::Incomplete;
}

std::string encode_chunk(std::string_view payload) {
  // A zero-size chunk would end the body, so an empty payload encodes to nothing.
  if (payload.empty()) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string size;
  for (size_t n = payload.size(); n > 0; n >>= 4) size.insert(size.begin(), kHex[n & 0xf]);
  std::string chunk;
  chunk.reserve(size.size() + payload.size() + 4);
  chunk.append(size).append("\r\n").append(payload).append("\r\n");
  return chunk;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 529: return "Site Overloaded";  // Anthropic's overloaded status
    default: return "Unknown";
  }
}

}  // namespace midstream::net
