#include "router/upstream_attempt.h"

#include <ctime>

#include <nlohmann/json.hpp>

namespace midstream::router {
namespace {

constexpr auto kErrorBodyWait = std::chrono::milliseconds(2000);

std::string text_of(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

}  // namespace

void read_error_body(const std::string& body, AttemptFailure* failure) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("error")) {
    failure->message = body.substr(0, 500);
    return;
  }
  const auto& error = json["error"];
  if (!error.is_object()) {
    failure->message = text_of(error);
    return;
  }
  if (error.contains("type")) failure->error_type = text_of(error["type"]);
  if (error.contains("code")) failure->error_code = text_of(error["code"]);
  if (error.contains("message")) failure->message = text_of(error["message"]);
}

UpstreamAttempt::UpstreamAttempt(const Deployment& deployment,
                                 const wire::CanonicalRequest& request,
                                 const std::atomic<bool>* stop, net::ConnectionPool* pool)
    : deployment_(deployment),
      pool_(pool),
      stream_(stop),
      decoder_(wire::make_decoder(deployment.dialect)) {
  net::Url url;
  net::parse_url(deployment.api_base, &url);
  wire::CanonicalRequest upstream = request;
  upstream.model = deployment.model;
  upstream.stream = true;  // always streamed upstream: a partial answer can then be rescued
  upstream.include_usage = true;
  upstream.disable_fallbacks = false;
  request_.host = url.host;
  request_.port = url.port;
  request_.target = url.path + std::string(wire::request_path(deployment.dialect)).substr(3);
  request_.headers.emplace_back("Content-Type", "application/json");
  request_.headers.emplace_back("Accept", "text/event-stream");
  if (deployment.dialect == wire::Dialect::Anthropic) {
    if (!deployment.api_key.empty()) request_.headers.emplace_back("x-api-key", deployment.api_key);
    request_.headers.emplace_back("anthropic-version", "2023-06-01");
  } else if (!deployment.api_key.empty()) {
    request_.headers.emplace_back("Authorization", "Bearer " + deployment.api_key);
  }
  request_.body = wire::encode_request(deployment.dialect, upstream).dump();
  request_.keep_alive = pool_ != nullptr;
}

AttemptFailure UpstreamAttempt::transport_failure(net::StreamEnd end,
                                                  FailureKind timeout_kind) const {
  AttemptFailure failure;
  switch (end) {
    case net::StreamEnd::Refused: failure.kind = FailureKind::ConnectRefused; break;
    case net::StreamEnd::ConnectFailed: failure.kind = FailureKind::ConnectFailed; break;
    case net::StreamEnd::Reset: failure.kind = FailureKind::Reset; break;
    case net::StreamEnd::EofEarly: failure.kind = FailureKind::EofEarly; break;
    case net::StreamEnd::Timeout: failure.kind = timeout_kind; break;
    case net::StreamEnd::Stopped: failure.kind = FailureKind::DeadlineExceeded; break;
    case net::StreamEnd::Complete: failure.kind = FailureKind::Truncated; break;
    default: failure.kind = FailureKind::BadResponse; break;
  }
  failure.message = std::string(net::to_string(end));
  if (!stream_.detail().empty()) failure.message += ": " + stream_.detail();
  return failure;
}

std::optional<AttemptFailure> UpstreamAttempt::open(net::TimePoint deadline) {
  net::Fd pooled = pool_ != nullptr ? pool_->take(request_.host, request_.port) : net::Fd();
  if (!stream_.start(request_, deadline, std::move(pooled)) || !stream_.read_head(deadline))
    return transport_failure(stream_.end(), FailureKind::HeadersTimeout);
  const auto& head = stream_.head();
  if (head.status < 200 || head.status > 299) {
    AttemptFailure failure;
    failure.kind = FailureKind::HttpStatus;
    failure.http_status = head.status;
    if (const auto* retry_after = net::find_header(head.headers, "retry-after"))
      failure.retry_after_ms = parse_retry_after_ms(*retry_after, std::time(nullptr));
    std::string body;
    stream_.read_all(&body, std::min(deadline, net::Clock::now() + kErrorBodyWait));
    read_error_body(body, &failure);
    recycle(net::Clock::now());
    return failure;
  }
  const auto* type = net::find_header(head.headers, "content-type");
  if (!type || type->find("text/event-stream") == std::string::npos) {
    AttemptFailure failure;
    failure.kind = FailureKind::BadResponse;
    failure.message = "expected text/event-stream, got " + (type ? *type : std::string("no content type"));
    stream_.close();
    return failure;
  }
  return std::nullopt;
}

UpstreamAttempt::Step UpstreamAttempt::next(net::TimePoint deadline, FailureKind timeout_kind,
                                            wire::StreamEvent* event, AttemptFailure* failure,
                                            const IdleHook* idle) {
  while (pending_.empty()) {
    if (saw_end_) return Step::Ended;
    // While the upstream is silent, let the caller act (and find out whether its client is gone).
    // Body bytes that came with the response head are not in the socket: decode them first. A
    // body already complete (its chunked terminator read with the last events) has nothing more
    // to wait for: a provider that keeps the connection open would otherwise hold the router
    // until its idle timeout.
    while (idle && idle->on_idle && stream_.is_open() && !stream_.has_unread_body() &&
           stream_.end() == net::StreamEnd::Open) {
      const auto slice = std::min(deadline, net::Clock::now() + idle->every);
      if (net::wait_readable(stream_.fd(), slice, nullptr) != net::IoStatus::Timeout) break;
      if (net::Clock::now() >= deadline) break;
      if (!idle->on_idle()) return Step::Abandoned;
    }
    chunk_.clear();
    if (!stream_.read_some(&chunk_, deadline)) {
      // The body is over: dispatch an event left without its blank line, then judge the end.
      framer_.finish([&](const wire::SseEvent& sse) { decoder_->decode(sse, scratch_); });
      for (auto& e : scratch_) pending_.push_back(std::move(e));
      scratch_.clear();
      if (!pending_.empty()) break;
      *failure = transport_failure(stream_.end(), timeout_kind);
      return Step::Failed;
    }
    framer_.feed(chunk_, [&](const wire::SseEvent& sse) { decoder_->decode(sse, scratch_); });
    for (auto& e : scratch_) pending_.push_back(std::move(e));
    scratch_.clear();
  }
  *event = std::move(pending_.front());
  pending_.pop_front();
  switch (event->kind) {
    case wire::EventKind::Error:
      failure->kind = FailureKind::InBandError;
      failure->error_type = event->error.type;
      failure->error_code = event->error.code;
      failure->message = event->error.message;
      return Step::Failed;
    case wire::EventKind::Malformed:
      failure->kind = FailureKind::Malformed;
      failure->message = event->error.message;
      return Step::Failed;
    case wire::EventKind::Finish:
      saw_finish_ = true;
      return Step::Event;
    case wire::EventKind::End:
      saw_end_ = true;
      return Step::Event;
    default:
      return Step::Event;
  }
}

void UpstreamAttempt::close() { stream_.close(); }

void UpstreamAttempt::recycle(net::TimePoint deadline) {
  if (pool_ != nullptr && stream_.finish(deadline)) {
    if (net::Fd fd = stream_.release_for_reuse(); fd.valid()) {
      pool_->give_back(request_.host, request_.port, std::move(fd));
      return;
    }
  }
  stream_.close();
}

}  // namespace midstream::router
