#include "router/failure.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <limits>
#include <string_view>

namespace midstream::router {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// Providers name these differently: OpenAI "context_length_exceeded", Anthropic
// "prompt is too long", others only say it in the message.
bool is_context_window(const AttemptFailure& failure) {
  const std::string code = lower(failure.error_code) + " " + lower(failure.error_type);
  const std::string message = lower(failure.message);
  return contains(code, "context_length") || contains(code, "context_window") ||
         contains(message, "context length") || contains(message, "maximum context") ||
         contains(message, "context window") || contains(message, "prompt is too long");
}

bool is_content_policy(const AttemptFailure& failure) {
  const std::string code = lower(failure.error_code) + " " + lower(failure.error_type);
  const std::string message = lower(failure.message);
  return contains(code, "content_policy") || contains(code, "content_filter") ||
         contains(message, "content policy") || contains(message, "content management policy");
}

bool is_timeout(FailureKind kind) {
  return kind == FailureKind::HeadersTimeout || kind == FailureKind::FirstContentTimeout ||
         kind == FailureKind::IdleTimeout || kind == FailureKind::DeadlineExceeded;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Retry-After as delta-seconds, possibly fractional ("1.5"); rounded up to whole ms so the
// router never waits less than asked.
int64_t parse_delay_seconds(std::string_view text) {
  constexpr int64_t kMaxSeconds = int64_t{1} << 40;  // far beyond any cap; avoids overflow
  int64_t seconds = 0;
  size_t i = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    seconds = std::min(kMaxSeconds, seconds * 10 + (text[i] - '0'));
  }
  const bool had_integer = i > 0;
  int64_t millis = 0;
  bool round_up = false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int digits = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++digits) {
      if (digits < 3) {
        millis = millis * 10 + (text[i] - '0');
      } else if (text[i] != '0') {
        round_up = true;
      }
    }
    if (digits == 0 && !had_integer) return -1;
    for (; digits < 3; ++digits) millis *= 10;
  } else if (!had_integer) {
    return -1;
  }
  if (i != text.size()) return -1;
  return seconds * 1000 + millis + (round_up ? 1 : 0);
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

bool read_number(std::string_view text, size_t pos, size_t width, int64_t& value) {
  if (pos + width > text.size()) return false;
  value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

// IMF-fixdate, the only HTTP date form senders may generate: "Sun, 06 Nov 1994 08:49:37 GMT".
// Returns unix seconds, or -1.
int64_t parse_imf_fixdate(std::string_view text) {
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                            "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return -1;
  }
  if (std::find(kDays.begin(), kDays.end(), text.substr(0, 3)) == kDays.end()) return -1;
  const auto month_it = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (month_it == kMonths.end()) return -1;
  int64_t day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (!read_number(text, 5, 2, day) || !read_number(text, 12, 4, year) ||
      !read_number(text, 17, 2, hour) || !read_number(text, 20, 2, minute) ||
      !read_number(text, 23, 2, second)) {
    return -1;
  }
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return -1;
  const int64_t month = (month_it - kMonths.begin()) + 1;
  return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

}  // namespace

FailureClass classify(const AttemptFailure& failure) {
  switch (failure.kind) {
    case FailureKind::DeadlineExceeded:
      return FailureClass::Fatal;
    case FailureKind::HttpStatus: {
      const int status = failure.http_status;
      if (status == 401 || status == 403 || status == 404) return FailureClass::FallbackNoRetry;
      if (status == 408 || status == 409 || status == 429 || status >= 500) {
        return FailureClass::Retryable;
      }
      if (status >= 400) {
        if (is_context_window(failure)) return FailureClass::ContextWindow;
        if (is_content_policy(failure)) return FailureClass::ContentPolicy;
        return FailureClass::ClientError;
      }
      // A redirect or other non-2xx oddity: the deployment is misconfigured, so retrying it
      // cannot help, but another one may.
      return FailureClass::FallbackNoRetry;
    }
    case FailureKind::InBandError:
      // The same provider errors can arrive in-band (HTTP 200, error event): same remedy.
      if (is_context_window(failure)) return FailureClass::ContextWindow;
      if (is_content_policy(failure)) return FailureClass::ContentPolicy;
      return FailureClass::Retryable;
    case FailureKind::ConnectRefused:
    case FailureKind::ConnectFailed:
    case FailureKind::Reset:
    case FailureKind::EofEarly:
    case FailureKind::HeadersTimeout:
    case FailureKind::FirstContentTimeout:
    case FailureKind::IdleTimeout:
    case FailureKind::Malformed:
    case FailureKind::Truncated:
    case FailureKind::BadResponse:
      return FailureClass::Retryable;
  }
  return FailureClass::Retryable;
}

