#pragma once
// The reference router's HTTP front (cpp-httplib): POST /v1/chat/completions and
// POST /v1/responses, streaming and not, plus GET /health and GET /v1/models. Each request
// becomes a Session; this file only parses, validates and moves bytes.
//
// Connections are bounded before cpp-httplib sees them (router/http_front.h): a connection costs
// a thread only once its request head is complete and within limits (router/request_limits.h).
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "net/connection_pool.h"
#include "router/config.h"
#include "router/cooldown.h"
#include "wire/request.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace midstream::router {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;               // 0 picks a free port
  bool allow_non_loopback = false;  // binding elsewhere must be asked for explicitly
  size_t threads = 128;            // requests served at once (waiting connections take none)
  // Client connections held at once. At the limit a new connection displaces the one that has
  // waited longest without a complete request head; if every one is being served it is refused.
  size_t max_connections = 1024;
  size_t max_body_bytes = 8 * 1024 * 1024;    // 413 past it
  size_t max_request_line_bytes = 8 * 1024;   // 414 past it (line end included)
  size_t max_header_bytes = 32 * 1024;        // the whole head; 431 past it
  size_t max_headers = 100;                   // header fields; 431 past it
  size_t max_json_depth = 64;                 // nested arrays and objects; 400 past it
  int64_t idle_timeout_ms = 5'000;     // a connection with no request begun is closed
  int64_t header_timeout_ms = 10'000;  // first byte of a request to the end of its head; 408
  int64_t body_timeout_ms = 30'000;    // end of the head to the end of the body
  int64_t write_timeout_ms = 30'000;   // a client that takes nothing for this long is dropped
  // A request whose head is complete but that no serving thread has taken this long (every
  // thread busy) is answered 503 with Retry-After: a client is never left without an answer.
  int64_t queue_timeout_ms = 5'000;
  bool log_requests = false;       // one line per request on stderr (never an API key)
  // Upstream calls ask for keep-alive and reuse idle connections (net/connection_pool.h).
  bool reuse_upstream_connections = true;
};

class HttpFront;

class RouterServer {
 public:
  explicit RouterServer(RouterConfig config, ServerOptions options = {});
  ~RouterServer();
  RouterServer(const RouterServer&) = delete;
  RouterServer& operator=(const RouterServer&) = delete;

  // Binds and serves in a background thread; returns the port. Throws std::runtime_error.
  uint16_t start();
  void stop();
  uint16_t port() const { return port_; }
  const RouterConfig& config() const { return config_; }
  // Client connections the router holds right now (waiting, being served or closing).
  size_t open_connections() const;
  // Idle keep-alive connections to upstreams, kept for reuse.
  size_t idle_upstream_connections() const { return upstream_pool_.idle(); }
  // Closes them (they also close on their own after 2 s unused).
  void close_idle_upstream_connections() { upstream_pool_.clear(); }

 private:
  // The routes, one family each.
  void install_routes();
  void install_info_routes();        // GET /health, GET /v1/models
  void install_completion_routes();  // POST /v1/chat/completions, POST /v1/responses
  void install_method_guards();      // another method on a known path: 405 with Allow
  void install_error_handlers();     // exceptions and cpp-httplib's own errors, OpenAI-shaped
  // One completion request: validated (an OpenAI-shaped 4xx answers it otherwise), then a
  // Session up to the commit point, then the answer streamed or folded.
  void handle_completion(wire::Dialect front, const httplib::Request& req, httplib::Response& res);
  std::optional<wire::CanonicalRequest> read_completion_request(
      wire::Dialect front, const httplib::Request& req, httplib::Response& res) const;

  RouterConfig config_;
  ServerOptions options_;
  CooldownTracker cooldowns_;
  net::ConnectionPool upstream_pool_;  // outlives every session (they end before server_ does)
  std::unique_ptr<HttpFront> server_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> request_counter_{0};
  uint16_t port_ = 0;
};

}  // namespace midstream::router
