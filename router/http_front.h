#pragma once
// The router's client connections: cpp-httplib with its connection handling replaced. It still
// parses requests, routes them and writes responses (process_request), but a connection costs a
// serving thread only once its request head is complete and within limits. Until then it waits,
// with every other, in one poll loop that enforces the idle and head deadlines and the size
// limits (router/request_limits.h), so idle and slow (slowloris) clients cannot take the threads
// that serve requests. cpp-httplib 0.11.4 bounds none of: the head's total time, its size and
// field count, idle connections, its listen backlog (5).
#include <httplib.h>

#include <cstddef>
#include <memory>

#include "router/server.h"

namespace midstream::router {

inline constexpr size_t kKeepAliveRequests = 100;  // requests one client connection may carry

struct ClientConnection;
class ClientConnections;

class HttpFront final : public httplib::Server {
 public:
  explicit HttpFront(const ServerOptions& options);
  ~HttpFront() override;

  void start_connections();
  void stop_connections();
  // Client connections held right now (waiting, being served or closing).
  size_t open_connections() const;
  // cpp-httplib 0.11.4 listens with a backlog of 5; a burst of clients needs more. Call after
  // binding, before listen_after_bind().
  void widen_backlog(int backlog);

  // For an error handler: the response being written ends its connection (cpp-httplib answered
  // an error of its own, 413, 400, 414..., and the request's body may be unread).
  static void close_after_response();

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool serve(ClientConnection& connection);

  const ServerOptions& options_;
  std::unique_ptr<ClientConnections> connections_;
};

}  // namespace midstream::router
