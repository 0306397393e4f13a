#pragma once
// Every router under test that `--target` can name, in one table: its name, the forms a --target
// value takes, what it runs and how many scenarios may run at once against it, known without
// building a target. make_target_factory turns a --target value into the factory the runner uses.
//
// Adding a target: its adapter in a file of its own here (a class implementing harness::Target
// and a factory function declared below), and one row in target_kinds() (registry.cpp).
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "targets/harness_types.h"

namespace midstream::targets {

// The reference router's jitter seed when `midstream run --seed` is not given.
inline constexpr uint64_t kDefaultRouterSeed = 1;

// The reference router in-process, with the given defect switches on and its jitter seeded by
// seed (see seeded_router_config).
TargetFactory embedded_target(std::vector<std::string> defects = {}, uint64_t seed = kDefaultRouterSeed);

// The config a reference router target starts: router_settings.seed, which seeds its backoff
// jitter and numbers its response ids, set to the run's seed unless the scenario sets its own.
nlohmann::json seeded_router_config(nlohmann::json router_config, uint64_t seed);

struct ProcessTargetOptions {
  // The midstream executable; empty: the running executable (/proc/self/exe).
  std::string executable;
  std::vector<std::string> defects;  // passed as --defect NAME
  uint64_t seed = kDefaultRouterSeed;  // written into the config file (seeded_router_config)
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
  uint64_t seed = kDefaultRouterSeed;  // embedded and process: the router's jitter seed
  uint16_t fakes_port_base = 0;      // url: required
  std::string executable;            // process: default for a bare "process"
  std::string config_format;         // cmd: litellm, json (default), template=FILE
  std::string ready_path;            // cmd: GET it until 2xx (default: a TCP connect)
  std::chrono::milliseconds ready_timeout{0};  // cmd, litellm, nginx: 0 for the target's default
};


// One kind of target, as `--target` names it.
struct TargetKind {
  std::string name;     // the result's target name ("embedded", "litellm", ...)
  std::string forms;    // the --target values it takes ("litellm, litellm@VERSION, litellm=PATH")
  std::string summary;  // what runs, in one line
  int max_jobs = 0;     // the most scenarios at once against it (0: --jobs)
  bool reference_router = false;  // --defect and --seed apply (the reference router only)
};

// Every target kind, in the order `midstream run --help` lists them.
const std::vector<TargetKind>& target_kinds();

// The kind a --target value names ("litellm@1.85.0" -> litellm, "url=..." -> url). Throws
// std::runtime_error naming the known ones.
const TargetKind& target_kind(const std::string& spec);

// Parses a --target value: "embedded" (or "reference"), "process", "process=PATH",
// "url=http://127.0.0.1:PORT", "portkey", "cmd=COMMAND", "litellm", "litellm@VERSION",
// "litellm=PATH", "nginx", "nginx=PATH". Throws std::runtime_error naming the known ones, or saying
// what is missing (a url target without a fakes port base, defect switches on a url target).
TargetFactory make_target_factory(const std::string& spec, const TargetOptions& options);

// What a url target needs before the run (the router is configured outside midstream): the port
// checks, and deployments.json, the sheet the user configures the router from, written into
// out_dir. Throws std::runtime_error saying what is wrong (a router port among the fakes' ports,
// fakes ports past 65535, an unwritable out_dir).
struct UrlRunSheet {
  std::string path;             // out_dir/deployments.json
  nlohmann::ordered_json sheet;  // deployment_sheet(...)
  size_t most_providers = 0;    // the fakes' ports are fakes_port_base .. + most_providers - 1
};
UrlRunSheet write_url_sheet(const std::string& url, const std::vector<Scenario>& dilated_scenarios,
                            uint16_t fakes_port_base, const std::string& out_dir);

}  // namespace midstream::targets
