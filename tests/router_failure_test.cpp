#include "router/failure.h"

#include <gtest/gtest.h>

#include <vector>

namespace midstream::router {
namespace {

AttemptFailure http(int status, std::string type = {}, std::string code = {},
                    std::string message = {}) {
  AttemptFailure failure;
  failure.kind = FailureKind::HttpStatus;
  failure.http_status = status;
  failure.error_type = std::move(type);
  failure.error_code = std::move(code);
  failure.message = std::move(message);
  return failure;
}

AttemptFailure of_kind(FailureKind kind) {
  AttemptFailure failure;
  failure.kind = kind;
  return failure;
}

TEST(RouterFailure, StatusesClassify) {
  const std::vector<std::pair<int, FailureClass>> table = {
      {400, FailureClass::ClientError},     {413, FailureClass::ClientError},
      {422, FailureClass::ClientError},     {402, FailureClass::ClientError},
      {418, FailureClass::ClientError},     {401, FailureClass::FallbackNoRetry},
      {403, FailureClass::FallbackNoRetry}, {404, FailureClass::FallbackNoRetry},
      {408, FailureClass::Retryable},       {409, FailureClass::Retryable},
      {429, FailureClass::Retryable},       {500, FailureClass::Retryable},
      {502, FailureClass::Retryable},       {503, FailureClass::Retryable},
      {504, FailureClass::Retryable},       {529, FailureClass::Retryable},
      {302, FailureClass::FallbackNoRetry},
  };
  for (const auto& [status, expected] : table) {
    EXPECT_EQ(classify(http(status)), expected) << status;
  }
}

TEST(RouterFailure, ContextWindowAndContentPolicyClientErrors) {
  EXPECT_EQ(classify(http(400, "invalid_request_error", "context_length_exceeded")),
            FailureClass::ContextWindow);
  EXPECT_EQ(classify(http(400, "", "", "This model's maximum context length is 8192 tokens")),
            FailureClass::ContextWindow);
  EXPECT_EQ(classify(http(413, "context_length_exceeded")), FailureClass::ContextWindow);
  EXPECT_EQ(classify(http(400, "invalid_request_error", "", "prompt is too long: 9 > 8 maximum")),
            FailureClass::ContextWindow);
  EXPECT_EQ(classify(http(400, "invalid_request_error", "content_policy_violation")),
            FailureClass::ContentPolicy);
  EXPECT_EQ(classify(http(400, "", "content_filter")), FailureClass::ContentPolicy);
  // The status decides first: a 503 that mentions context length is still retryable.
  EXPECT_EQ(classify(http(503, "", "", "context length")), FailureClass::Retryable);
  EXPECT_EQ(classify(http(401, "", "context_length_exceeded")), FailureClass::FallbackNoRetry);
}

TEST(RouterFailure, KindsClassify) {
  const std::vector<std::pair<FailureKind, FailureClass>> table = {
      {FailureKind::ConnectRefused, FailureClass::Retryable},
      {FailureKind::ConnectFailed, FailureClass::Retryable},
      {FailureKind::Reset, FailureClass::Retryable},
      {FailureKind::EofEarly, FailureClass::Retryable},
      {FailureKind::HeadersTimeout, FailureClass::Retryable},
      {FailureKind::FirstContentTimeout, FailureClass::Retryable},
      {FailureKind::IdleTimeout, FailureClass::Retryable},
      {FailureKind::InBandError, FailureClass::Retryable},
      {FailureKind::Malformed, FailureClass::Retryable},
      {FailureKind::Truncated, FailureClass::Retryable},
      {FailureKind::BadResponse, FailureClass::Retryable},
      {FailureKind::DeadlineExceeded, FailureClass::Fatal},
  };
  for (const auto& [kind, expected] : table) {
    EXPECT_EQ(classify(of_kind(kind)), expected) << to_string(kind);
  }
  AttemptFailure in_band = of_kind(FailureKind::InBandError);
  in_band.error_code = "context_length_exceeded";
  EXPECT_EQ(classify(in_band), FailureClass::ContextWindow);
  in_band.error_code = "overloaded_error";
  EXPECT_EQ(classify(in_band), FailureClass::Retryable);
}

TEST(RouterFailure, Names) {
  EXPECT_EQ(to_string(FailureKind::FirstContentTimeout), "first_content_timeout");
  EXPECT_EQ(to_string(FailureKind::HttpStatus), "http_status");
  EXPECT_EQ(to_string(FailureClass::FallbackNoRetry), "fallback_no_retry");
  EXPECT_EQ(to_string(FailureClass::Fatal), "fatal");
  EXPECT_EQ(describe(http(503, "overloaded_error", "", "busy")),
            "HTTP 503 (overloaded_error: busy)");
  EXPECT_EQ(describe(http(404)), "HTTP 404");
  AttemptFailure reset = of_kind(FailureKind::Reset);
  reset.message = "connection reset by peer";
  reset.after_content = true;
  EXPECT_EQ(describe(reset), "reset: connection reset by peer, after content");
  AttemptFailure limited = http(429, "", "rate_limit_exceeded");
  limited.retry_after_ms = 2000;
  EXPECT_EQ(describe(limited), "HTTP 429 (rate_limit_exceeded), retry-after 2000 ms");
}

TEST(RouterFailure, RetryAfterSeconds) {
  EXPECT_EQ(parse_retry_after_ms("0", 0), 0);
  EXPECT_EQ(parse_retry_after_ms("2", 0), 2000);
  EXPECT_EQ(parse_retry_after_ms(" 120 ", 0), 120'000);
  EXPECT_EQ(parse_retry_after_ms("1.5", 0), 1500);
  EXPECT_EQ(parse_retry_after_ms("0.25", 0), 250);
  EXPECT_EQ(parse_retry_after_ms(".5", 0), 500);
  EXPECT_EQ(parse_retry_after_ms("0.0001", 0), 1);  // rounded up: never wait less than asked
  EXPECT_EQ(parse_retry_after_ms("3.", 0), 3000);
}

TEST(RouterFailure, RetryAfterGarbage) {
  for (const char* value : {"", "  ", "-1", "-0.5", "abc", "1s", "1e3", "1.2.3", ".", "+2",
                            "Sun, 06 Nov 1994 08:49:37 UTC", "Sunday, 06-Nov-94 08:49:37 GMT",
                            "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT"}) {
    EXPECT_EQ(parse_retry_after_ms(value, 0), -1) << '"' << value << '"';
  }
}

TEST(RouterFailure, RetryAfterHttpDate) {
  // Sun, 06 Nov 1994 08:49:37 GMT is unix 784111777.
  EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30), 30'000);
  EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777), 0);
  // A date in the past means "retry now", not "unparseable".
  EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 100), 0);
  // 2024-02-29 (a leap day) 00:00:05 GMT is unix 1709164805.
  EXPECT_EQ(parse_retry_after_ms("Thu, 29 Feb 2024 00:00:05 GMT", 1709164800), 5000);
}

