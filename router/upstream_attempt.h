#pragma once
// One attempt at one deployment: the HTTP exchange with the upstream, decoded into canonical
// events, every wait bounded by the deadline the caller passes. I/O only: what a failure means
// is decided by failure.h and the planner.
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/connection_pool.h"
#include "net/http_client.h"
#include "router/config.h"
#include "router/failure.h"
#include "wire/codec.h"
#include "wire/request.h"

namespace midstream::router {

class UpstreamAttempt {
 public:
  // With a pool, the request goes on an idle keep-alive connection to the deployment when
  // there is one, and a connection whose response ended cleanly goes back (recycle()).
  UpstreamAttempt(const Deployment& deployment, const wire::CanonicalRequest& request,
                  const std::atomic<bool>* stop, net::ConnectionPool* pool = nullptr);

  // Connects (or takes a pooled connection), sends the request and reads the response head. A
  // non-2xx status or a transport failure comes back as the failure.
  std::optional<AttemptFailure> open(net::TimePoint deadline);

  enum class Step { Event, Failed, Ended, Abandoned };
  // Called while the upstream is silent, every `every` of silence; returning false abandons the
  // wait (the client is gone).
  struct IdleHook {
    std::chrono::milliseconds every{0};
    std::function<bool()> on_idle;
  };
  // The next canonical event. `timeout_kind` says which timeout a missed deadline is.
  Step next(net::TimePoint deadline, FailureKind timeout_kind, wire::StreamEvent* event,
            AttemptFailure* failure, const IdleHook* idle = nullptr);

  // Gives up on the upstream: closes the connection so the provider sees it.
  void close();
  // Done with a stream that ended well: reads the rest of its body (the chunked terminator
  // often comes after the last event) until the deadline, then hands the connection to the pool
  // if it can carry another request, else closes it.
  void recycle(net::TimePoint deadline);
  const Deployment& deployment() const { return deployment_; }
  // True when next() can answer without waiting for the upstream: events already decoded, or
  // body bytes already read.
  bool has_ready_input() const { return !pending_.empty() || stream_.has_unread_body(); }
  bool saw_finish() const { return saw_finish_; }

 private:
  AttemptFailure transport_failure(net::StreamEnd end, FailureKind timeout_kind) const;

  const Deployment& deployment_;
  net::ConnectionPool* pool_;
  net::ClientRequest request_;
  net::HttpStream stream_;
  wire::SseFramer framer_;
  std::unique_ptr<wire::StreamDecoder> decoder_;
  std::deque<wire::StreamEvent> pending_;
  std::vector<wire::StreamEvent> scratch_;
  std::string chunk_;
  bool saw_end_ = false;
  bool saw_finish_ = false;
};

// Reads an error body in any provider's shape ({"error":{type,code,message}} or Anthropic's
// {"type":"error","error":{type,message}}) into the failure's error fields.
void read_error_body(const std::string& body, AttemptFailure* failure);

}  // namespace midstream::router
