#pragma once
// One fake provider: a POSIX accept loop on 127.0.0.1 that owns its sockets, so it can reset a
// connection, cut inside an event or stall before the status line (cpp-httplib never hands a
// handler its socket). It answers as the deterministic fake model and follows its request
// script; every exchange is journaled.
//
// Scripted use (tests):  FakeProvider p(config); p.start(); ... p.journal().wait_for_requests(2, t);
// Autonomous use (scenarios): the harness builds providers from a scenario and reads journals.
#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fakes/journal.h"
#include "fakes/provider_config.h"
#include "net/socket.h"

namespace midstream::fakes {

class FakeProvider {
 public:
  explicit FakeProvider(ProviderConfig config);
  ~FakeProvider();
  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;

  // Listens on host:port (0 picks a free port). Throws std::runtime_error on failure.
  void start(const std::string& host = "127.0.0.1", uint16_t port = 0);
  // Stops accepting, releases every stall and closes every connection; returns promptly.
  void stop();

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT/v1", what a router's api_base should be.
  std::string base_url() const;
  const std::string& name() const { return config_.name; }
  wire::Dialect dialect() const { return config_.dialect; }
  ProviderConfig config() const;

  // Replaces the script; the next request gets its first entry.
  void set_script(std::vector<ScriptEntry> script, ScriptEntry then);
  Journal& journal() { return journal_; }
  const Journal& journal() const { return journal_; }
  // Connections accepted since start (a client reusing keep-alive connections opens fewer).
  size_t connections_accepted() const { return accepted_.load(); }

 private:
  struct Connection {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void accept_loop();
  void serve_connection(net::Fd fd, Connection* self);
  // Takes the next script entry if it is an on_connect fault.
  bool take_on_connect(ScriptEntry* entry);
  ScriptEntry take_entry();
  void reap_finished();

  ProviderConfig config_;
  mutable std::mutex config_mutex_;  // guards config_.script/then and next_entry_
  size_t next_entry_ = 0;
  Journal journal_;
  std::string host_ = "127.0.0.1";
  uint16_t port_ = 0;
  net::Fd listener_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> accepted_{0};
  std::thread acceptor_;
  std::mutex connections_mutex_;
  std::list<Connection> connections_;
  bool started_ = false;
};

}  // namespace midstream::fakes
