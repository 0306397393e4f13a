#include "router/request_limits.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace midstream::router {

HeadVerdict scan_head(std::string_view bytes, HeadScan& scan, const HeadLimits& limits) {
  while (scan.scanned < bytes.size()) {
    const size_t newline = bytes.find('\n', scan.scanned);
    if (newline == std::string_view::npos) {
      scan.scanned = bytes.size();
      break;
    }
    const size_t length = newline + 1 - scan.line_start;
    scan.scanned = newline + 1;
    if (newline + 1 > limits.head) return HeadVerdict::TooLarge;
    if (scan.lines == 0) {
      if (length > limits.request_line) return HeadVerdict::LineTooLong;
    } else if (length == 2 && bytes[newline - 1] == '\r') {
      // cpp-httplib ends a head at a CRLF line only (it skips a bare LF line as invalid), so the
      // head ends here and nowhere else.
      return HeadVerdict::Complete;
    } else if (length > kMaxHeaderLine) {
      return HeadVerdict::TooLarge;
    } else if (scan.lines > limits.fields) {
      return HeadVerdict::TooManyFields;
    }
    ++scan.lines;
    scan.line_start = newline + 1;
  }
  const size_t partial = bytes.size() - scan.line_start;
  if (scan.lines == 0 && partial > limits.request_line) return HeadVerdict::LineTooLong;
  if (bytes.size() > limits.head || partial > kMaxHeaderLine) return HeadVerdict::TooLarge;
  return HeadVerdict::Incomplete;
}

std::vector<std::string_view> head_fields(std::string_view head, std::string_view name) {
  std::vector<std::string_view> values;
  size_t pos = head.find('\n');  // past the request line
  while (pos != std::string_view::npos && pos + 1 < head.size()) {
    const size_t start = pos + 1;
    pos = head.find('\n', start);
    std::string_view line = head.substr(start, pos == std::string_view::npos ? pos : pos - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t colon = line.find(':');
    if (colon != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < colon && same; ++i)
      same = std::tolower(static_cast<unsigned char>(line[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    if (!same) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    values.push_back(value);
  }
  return values;
}

bool nests_deeper_than(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

bool is_json_media_type(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  std::string type(value);
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "application/json" ||
         (type.starts_with("application/") && type.ends_with("+json"));
}

namespace {

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

BodyFraming refuse(int status, std::string_view reason, std::string message, std::string code) {
  return {status, reason, std::move(message), std::move(code), false};
}

}  // namespace

BodyFraming judge_body_framing(std::string_view head, size_t max_body_bytes) {
  const std::string_view method = head.substr(0, head.find(' '));
  const bool body_method = method == "POST" || method == "PUT" || method == "PATCH";
  const bool body_allowed = body_method || method == "DELETE";

  for (std::string_view encoding : head_fields(head, "content-encoding")) {
    if (lowered(encoding) != "identity")
      return refuse(415, "Unsupported Media Type",
                    "The request body must not be compressed (Content-Encoding: " +
                        std::string(encoding) + ").",
                    "unsupported_content_encoding");
  }
  const auto lengths = head_fields(head, "content-length");
  const auto transfers = head_fields(head, "transfer-encoding");
  if (!transfers.empty()) {
    if (transfers.size() != 1 || lowered(transfers.front()) != "chunked")
      return refuse(400, "Bad Request", "Transfer-Encoding must be chunked, once.",
                    "unsupported_transfer_encoding");
    if (!lengths.empty())
      return refuse(400, "Bad Request", "A request has Content-Length or Transfer-Encoding, not both.",
                    "ambiguous_body_length");
    if (!body_allowed)
      return refuse(400, "Bad Request", std::string(method) + " requests carry no body.",
                    "body_not_allowed");
    BodyFraming chunked;
    chunked.chunked = true;
    return chunked;
  }
  if (lengths.empty()) {
    if (body_method)
      return refuse(411, "Length Required",
                    "A " + std::string(method) +
                        " request needs a Content-Length (or Transfer-Encoding: chunked).",
                    "length_required");
    return {};
  }
  const std::string_view length = lengths.front();
  const bool number = !length.empty() && length.size() <= 19 &&
                      std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; });
  const bool agree = std::all_of(lengths.begin(), lengths.end(),
                                 [&](std::string_view other) { return other == length; });
  if (!number || !agree)
    return refuse(400, "Bad Request", "The Content-Length header is not one number.",
                  "invalid_content_length");
  const unsigned long long bytes = std::stoull(std::string(length));
  if (bytes > max_body_bytes)
    return refuse(413, "Payload Too Large",
                  "The request body is larger than " + std::to_string(max_body_bytes) + " bytes.",
                  "body_too_large");
  if (bytes > 0 && !body_allowed)
    return refuse(400, "Bad Request", std::string(method) + " requests carry no body.",
                  "body_not_allowed");
  return {};
}

std::variant<nlohmann::json, BodyRefusal> parse_request_body(std::string_view body, size_t max_depth) {
  if (body.find('\0') != std::string_view::npos)
    return BodyRefusal{"invalid_json", "The request body holds a NUL byte: it is not valid JSON."};
  if (nests_deeper_than(body, max_depth))
    return BodyRefusal{"json_too_deep", "The JSON body nests arrays and objects deeper than " +
                                            std::to_string(max_depth) + " levels."};
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded())
    return BodyRefusal{"invalid_json", "We could not parse the JSON body of your request."};
  return json;
}

}  // namespace midstream::router
