#pragma once
// The reference router's HTTP front (cpp-httplib): POST /v1/chat/completions and
// POST /v1/responses, streaming and not, plus GET /health and GET /v1/models. Each request
// becomes a Session; this file only parses, validates and moves bytes.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "router/config.h"
#include "router/cooldown.h"

namespace httplib { class Server; }

namespace midstream::router {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;               // 0 picks a free port
  bool allow_non_loopback = false;  // binding elsewhere must be asked for explicitly
  size_t threads = 128;            // concurrent client connections served at once
  size_t max_body_bytes = 8 * 1024 * 1024;
  bool log_requests = false;       // one line per request on stderr (never an API key)
};

class RouterServer {
 public:
  explicit RouterServer(RouterConfig config, ServerOptions options = {});
  ~RouterServer();
  RouterServer(const RouterServer&) = delete;
  RouterServer& operator=(const RouterServer&) = delete;

  // Binds and serves in a background thread; returns the port. Throws std::runtime_error.
  uint16_t start();
  // Serves on the calling thread until stop() (for `midstream router`).
  void serve_forever();
  void stop();
  uint16_t port() const { return port_; }
  const RouterConfig& config() const { return config_; }

 private:
  void install_routes();

  RouterConfig config_;
  ServerOptions options_;
  CooldownTracker cooldowns_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> request_counter_{0};
  uint16_t port_ = 0;
};

}  // namespace midstream::router
