#pragma once
// The launch-command target: any router that reads a config file and listens on a port.
// `--target 'cmd=COMMAND'`: COMMAND is split into words like a shell would (no shell runs it) and
// its placeholders filled per launch: {config} the file the harness wrote (--config-format),
// {port} a free loopback port, {dir} a folder of the launch's own. The harness starts the router,
// waits until it answers (GET --ready-path until a 2xx, else a TCP connect), checks that its
// process group listens on 127.0.0.1 only, runs the scenarios, then stops it (SIGTERM to the
// group, SIGKILL after stop_timeout). Scenarios share launches (launch_plan.h): the run prints how
// many it needed. A router that dies is reported in the scenario where it died, with its exit
// status and the tail of its output, and the next scenario launches it again.
//
// Presets over it: `litellm` (litellm_target.cpp) and `nginx` (nginx_target.cpp).
#include <chrono>
#include <string>
#include <vector>

#include "targets/config_formats.h"
#include "targets/harness_types.h"

namespace midstream::targets {

struct CommandTargetOptions {
  std::string name = "cmd";   // the report's column
  std::string description;    // default: "router command: COMMAND"
  std::string command;        // with {config}, {port} (unless the config file has it), {dir}
  ConfigFormat format = json_format();
  std::string ready_path;     // GET it until a 2xx; empty: until a TCP connect succeeds
  std::vector<std::string> set_environment;    // "NAME=VALUE" over the harness's environment
  std::vector<std::string> unset_environment;  // names removed from it
  net::HeaderList headers;    // added to every client request (and the readiness GET)
  std::vector<harness::Front> fronts = {harness::Front::Chat, harness::Front::Responses};
  std::vector<std::string> program_dirs;  // also searched for COMMAND's program (e.g. /usr/sbin)
  std::chrono::milliseconds ready_timeout{60'000};
  std::chrono::milliseconds stop_timeout{5'000};
};

// Throws std::runtime_error for a command that does not split, names an unknown placeholder, does
// not pass {config}, or whose program is not found.
TargetFactory command_target(CommandTargetOptions options);

// The format `--config-format VALUE` names: "json" (also for ""), "litellm", "nginx" (the
// peers/nginx template), "template=FILE" (FILE read now). Throws std::runtime_error naming the
// accepted values, or for a template that cannot be read or names an unknown placeholder.
ConfigFormat config_format_option(const std::string& value);

// --- presets -------------------------------------------------------------------------------

struct LiteLLMTargetOptions {
  // A litellm executable the user installed; empty: the pinned version below, installed by pip.
  std::string executable;
  // A version pinned by peers/litellm/requirements-VERSION.txt; empty: the newest pinned one.
  std::string version;
  std::string peers_dir;     // peers/litellm (data_paths().peers/litellm)
  // Where the venv goes; empty: $MIDSTREAM_LITELLM_DIR/litellm-VERSION, else
  // peer_install_dir("litellm-VERSION") (build/peers/litellm-VERSION for build/cli/midstream).
  std::string install_dir;
  std::chrono::milliseconds ready_timeout{120'000};
};

// The versions peers/litellm pins (its requirements-VERSION.txt files), oldest first.
std::vector<std::string> pinned_litellm_versions(const std::string& peers_dir);

// The LiteLLM proxy as a launch-command target: installs the pinned version on first use
// (peers/litellm/pip_install.cmake, under its file lock) unless an executable is given, then runs
// `litellm --config {config} --host 127.0.0.1 --port {port}` offline (local cost map, no
// telemetry, no database, a random master key sent as the client's Authorization), ready when
// GET /health/liveliness answers. Throws std::runtime_error when it cannot install or find it.
TargetFactory litellm_target(LiteLLMTargetOptions options);

struct NginxTargetOptions {
  std::string executable = "nginx";  // on PATH or in /usr/sbin unless a path is given
  std::string template_path;         // empty: data_paths().peers/nginx/nginx.conf.in
  std::chrono::milliseconds ready_timeout{15'000};
};

// nginx as a plain reverse proxy (peers/nginx/nginx.conf.in filled per scenario), run from a temp
// prefix: `nginx -p {dir} -c {config} -e stderr -g 'daemon off;'`.
TargetFactory nginx_target(NginxTargetOptions options);

}  // namespace midstream::targets
