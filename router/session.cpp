#include "router/session.h"

#include "router/continuation.h"
#include "wire/codec.h"

namespace midstream::router {
namespace {

using std::chrono::milliseconds;

std::string response_id(wire::Dialect front, uint64_t seed) {
  const char* prefix = front == wire::Dialect::OpenAIResponses ? "resp_midstream_" : "chatcmpl-midstream-";
  return prefix + std::to_string(seed);
}

}  // namespace

std::string openai_error_body(const std::string& message, const std::string& type,
                              const std::string& code) {
  wire::ErrorInfo error;
  error.message = message;
  error.type = type;
  error.code = code;
  return wire::encode_error_body(wire::Dialect::OpenAIChat, error);
}

Session::Session(const RouterConfig& config, CooldownTracker& cooldowns, wire::Dialect front,
                 wire::CanonicalRequest request, const std::atomic<bool>* stop, uint64_t seed,
                 net::ConnectionPool* pool)
    : settings_(config.settings),
      defects_(config.defects),
      front_(front),
      request_(std::move(request)),
      stop_(stop),
      planner_(config, request_.model, request_.disable_fallbacks, seed, &cooldowns, defects_),
      pool_(pool),
      started_(net::Clock::now()),
      deadline_(started_ + milliseconds(config.settings.deadline_ms)) {
  wire::EncoderOptions options;
  options.id = response_id(front, seed);
  options.model = request_.model;
  options.created = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  // A non-streamed answer always carries usage; a chat stream only when the client asked.
  options.include_usage =
      front != wire::Dialect::OpenAIChat || request_.include_usage || !request_.stream;
  client_ = std::make_unique<ClientStream>(wire::make_encoder(front, options), options.id,
                                           request_.model, defects_);
}

Session::~Session() {
  if (completed_) completed_->close();
  if (attempt_) attempt_->close();
}

void Session::recycle_upstream(std::chrono::milliseconds wait) {
  if (!completed_) return;
  completed_->recycle(net::Clock::now() + wait);
  completed_.reset();
}

int64_t Session::now_ms() const {
  return std::chrono::duration_cast<milliseconds>(net::Clock::now() - started_).count();
}

std::string Session::take_pending() { return std::exchange(pending_, {}); }

void Session::queue(const std::string& bytes) { (emit_ == nullptr ? pending_ : batch_) += bytes; }

bool Session::flush() {
  if (emit_ == nullptr || batch_.empty()) return !client_gone_;
  const bool written = (*emit_)(batch_);
  batch_.clear();
  if (!written) client_gone_ = true;
  return written;
}

bool Session::write(const std::string& bytes) {
  queue(bytes);
  return flush();
}

Session::Outcome Session::run_to_commit() {
  emit_ = nullptr;
  return drive(true);
}

void Session::run_after_commit(const Emit& emit) {
  emit_ = &emit;
  if (!pending_.empty() && !write(take_pending())) return;
  if (!finished_) drive(false);
  emit_ = nullptr;
}

bool Session::start_attempt(const Deployment& deployment, AttemptFailure* failure) {
  ++attempt_number_;
  attempt_has_content_ = false;
  attempt_saw_event_ = false;
  attempt_started_ = net::Clock::now();
  std::string strip;
  wire::CanonicalRequest upstream = request_;
  // After the commit point the next deployment continues the text the client already has.
  if (client_->committed() && !client_->text().empty() &&
      !defects_.on(defect::kResendPartial)) {
    const bool prefill = deployment.supports_prefill || defects_.on(defect::kPrefillEverywhere);
    ContinuationPlan plan = build_continuation(request_, client_->text(), deployment.dialect, prefill);
    upstream = std::move(plan.request);
    if (!defects_.on(defect::kBrokenSeam)) strip = std::move(plan.strip_prefix);
  }
  client_->begin_attempt(strip);
  attempt_ = std::make_unique<UpstreamAttempt>(deployment, upstream, stop_, pool_);
  auto deadline = std::min(deadline_, attempt_started_ + milliseconds(settings_.timeout_ms));
  opened_ = false;
  if (auto opened = attempt_->open(deadline)) {
    *failure = *opened;
    if (failure->kind == FailureKind::HeadersTimeout && net::Clock::now() >= deadline_)
      failure->kind = FailureKind::DeadlineExceeded;
    return false;
  }
  opened_ = true;
  return true;
}

Session::AttemptResult Session::pump(bool stop_at_commit, AttemptFailure* failure) {
  const AttemptResult result = pump_events(stop_at_commit, failure);
  // Nothing waits in the batch while the next attempt starts or the stream ends.
  if (!flush()) return AttemptResult::ClientGone;
  return result;
}

Session::AttemptResult Session::pump_events(bool stop_at_commit, AttemptFailure* failure) {
  wire::StreamEvent event;
  std::string out;
  for (;;) {
    // About to wait for the upstream: what the client is owed goes out first.
    if (!attempt_->has_ready_input() && !flush()) return AttemptResult::ClientGone;
    net::TimePoint deadline;
    FailureKind timeout_kind;
    if (!attempt_has_content_) {
      deadline = attempt_started_ + milliseconds(settings_.stream_timeout_ms);
      timeout_kind = FailureKind::FirstContentTimeout;
    } else if (defects_.on(defect::kNoIdleTimeout)) {
      deadline = deadline_;
      timeout_kind = FailureKind::DeadlineExceeded;
    } else {
      deadline = net::Clock::now() + milliseconds(settings_.idle_timeout_ms);
      timeout_kind = FailureKind::IdleTimeout;
    }
    if (deadline >= deadline_) {
      deadline = deadline_;
      timeout_kind = FailureKind::DeadlineExceeded;
    }
    // After the commit point an SSE comment goes out while the upstream is silent: it keeps
    // proxies from timing out, and a failed write tells the router its client is gone.
    UpstreamAttempt::IdleHook heartbeat{milliseconds(settings_.keepalive_ms),
                                        [this] { return write(": keep-alive\n\n"); }};
    const bool beat = emit_ != nullptr && client_->committed() && settings_.keepalive_ms > 0;
    auto step = attempt_->next(deadline, timeout_kind, &event, failure, beat ? &heartbeat : nullptr);
    if (step == UpstreamAttempt::Step::Abandoned) return AttemptResult::ClientGone;
    if (step == UpstreamAttempt::Step::Ended) return AttemptResult::Completed;
    if (step == UpstreamAttempt::Step::Failed) {
      // Finish already seen: the content is whole, whatever went wrong after it.
      if (attempt_->saw_finish()) return AttemptResult::Completed;
      failure->after_content = attempt_has_content_;
      return AttemptResult::Failed;
    }
    attempt_saw_event_ = true;
    switch (event.kind) {
      case wire::EventKind::Usage:
        usage_.record(attempt_number_, event.usage);
        continue;
      case wire::EventKind::Finish:
        finish_reason_ = event.finish_reason;
        continue;
      case wire::EventKind::End:
        return AttemptResult::Completed;
      default:
        break;
    }
    const bool was_committed = client_->committed();
    out.clear();
    if (event.kind == wire::EventKind::Preamble && !was_committed &&
        defects_.on(defect::kCommitBeforeContent))
      client_->commit(out);
    if (client_->forward(event, out)) attempt_has_content_ = true;
    queue(out);
    if (stop_at_commit && !was_committed && client_->committed()) return AttemptResult::Committed;
  }
}

void Session::finish_clean() {
  usage_.set_serving(attempt_number_);
  if (defects_.on(defect::kDropFailedUsage)) usage_.drop_failed();
  std::string out;
  client_->finish(finish_reason_, usage_.total(settings_.usage_policy), out);
  finished_ = true;
  clean_end_ = true;
  planner_.on_success(now_ms());
  write(out);
}

void Session::finish_with_error(const AttemptFailure& failure) {
  wire::ErrorInfo error;
  error.type = failure.kind == FailureKind::HttpStatus && failure.http_status == 429
                   ? "rate_limit_exceeded"
                   : "server_error";
  error.code = "upstream_failed_mid_stream";
  error.message = "The answer was cut off: every deployment for model '" + request_.model +
                  "' failed after the stream started (last: " + describe(failure) + ").";
  std::string out;
  client_->fail(error, out);
  finished_ = true;
  write(out);
}

void Session::fail_before_commit(const AttemptFailure& failure) {
  finished_ = true;
  error_status_ = client_status_for(failure);
  if (classify(failure) == FailureClass::ClientError ||
      classify(failure) == FailureClass::ContextWindow ||
      classify(failure) == FailureClass::ContentPolicy) {
    error_body_ = openai_error_body(failure.message.empty() ? describe(failure) : failure.message,
                                    failure.error_type.empty() ? "invalid_request_error"
                                                               : failure.error_type,
                                    failure.error_code);
    return;
  }
  std::string type = error_status_ == 429   ? "rate_limit_exceeded"
                     : error_status_ == 504 ? "timeout"
                                            : "server_error";
  error_body_ = openai_error_body("Every deployment for model '" + request_.model +
                                      "' failed (last: " + describe(failure) + ").",
                                  type, "upstream_unavailable");
}

Session::Outcome Session::drive(bool stop_at_commit) {
  while (!finished_) {
    if (!attempt_) {
      const Deployment* deployment = nullptr;
      if (!next_) {
        deployment = planner_.first(now_ms());
        if (!deployment) {
          AttemptFailure none;
          none.kind = FailureKind::HttpStatus;
          none.http_status = 503;
          none.message = planner_.first_error();
          fail_before_commit(none);
          return Outcome::Failed;
        }
      } else {
        auto wake = net::Clock::now() + milliseconds(next_->delay_ms);
        if (wake >= deadline_ || !net::sleep_until(wake, stop_)) {
          AttemptFailure late;
          late.kind = FailureKind::DeadlineExceeded;
          late.message = "no time left for the next attempt";
          if (client_->committed()) {
            finish_with_error(late);
            return Outcome::Finished;
          }
          fail_before_commit(late);
          return Outcome::Failed;
        }
        deployment = next_->deployment;
      }
      next_.reset();
      AttemptFailure failure;
      if (!start_attempt(*deployment, &failure)) {
        attempt_.reset();
        if (handle_failure(failure)) continue;
        return client_->committed() ? Outcome::Finished : Outcome::Failed;
      }
    }
    AttemptFailure failure;
    switch (pump(stop_at_commit, &failure)) {
      case AttemptResult::Committed:
        return Outcome::Committed;
      case AttemptResult::Completed:
        completed_ = std::move(attempt_);  // recycled once the client has its answer
        finish_clean();
        return Outcome::Finished;
      case AttemptResult::ClientGone:
        if (defects_.on(defect::kUpstreamLeftOpen)) {
          // Drains the upstream instead of closing it, as routers that ignore disconnects do.
          wire::StreamEvent ignored;
          AttemptFailure unused;
          while (attempt_ && attempt_->next(deadline_, FailureKind::DeadlineExceeded, &ignored, &unused) ==
                 UpstreamAttempt::Step::Event) {
          }
        }
        attempt_->close();
        attempt_.reset();
        finished_ = true;
        return Outcome::Finished;
      case AttemptResult::Failed:
        attempt_->close();
        attempt_.reset();
        if (handle_failure(failure)) continue;
        return client_->committed() ? Outcome::Finished : Outcome::Failed;
    }
  }
  return client_->committed() ? Outcome::Finished : Outcome::Failed;
}

bool Session::handle_failure(const AttemptFailure& failure) {
  const bool committed = client_->committed();
  if (committed) {
    if (defects_.on(defect::kCleanCloseAfterDrop) || settings_.mid_stream == MidStreamPolicy::Error ||
        (client_->tool_in_flight() && !defects_.on(defect::kSpliceToolCall)) ||
        (defects_.on(defect::kNoMidStreamFallback) && front_ == wire::Dialect::OpenAIResponses) ||
        defects_.on(defect::kFallbackOnlyFirstEventError)) {
      finish_with_error(failure);
      return false;
    }
  }
  if (defects_.on(defect::kNoRetryOnceOpen) && opened_) {
    if (committed) finish_with_error(failure);
    else fail_before_commit(failure);
    return false;
  }
  // Bifrost #5395: only an HTTP error or an error as the very first event falls back; once a
  // valid event (response.created, message_start, a role chunk) came, the error is the client's.
  if (!committed && defects_.on(defect::kFallbackOnlyFirstEventError) &&
      (attempt_saw_event_ ||
       (failure.kind != FailureKind::HttpStatus && failure.kind != FailureKind::InBandError))) {
    fail_before_commit(failure);
    return false;
  }
  Decision decision = planner_.after_failure(failure, now_ms());
  if (decision.kind == Decision::Kind::GiveUp) {
    if (committed) finish_with_error(failure);
    else fail_before_commit(failure);
    return false;
  }
  next_ = decision;
  return true;
}

}  // namespace midstream::router
