// `midstream router`, `midstream fakes` and `midstream defects`: long-running servers on 127.0.0.1.
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "fakes/admin_server.h"
#include "fakes/fleet.h"
#include "router/config.h"
#include "router/defects.h"
#include "router/server.h"
#include "wire/json_reader.h"

namespace midstream::cli {

int router_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << R"(usage: midstream router --config FILE [--port N] [--host H] [--allow-non-loopback] [--log]
                        [--threads N] [--no-upstream-reuse]

Serves the reference router: POST /v1/chat/completions and POST /v1/responses (streaming and
not), GET /health and GET /v1/models. FILE is LiteLLM-shaped:
  {"model_list": [{"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o",
     "api_base": "http://127.0.0.1:8001/v1", "api_key": "sk-..."}}],
   "router_settings": {"fallbacks": [{"gpt-4o": ["claude"]}], "num_retries": 1, ...},
   "defects": []}
Listens on 127.0.0.1 (port 0 = any free port, printed) until SIGINT or SIGTERM. A non-loopback
--host is refused unless --allow-non-loopback is given.

options:
  --config FILE          router config (required)
  --port N               port to listen on (default 0: pick one)
  --host H               address to bind (default 127.0.0.1)
  --allow-non-loopback   allow a --host outside 127.0.0.0/8
  --defect NAME          turn on a defect switch (repeatable; see `midstream defects`)
  --log                  one line per request on stderr
  --threads N            requests served at once (default 128). A streamed answer holds one for
                         its whole length; connections beyond it wait (idle ones cost no thread)
  --no-upstream-reuse    open a new upstream connection for every attempt; by default the router
                         keeps idle keep-alive connections (up to 64 per upstream, 2 s) and reuses
                         them, as production HTTP clients do
)";
    return 0;
  }
  auto file = args.value("--config");
  router::ServerOptions options;
  options.port = static_cast<uint16_t>(args.integer("--port", 0, 0, 65535));
  options.host = args.value("--host").value_or("127.0.0.1");
  options.allow_non_loopback = args.flag("--allow-non-loopback");
  options.log_requests = args.flag("--log");
  options.threads = static_cast<size_t>(args.integer("--threads", 128, 1, 4096));
  options.reuse_upstream_connections = !args.flag("--no-upstream-reuse");
  auto defects = args.values("--defect");
  if (!args.positionals().empty()) throw UsageError("unexpected argument " + args.positionals().front());
  if (!file) throw UsageError("--config FILE is required");
  auto config = router::load_router_config_file(*file);
  for (const auto& d : defects) {
    if (!router::is_known_defect(d)) throw UsageError("unknown defect '" + d + "' (see `midstream defects`)");
    config.defects.insert(d);
  }
  block_stop_signals();
  router::RouterServer server(std::move(config), options);
  const uint16_t port = server.start();
  std::cout << "midstream router listening on http://" << options.host << ":" << port << std::endl;
  wait_for_stop_signal();
  server.stop();
  std::cout << "midstream router stopped" << std::endl;
  return 0;
}

int fakes_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << R"(usage: midstream fakes --config FILE [--port-base N] [--admin-port N]

Runs fake providers on 127.0.0.1 until SIGINT or SIGTERM. FILE is either {"providers": {...}}
or a scenario file (its providers are used). Each provider object:
  {"dialect": "openai-chat" | "openai-responses" | "anthropic",
   "answer": "canonical answer text", "words_per_delta": 1,
   "script": ["ok", {"at": "after_deltas", "n": 3, "action": "reset"}],
   "then": "ok", "refuse_connections": false, "reject_prefill": false}

The admin API (loopback) lets a harness read journals and change scripts:
  GET /fakes    GET|DELETE /fakes/NAME/journal    PUT /fakes/NAME/script

options:
  --config FILE     providers (required)
  --port-base N     give the providers ports N, N+1, ... in name order (default: free ports)
  --admin-port N    admin API port (default 0: pick one, printed)
)";
    return 0;
  }
  auto file = args.value("--config");
  const auto port_base = static_cast<uint16_t>(args.integer("--port-base", 0, 0, 65000));
  const auto admin_port = static_cast<uint16_t>(args.integer("--admin-port", 0, 0, 65535));
  if (!args.positionals().empty()) throw UsageError("unexpected argument " + args.positionals().front());
  if (!file) throw UsageError("--config FILE is required");
  auto json = wire::read_json_file(*file);
  if (!json.is_object() || !json.contains("providers"))
    throw wire::ConfigError(*file, "", "an object with \"providers\"");
  fakes::FakeFleet fleet;
  for (auto& config : fakes::FakeFleet::parse(json["providers"], *file, "/providers")) fleet.add(std::move(config));
  block_stop_signals();
  fleet.start(port_base);
  fakes::AdminServer admin(fleet);
  const uint16_t port = admin.start(admin_port);
  for (const auto& [name, url] : fleet.base_urls())
    std::cout << "fake " << name << " (" << wire::to_string(fleet.provider(name).dialect()) << ") at " << url << "\n";
  std::cout << "admin API at http://127.0.0.1:" << port << "/fakes" << std::endl;
  wait_for_stop_signal();
  admin.stop();
  fleet.stop();
  return 0;
}

int defects_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << "usage: midstream defects\n\nLists the reference router's defect switches: each "
                 "reproduces a real router bug.\nTurn one on with `midstream run --defect NAME` or "
                 "\"defects\": [NAME] in a router config.\n";
    return 0;
  }
  if (!args.positionals().empty()) throw UsageError("unexpected argument " + args.positionals().front());
  for (const auto& d : router::all_defects())
    std::cout << d.name << "\n    reproduces: " << d.reproduces << "\n    effect: " << d.effect << "\n";
  return 0;
}

}  // namespace midstream::cli