std::string_view to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::ConnectRefused: return "connect_refused";
    case FailureKind::ConnectFailed: return "connect_failed";
    case FailureKind::Reset: return "reset";
    case FailureKind::EofEarly: return "eof_early";
    case FailureKind::HeadersTimeout: return "headers_timeout";
    case FailureKind::FirstContentTimeout: return "first_content_timeout";
    case FailureKind::IdleTimeout: return "idle_timeout";
    case FailureKind::DeadlineExceeded: return "deadline_exceeded";
    case FailureKind::HttpStatus: return "http_status";
    case FailureKind::InBandError: return "in_band_error";
    case FailureKind::Malformed: return "malformed";
    case FailureKind::Truncated: return "truncated";
    case FailureKind::BadResponse: return "bad_response";
  }
  return "unknown";
}

std::string_view to_string(FailureClass failure_class) {
  switch (failure_class) {
    case FailureClass::ClientError: return "client_error";
    case FailureClass::ContextWindow: return "context_window";
    case FailureClass::ContentPolicy: return "content_policy";
    case FailureClass::FallbackNoRetry: return "fallback_no_retry";
    case FailureClass::Retryable: return "retryable";
    case FailureClass::Fatal: return "fatal";
  }
  return "unknown";
}

std::string describe(const AttemptFailure& failure) {
  std::string out;
  if (failure.kind == FailureKind::HttpStatus) {
    out = "HTTP " + std::to_string(failure.http_status);
  } else if (failure.kind == FailureKind::InBandError) {
    out = "in-band error";
  } else {
    out = std::string(to_string(failure.kind));
  }
  const std::string& type = !failure.error_type.empty() ? failure.error_type : failure.error_code;
  if (failure.kind == FailureKind::HttpStatus || failure.kind == FailureKind::InBandError) {
    if (!type.empty() || !failure.message.empty()) {
      out += " (" + type;
      if (!type.empty() && !failure.message.empty()) out += ": ";
      out += failure.message + ")";
    }
  } else if (!failure.message.empty()) {
    out += ": " + failure.message;
  }
  if (failure.retry_after_ms >= 0) {
    out += ", retry-after " + std::to_string(failure.retry_after_ms) + " ms";
  }
  if (failure.after_content) out += ", after content";
  return out;
}

int64_t parse_retry_after_ms(const std::string& value, int64_t now_unix_s) {
  const std::string_view text = trim(value);
  if (text.empty()) return -1;
  if (std::isdigit(static_cast<unsigned char>(text.front())) || text.front() == '.') {
    return parse_delay_seconds(text);
  }
  const int64_t at = parse_imf_fixdate(text);
  if (at < 0) return -1;
  // A date in the past means "now".
  return std::max<int64_t>(0, at - now_unix_s) * 1000;
}

int client_status_for(const AttemptFailure& last_failure) {
  if (is_timeout(last_failure.kind)) return 504;
  if (last_failure.kind != FailureKind::HttpStatus) return 502;
  const int status = last_failure.http_status;
  if (status == 429 || status == 503) return status;
  if (status == 408) return 504;
  switch (classify(last_failure)) {
    case FailureClass::ClientError:
    case FailureClass::ContextWindow:
    case FailureClass::ContentPolicy:
      // The client's own request was refused: it should see why.
      return status;
    default:
      // 401/403/404 and 5xx are the router's upstream problem, not the client's.
      return 502;
  }
}

}  // namespace midstream::router
