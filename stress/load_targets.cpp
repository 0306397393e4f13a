// The load run's routers, fakes and configs (load_targets.h).
#include "stress/load_targets.h"

#include <algorithm>
#include <stdexcept>

#include "router/config.h"
#include "router/server.h"
#include "stress/proc_sampler.h"
#include "targets/registry.h"

namespace midstream::stress {
namespace {

constexpr const char* kLoadTargets = "embedded, reference, process, process=PATH, portkey";

constexpr const char* kPortkeySwitchoverNote =
    "not applicable: Portkey cannot switch over once the first byte reached the client; when the "
    "upstream drops the stream it ends the response cleanly with part of the answer (counted as "
    "truncated), and its fallback only covers failures before the first byte";

// The embedded reference router as a Target, with the load's thread count (the runner's
// embedded target keeps its own, smaller, pool).
class EmbeddedLoadTarget : public harness::Target {
 public:
  explicit EmbeddedLoadTarget(router::ServerOptions options) : options_(std::move(options)) {}
  ~EmbeddedLoadTarget() override { stop(); }
  reports::TargetInfo info() const override {
    return {"embedded", "reference router (in-process, " + std::to_string(options_.threads) + " threads)", {}};
  }
  bool supports_front(harness::Front) const override { return true; }
  uint16_t start(const nlohmann::json& config) override {
    server_ = std::make_unique<router::RouterServer>(router::load_router_config(config, "midstream load"), options_);
    return server_->start();
  }
  void stop() override {
    if (server_) server_->stop();
    server_.reset();
  }

 private:
  router::ServerOptions options_;
  std::unique_ptr<router::RouterServer> server_;
};

}  // namespace

void validate_load_target(const std::string& spec) {
  std::string kind;
  try {
    kind = targets::target_kind(spec).name;
  } catch (const std::runtime_error&) {
    throw std::invalid_argument("unknown load target '" + spec + "' (known: " + kLoadTargets + ")");
  }
  const auto equals = spec.find('=');
  const std::string form = spec.substr(0, equals);
  const bool bare = equals == std::string::npos && form.find('@') == std::string::npos;
  const bool measurable = ((kind == "embedded" || kind == "portkey") && bare) ||
                          (form == "process" && (equals == std::string::npos || equals + 1 < spec.size()));
  if (!measurable)
    throw std::invalid_argument("the load run cannot measure target '" + spec +
                                "': it starts each router itself, in front of its own fakes (known: " + kLoadTargets +
                                ")");
}

LoadTargetSpec make_load_target(const std::string& spec, const LoadOptions& o) {
  LoadTargetSpec t;
  t.name = targets::target_kind(spec).name;
  if (t.name == "embedded") {
    router::ServerOptions server;
    server.threads = static_cast<size_t>(embedded_router_threads(o));
    t.factory = [server] { return std::make_unique<EmbeddedLoadTarget>(server); };
  } else if (t.name == "process") {
    targets::ProcessTargetOptions process;
    const auto equals = spec.find('=');
    if (equals != std::string::npos) process.executable = spec.substr(equals + 1);
    process.threads = embedded_router_threads(o);  // the same as the in-process router's
    t.factory = targets::process_target(std::move(process));
    t.own_process = true;
  } else {
    t.factory = targets::portkey_target(targets::default_portkey_options());
    t.own_process = true;
    t.switchover_applicable = false;
    t.switchover_note = kPortkeySwitchoverNote;
  }
  return t;
}

int embedded_router_threads(const LoadOptions& o) {
  return o.router_threads > 0 ? o.router_threads : std::max(32, o.concurrency + 16);
}

nlohmann::json load_router_config(const std::string& primary, const std::string& backup) {
  nlohmann::json json;
  json["model_list"] = nlohmann::json::array();
  json["model_list"].push_back({{"model_name", "gpt-4o"},
                                {"litellm_params",
                                 {{"model", "openai/gpt-4o"}, {"api_base", primary}, {"api_key", "sk-load-primary"}}}});
  if (!backup.empty()) {
    json["model_list"].push_back({{"model_name", "backup"},
                                  {"litellm_params",
                                   {{"model", "openai/gpt-4o-mini"}, {"api_base", backup}, {"api_key", "sk-load-backup"}}}});
    json["router_settings"] = {{"fallbacks", {{{"gpt-4o", {"backup"}}}}}};
  }
  return json;
}

fakes::ProviderConfig load_provider(const std::string& name, int64_t event_delay_ms) {
  fakes::ProviderConfig config;
  config.name = name;
  config.dialect = wire::Dialect::OpenAIChat;
  config.event_delay_ms = event_delay_ms;
  return config;
}

double router_peak_mb(const harness::Target& target) {
  const auto pid = target.router_pid();
  return pid ? vm_hwm_mb(*pid) : 0;
}

}  // namespace midstream::stress
