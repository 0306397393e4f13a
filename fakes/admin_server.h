#pragma once
// The fakes' loopback admin API (cpp-httplib): list the fakes, read or clear a journal, replace
// a request script, while the fakes run standalone (`midstream fakes --config FILE`).
//   GET    /fakes                 -> [{"name","dialect","port","base_url"}]
//   GET    /fakes/NAME/journal    -> [journal entries]
//   DELETE /fakes/NAME/journal    -> clears it
//   PUT    /fakes/NAME/script     <- {"script": ["ok" | FAULT, ...], "then": "ok" | FAULT}
#include <cstdint>
#include <memory>
#include <thread>

#include "fakes/fleet.h"

namespace httplib { class Server; }

namespace midstream::fakes {

class AdminServer {
 public:
  explicit AdminServer(FakeFleet& fleet);
  ~AdminServer();
  // Listens on 127.0.0.1:port (0 picks one) in a background thread; returns the port.
  uint16_t start(uint16_t port = 0);
  void stop();

 private:
  FakeFleet& fleet_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace midstream::fakes
