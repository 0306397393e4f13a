#pragma once
// The soak's I/O: lanes of fakes behind one router under test, executing plans. A lane holds a
// fake per (chain position, dialect) and runs one stream at a time, so every stream has fakes
// of its own to script and whose journals it reads alone. The router serves one config with a
// model group per (lane, chain shape), whose fallbacks are the chain.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fakes/journal.h"
#include "harness/target.h"
#include "harness/time_scale.h"
#include "net/http_client.h"
#include "stress/soak_judge.h"
#include "stress/soak_plan.h"

namespace midstream::fakes {
class FakeProvider;
}

namespace midstream::stress {

// The routers the soak can drive: they take its generated config as it is (a model group per
// lane and chain shape, the reference router's settings and defect switches).
inline constexpr const char* kSoakTargets = "embedded (alias reference), process, process=PATH";

// The router a --target value names, made for a soak of `lanes` lanes: embedded (alias
// reference) in this process, with a serving thread per lane and a few spare; process or
// process=PATH through the target registry (targets/registry.h). Throws std::invalid_argument
// for an unknown target, a bad value, or a target that cannot serve the soak's config, naming
// those that can.
harness::TargetFactory soak_target(const std::string& spec, int lanes);

struct SoakDriverOptions {
  int lanes = 1;
  harness::TargetFactory router;     // soak_target(...)
  std::vector<std::string> defects;  // the reference router's defect switches
  uint64_t seed = 1;                 // the router's jitter seed
  TimeScale time_scale;
};

// One stream as it ran: the verdict, and what the client and the fakes saw (for a replay).
struct StreamRun {
  SoakStreamResult result;
  std::string body;  // what the client received
  std::map<std::string, std::vector<fakes::JournalEntry>> journals;
};

class SoakDriver {
 public:
  // Starts every lane's fakes (journals on `epoch`) and the router. Throws std::runtime_error
  // when a server cannot start.
  SoakDriver(const SoakDriverOptions& options, net::Clock::time_point epoch);
  ~SoakDriver();
  SoakDriver(const SoakDriver&) = delete;
  SoakDriver& operator=(const SoakDriver&) = delete;

  int lanes() const;
  std::string router_description() const;
  // Runs the plan in lane `lane` and judges it. One stream at a time per lane; lanes in parallel.
  StreamRun run(int lane, const SoakStreamPlan& plan);
  // A healthy stream in every lane at once, not counted: what the router and the clients
  // allocate once (thread pools, lazily opened files) is then part of a baseline, not a leak.
  void warm_up();
  // The router's idle keep-alive connections to the fakes: closed now in this process; a router
  // process closes its own within 3 s unused (net/connection_pool.h), which this waits for (until
  // this process's fds are back at their count after start-up, 3.5 s at most).
  void close_idle_connections();
  // The router, then every fake.
  void stop();

 private:
  struct Lane;
  nlohmann::json router_config();

  SoakDriverOptions options_;
  net::Clock::time_point epoch_;
  std::vector<Lane> lanes_;
  std::unique_ptr<harness::Target> router_;
  uint16_t port_ = 0;
  int fds_started_ = 0;  // this process's open fds once the fakes and the router were up
};

}  // namespace midstream::stress
