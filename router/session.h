#pragma once
// One client request, from the first attempt to the last byte: drives upstream attempts, asks
// the planner what to do after each failure, holds the client's status line until the first
// content (the commit point), continues mid-stream with a continuation request, and ends the
// client's stream with either one clean terminator or the front's in-band error.
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "router/client_stream.h"
#include "router/config.h"
#include "router/cooldown.h"
#include "router/planner.h"
#include "router/upstream_attempt.h"
#include "router/usage.h"

namespace midstream::router {

// Writes bytes to the client; false when the client is gone.
using Emit = std::function<bool(const std::string& bytes)>;

class Session {
 public:
  // `pool`, when given, lends keep-alive connections to the upstream attempts.
  Session(const RouterConfig& config, CooldownTracker& cooldowns, wire::Dialect front,
          wire::CanonicalRequest request, const std::atomic<bool>* stop, uint64_t seed,
          net::ConnectionPool* pool = nullptr);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  enum class Outcome {
    Committed,  // first content in hand; take_pending() holds the client's first bytes
    Finished,   // the stream is over (clean end or in-band error already written)
    Failed,     // every attempt failed before the commit point: error_status()/error_body()
  };
  // Runs attempts until the commit point (or the end, when it comes first).
  Outcome run_to_commit();
  // Continues after the commit, writing through emit, until the stream is over.
  void run_after_commit(const Emit& emit);

  std::string take_pending();
  // Once the client has its whole answer: the upstream connection of the attempt that
  // completed goes back to the pool (its body's end read first, waited for at most `wait`).
  void recycle_upstream(std::chrono::milliseconds wait = kRecycleWait);
  // How long a completed stream's chunked terminator is waited for before its connection is
  // closed rather than pooled. It almost always comes with or just after the last event.
  static constexpr std::chrono::milliseconds kRecycleWait{20};
  int error_status() const { return error_status_; }
  const std::string& error_body() const { return error_body_; }
  bool client_gone() const { return client_gone_; }
  // True when the stream ended with its terminator rather than an error.
  bool ended_cleanly() const { return clean_end_; }
  const ClientStream& client_stream() const { return *client_; }

 private:
  // Runs the attempt loop; returns at the commit point when stop_at_commit, else at the end.
  Outcome drive(bool stop_at_commit);
  // Streams the current attempt until it ends, fails, or (stop_at_commit) commits.
  enum class AttemptResult { Committed, Completed, Failed, ClientGone };
  AttemptResult pump(bool stop_at_commit, AttemptFailure* failure);
  bool start_attempt(const Deployment& deployment, AttemptFailure* failure);
  // Client bytes after the commit point are batched: queue() adds, flush() writes the batch in
  // one go. The session flushes whenever the upstream has nothing more in hand, so every event
  // still leaves as soon as no other is right behind it.
  void queue(const std::string& bytes);
  bool flush();
  bool write(const std::string& bytes);  // queue() and flush()
  AttemptResult pump_events(bool stop_at_commit, AttemptFailure* failure);
  void finish_clean();
  void finish_with_error(const AttemptFailure& failure);
  void fail_before_commit(const AttemptFailure& failure);
  // Decides what follows a failed attempt; false when the request is over.
  bool handle_failure(const AttemptFailure& failure);
  int64_t now_ms() const;
  net::TimePoint request_deadline() const { return deadline_; }

  const RouterSettings& settings_;
  Defects defects_;
  wire::Dialect front_;
  wire::CanonicalRequest request_;
  const std::atomic<bool>* stop_;
  FallbackPlanner planner_;
  UsageAccountant usage_;
  std::unique_ptr<ClientStream> client_;
  net::ConnectionPool* pool_;
  std::unique_ptr<UpstreamAttempt> attempt_;
  std::unique_ptr<UpstreamAttempt> completed_;  // the attempt that ended well, until recycled
  int attempt_number_ = 0;
  bool attempt_has_content_ = false;
  bool attempt_saw_event_ = false;  // any upstream event of this attempt (bifrost-first-event-only)
  bool opened_ = false;  // the current attempt's upstream answered 2xx with a stream
  net::TimePoint attempt_started_;
  net::TimePoint started_;
  net::TimePoint deadline_;
  std::string finish_reason_ = "stop";
  std::string pending_;      // client bytes held until the commit point is handed over
  std::string batch_;        // client bytes after the commit point, not yet flushed
  const Emit* emit_ = nullptr;
  bool client_gone_ = false;
  bool finished_ = false;
  bool clean_end_ = false;
  std::optional<Decision> next_;  // what to do before the next attempt
  int error_status_ = 502;
  std::string error_body_;
};

// The router's own error body, as OpenAI shapes it ({"error":{"message","type","param":null,
// "code"}}, an empty code as null): wire::encode_error_body.
std::string openai_error_body(const std::string& message, const std::string& type,
                              const std::string& code);

}  // namespace midstream::router
