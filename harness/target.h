#pragma once
// The router under test. A target starts a router for one scenario's config (the fakes' URLs
// already bound into it) and stops it afterwards; the runner makes one target per scenario.
//
//   embedded          the reference router in-process on port 0 (embedded_target.cpp)
//   process[=PATH]    `midstream router` as its own process, one per scenario (process_target.cpp)
//   url=http://127.0.0.1:PORT
//                     a router the user runs and configures; the fakes listen on fixed loopback
//                     ports so the user can configure them once (url_target.cpp)
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
  // Fronts ("chat", "responses") the target serves; others grade UNSUPPORTED.
  virtual bool supports_front(const std::string& front) const = 0;

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
};

using TargetFactory = std::function<std::unique_ptr<Target>()>;

// The reference router in-process, with the given defect switches on.
TargetFactory embedded_target(std::vector<std::string> defects = {});

struct ProcessTargetOptions {
  // The midstream executable; empty: the running executable (/proc/self/exe).
  std::string executable;
  std::vector<std::string> defects;  // passed as --defect NAME
  // Deadline for the router to print its port after it was spawned.
  std::chrono::milliseconds start_timeout{15'000};
  // How long stop() waits after SIGTERM before it sends SIGKILL.
  std::chrono::milliseconds stop_timeout{5'000};
};

// `midstream router --config FILE --port 0` as a child process per scenario: the bound config is
// written to a temp file (removed at stop), the port is read from the router's stdout, stop()
// sends SIGTERM (SIGKILL after stop_timeout). A router that died is reported by exit_status().
// The child gets SIGTERM if the thread that started it exits first (PR_SET_PDEATHSIG), so start
// and stop a process target on one thread (the runner does). Throws std::runtime_error when the
// executable cannot be run.
TargetFactory process_target(ProcessTargetOptions options);

// A router at a loopback URL that the user started and configured; midstream cannot configure
// it, so the fakes listen on fixed ports from fakes_port_base (see deployment_sheet) and
// scenarios run one at a time. Throws std::runtime_error for a URL that is not
// http://127.0.0.1:PORT or http://localhost:PORT, or a zero port base.
TargetFactory url_target(const std::string& url, uint16_t fakes_port_base);

// Parses "http://127.0.0.1:PORT" (or localhost, optional trailing "/") and returns the port.
// Throws std::runtime_error with what is accepted for anything else.
uint16_t parse_loopback_url(const std::string& url);

// The fixed base URLs of a scenario's fakes when they listen from port_base: the providers in
// name order get port_base, port_base + 1, ... ("http://127.0.0.1:PORT/v1", as FakeFleet).
// Throws std::runtime_error when the ports would pass 65535.
std::map<std::string, std::string> fixed_base_urls(const Scenario& scenario, uint16_t port_base);

// What a user configures in a router for the url target (schema midstream.deployments.v1): for
// each scenario its providers (dialect, port, api_base) and "config", the router config with the
// api_base values bound ({"model_list": [...], "router_settings": {...}}), loadable as is by
// `midstream router --config`.
nlohmann::ordered_json deployment_sheet(const std::vector<Scenario>& scenarios, const std::string& router_url,
                                        uint16_t fakes_port_base);

struct TargetOptions {
  std::vector<std::string> defects;  // embedded and process; refused by url
  uint16_t fakes_port_base = 0;      // url: required
  std::string executable;            // process: default for a bare "process"
};

// Parses a --target value: "embedded" (or "reference"), "process", "process=PATH",
// "url=http://127.0.0.1:PORT". Throws std::runtime_error naming the known ones, or saying what
// is missing (a url target without a fakes port base, defect switches on a url target).
TargetFactory make_target_factory(const std::string& spec, const std::vector<std::string>& defects);
TargetFactory make_target_factory(const std::string& spec, const TargetOptions& options);

}  // namespace midstream::harness
