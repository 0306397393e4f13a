#pragma once
// The router under test, as the runner sees it: a target starts a router for one scenario's
// config (the fakes' URLs already bound into it) and stops it afterwards; the runner makes one
// target per scenario from a TargetFactory. The adapters live in targets/ (targets/registry.h
// parses --target); this is only the interface they implement:
//
//   embedded          the reference router in-process on port 0 (targets/embedded_target.cpp)
//   process[=PATH]    `midstream router` as its own process, one per scenario (targets/process_target.cpp)
//   url=http://127.0.0.1:PORT
//                     a router the user runs and configures; the fakes listen on fixed loopback
//                     ports so the user can configure them once (targets/url_target.cpp)
//   portkey           the Portkey AI gateway (peers/portkey), one process shared by the run; the
//                     scenario's config travels in an x-portkey-config header (targets/portkey_target.cpp)
//   cmd=COMMAND       any router that reads a config file and listens on a port, launched by the
//                     harness, shared by scenarios (targets/command_target.h); presets: litellm, nginx
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/scenario.h"
#include "net/http1.h"
#include "reports/results.h"

namespace midstream::harness {

class Target {
 public:
  virtual ~Target() = default;
  virtual reports::TargetInfo info() const = 0;
  // Starts the router with this config; returns the loopback port it serves on.
  // Throws std::runtime_error when it cannot.
  virtual uint16_t start(const nlohmann::json& router_config) = 0;
  virtual void stop() = 0;
  // Whether the target serves this front; a scenario on a front it does not grades UNSUPPORTED.
  virtual bool supports_front(Front front) const = 0;

  // How the router ended on its own, when it is known to have (a router process that exited
  // or was killed before stop()): e.g. "exited with status 3", "was killed by signal 9
  // (Killed)". Waits at most `grace` for a router that is going away. Nothing while it runs,
  // and nothing for targets that cannot tell.
  virtual std::optional<std::string> exit_status(std::chrono::milliseconds /*grace*/) { return std::nullopt; }
  // Where the scenario's fakes must listen: 0 picks free ports; otherwise the providers get
  // fakes_port_base(), +1, ... in name order (a router configured once, outside midstream).
  virtual uint16_t fakes_port_base() const { return 0; }
  // The most scenarios that may run at once against this target (0: no limit). A target whose
  // fakes use fixed ports allows 1.
  virtual int max_jobs() const { return 0; }

  // Why this target cannot express the scenario (its router config or front x upstream pair),
  // graded UNSUPPORTED with this reason before anything starts. Nothing: it runs.
  virtual std::optional<std::string> unsupported_reason(const Scenario& /*scenario*/) const { return std::nullopt; }
  // Headers the client adds to its request after start(): how a gateway that takes its routing
  // config per request (Portkey's x-portkey-config) gets the bound config.
  virtual net::HeaderList request_headers(const ClientSpec& /*client*/) const { return {}; }
  // Called first, with the (dilated) scenario this target runs: a target that planned the run
  // (plan) finds the scenario's place in it.
  virtual void bind_scenario(const Scenario& /*scenario*/) {}
  // The request the client sends for the scenario's: a router serving several scenarios at once
  // may know the model group by another name.
  virtual ClientSpec client_request(const ClientSpec& client) const { return client; }
  // Called once on a target before a run, with every (dilated) scenario it will run: lanes of
  // scenario indices, each run in order by one job, the lanes in parallel (a target that shares
  // router processes groups them). Empty: every scenario on its own, in the given order.
  virtual std::vector<std::vector<size_t>> plan(const std::vector<Scenario>& /*scenarios*/, int /*jobs*/) {
    return {};
  }
  // After a run, a line worth printing ("5 router launches for 174 scenarios"), from any target
  // of the factory that planned it.
  virtual std::optional<std::string> run_note() const { return std::nullopt; }

  // The router's own process while it runs after start() (process: the `midstream router`
  // child; portkey: the shared node gateway), so a caller can read its CPU and memory from
  // /proc/PID. Nothing for a router inside this process (embedded) or one midstream did not
  // start (url).
  virtual std::optional<pid_t> router_pid() const { return std::nullopt; }
};

using TargetFactory = std::function<std::unique_ptr<Target>()>;

}  // namespace midstream::harness
