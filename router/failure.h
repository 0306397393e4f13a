#pragma once
// Failure classification: what went wrong with one upstream attempt, and what class of
// failure that is. Pure code: no sockets, no clock.
#include <cstdint>
#include <string>

namespace midstream::router {

enum class FailureKind {
  ConnectRefused,  // ECONNREFUSED
  ConnectFailed,   // other connect errors
  Reset,           // ECONNRESET / EPIPE while reading
  EofEarly,        // FIN before the HTTP body was complete (missing chunked terminator)
  HeadersTimeout,  // no response head within timeout_ms
  FirstContentTimeout,  // no content within stream_timeout_ms
  IdleTimeout,     // silence longer than idle_timeout_ms after content started
  DeadlineExceeded,  // the whole-request deadline_ms passed
  HttpStatus,      // a non-2xx response
  InBandError,     // the dialect's in-band error event
  Malformed,       // an event that could not be decoded
  Truncated,       // the body ended cleanly but without the dialect's terminator or finish
  BadResponse,     // not HTTP, not SSE, or a framing error
};

struct AttemptFailure {
  FailureKind kind = FailureKind::Reset;
  int http_status = 0;         // HttpStatus
  int64_t retry_after_ms = -1; // from Retry-After (seconds or HTTP date), -1 when absent
  std::string error_type;      // provider error type/code when known (e.g. "overloaded_error",
  std::string error_code;      //   "context_length_exceeded", "content_policy_violation")
  std::string message;         // provider message or transport detail
  bool after_content = false;  // content from this attempt had already reached the client
};

enum class FailureClass {
  ClientError,     // 400/413/422 and friends: no retry, no fallback; the client gets the error
  ContextWindow,   // context length exceeded: only a context_window_fallbacks chain applies
  ContentPolicy,   // content policy: only a content_policy_fallbacks chain applies
  FallbackNoRetry, // 401/403/404: fall back without retrying the same deployment
  Retryable,       // transport, timeouts, 408/409/429/5xx/529, in-band errors, malformed, truncated
  Fatal,           // the whole-request deadline: nothing more may be tried
};

FailureClass classify(const AttemptFailure& failure);
std::string_view to_string(FailureKind kind);
std::string_view to_string(FailureClass failure_class);
// One line for logs and error messages, e.g. "HTTP 503 (overloaded_error: busy)".
std::string describe(const AttemptFailure& failure);

// Parses a Retry-After value: delta-seconds (possibly fractional) or an HTTP date relative to
// now_unix_s. Returns -1 when unparseable.
int64_t parse_retry_after_ms(const std::string& value, int64_t now_unix_s);

// The HTTP status the client gets when every attempt failed before the commit point.
int client_status_for(const AttemptFailure& last_failure);

}  // namespace midstream::router