TEST(RouterFailure, ClientStatusForLastFailure) {
  EXPECT_EQ(client_status_for(http(400)), 400);
  EXPECT_EQ(client_status_for(http(413)), 413);
  EXPECT_EQ(client_status_for(http(422)), 422);
  EXPECT_EQ(client_status_for(http(400, "", "context_length_exceeded")), 400);
  EXPECT_EQ(client_status_for(http(429)), 429);
  EXPECT_EQ(client_status_for(http(503)), 503);
  EXPECT_EQ(client_status_for(http(500)), 502);
  EXPECT_EQ(client_status_for(http(529)), 502);
  EXPECT_EQ(client_status_for(http(401)), 502);
  EXPECT_EQ(client_status_for(http(408)), 504);
  EXPECT_EQ(client_status_for(of_kind(FailureKind::HeadersTimeout)), 504);
  EXPECT_EQ(client_status_for(of_kind(FailureKind::FirstContentTimeout)), 504);
  EXPECT_EQ(client_status_for(of_kind(FailureKind::IdleTimeout)), 504);
  EXPECT_EQ(client_status_for(of_kind(FailureKind::DeadlineExceeded)), 504);
  EXPECT_EQ(client_status_for(of_kind(FailureKind::Reset)), 502);
  EXPECT_EQ(client_status_for(of_kind(FailureKind::ConnectRefused)), 502);
  EXPECT_EQ(client_status_for(of_kind(FailureKind::InBandError)), 502);
}

}  // namespace
}  // namespace midstream::router
