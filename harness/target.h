#pragma once
// The router under test. A target starts a router for one scenario's config (the fakes' URLs
// already bound into it) and stops it afterwards; the runner makes one target per scenario.
//
//   embedded          the reference router in-process on port 0 (embedded_target.cpp)
//   process[=PATH]    `midstream router` as its own process, one per scenario (process_target.cpp)
//   url=http://127.0.0.1:PORT
//                     a router the user runs and configures; the fakes listen on fixed loopback
//                     ports so the user can configure them once (url_target.cpp)
//   portkey           the Portkey AI gateway (peers/portkey), one process shared by the run; the
//                     scenario's config travels in an x-portkey-config header (portkey_target.cpp)
//   cmd=COMMAND       any router that reads a config file and listens on a port, launched by the
//                     harness, shared by scenarios (command_target.h); presets: litellm, nginx
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

// The reference router in-process, with the given defect switches on.
TargetFactory embedded_target(std::vector<std::string> defects = {});

struct ProcessTargetOptions {
  // The midstream executable; empty: the running executable (/proc/self/exe).
  std::string executable;
  std::vector<std::string> defects;  // passed as --defect NAME
  int threads = 0;                    // passed as --threads N when > 0 (default: the router's)
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

struct PortkeyTargetOptions {
  // peers/portkey of the source tree: package.json, package-lock.json, loopback.cjs.
  std::string source_dir;
  // Where `npm ci` installs node_modules (a folder of the build tree); the target runs it when the
  // installed lock differs from the source's, under a file lock shared with the ctest fixture.
  std::string install_dir;
  std::string node = "node";  // found on PATH unless a path is given
  std::string npm = "npm";
  std::chrono::milliseconds start_timeout{30'000};  // until the gateway accepts connections
  std::chrono::milliseconds stop_timeout{5'000};    // SIGTERM, then SIGKILL
};

// Defaults: source_dir = data_paths().peers/portkey; install_dir = $MIDSTREAM_PORTKEY_DIR, else
// for an installed midstream ${XDG_CACHE_HOME:-~/.cache}/midstream/peers/portkey, else <dir of this
// executable>/../peers/portkey (build/peers/portkey for build/cli/midstream and build/tests/*).
// Node and npm from PATH.
PortkeyTargetOptions default_portkey_options();

// Installs the pinned gateway if needed (throws std::runtime_error "portkey target: npm ci in
// peers/portkey failed: ..." when it cannot) and returns a factory whose targets share one
// gateway process, started on first use on a free loopback port, verified bound to 127.0.0.1,
// restarted if it died, and stopped (SIGTERM, then SIGKILL) when the last factory copy goes.
TargetFactory portkey_target(PortkeyTargetOptions options);

struct TargetOptions {
  std::vector<std::string> defects;  // embedded and process; refused by url
  uint16_t fakes_port_base = 0;      // url: required
  std::string executable;            // process: default for a bare "process"
  std::string config_format;         // cmd: litellm, json (default), template=FILE
  std::string ready_path;            // cmd: GET it until 2xx (default: a TCP connect)
  std::chrono::milliseconds ready_timeout{0};  // cmd, litellm, nginx: 0 for the target's default
};

// Parses a --target value: "embedded" (or "reference"), "process", "process=PATH",
// "url=http://127.0.0.1:PORT", "portkey", "cmd=COMMAND", "litellm", "litellm@VERSION",
// "litellm=PATH", "nginx", "nginx=PATH". Throws std::runtime_error naming the known ones, or saying
// what is missing (a url target without a fakes port base, defect switches on a url target).
TargetFactory make_target_factory(const std::string& spec, const std::vector<std::string>& defects);
TargetFactory make_target_factory(const std::string& spec, const TargetOptions& options);

}  // namespace midstream::harness
