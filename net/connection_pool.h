#pragma once
// Idle keep-alive connections to upstreams, kept for the next request to the same host and port.
// A connection goes back only after a response that ended cleanly (its whole body read, no
// "Connection: close"), and comes out only if it is still quiet: a peer that closed it, reset
// it or sent anything unasked makes it unusable, and it is closed instead. Connections idle
// longer than max_idle are closed (by a reaper thread, started with the first connection kept),
// well before a provider would drop them itself, so a request never races the provider's own
// idle close.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "net/socket.h"

namespace midstream::net {

class ConnectionPool {
 public:
  struct Limits {
    size_t per_host = 64;                     // idle connections kept per host and port
    std::chrono::milliseconds max_idle{2000};  // closed after this long unused
  };
  ConnectionPool() : ConnectionPool(Limits{}) {}
  explicit ConnectionPool(Limits limits) : limits_(limits) {}
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // The most recently returned idle connection to host:port that is still quiet, or an
  // invalid Fd (connect a new one).
  Fd take(const std::string& host, uint16_t port);
  // Keeps a connection whose last response ended cleanly; when the host has enough, its oldest
  // idle connection closes.
  void give_back(const std::string& host, uint16_t port, Fd fd);
  // Idle connections held right now, over every host.
  size_t idle() const;
  // Closes every idle connection.
  void clear();

 private:
  struct Idle {
    Fd fd;
    TimePoint since;
  };
  // Closes connections idle past max_idle (the oldest are at the front).
  void expire(std::deque<Idle>& idle, TimePoint now);
  void expire_all(TimePoint now);  // under mutex_
  void reap_loop();

  const Limits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<Idle>> idle_;  // by "host:port"
  std::condition_variable reap_cv_;
  bool stopping_ = false;
  std::thread reaper_;
};

}  // namespace midstream::net
