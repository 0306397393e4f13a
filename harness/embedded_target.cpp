#include <stdexcept>

#include "harness/command_target.h"
#include "harness/target.h"
#include "router/config.h"
#include "router/server.h"

namespace midstream::harness {
namespace {

class EmbeddedTarget : public Target {
 public:
  explicit EmbeddedTarget(std::vector<std::string> defects) : defects_(std::move(defects)) {}
  ~EmbeddedTarget() override { stop(); }

  reports::TargetInfo info() const override {
    return {"embedded", "reference router (in-process)", defects_};
  }

  uint16_t start(const nlohmann::json& router_config) override {
    auto config = router::load_router_config(router_config, "scenario router config");
    for (const auto& defect : defects_) config.defects.insert(defect);
    router::ServerOptions options;
    options.threads = 16;
    server_ = std::make_unique<router::RouterServer>(std::move(config), options);
    return server_->start();
  }

  void stop() override {
    if (server_) server_->stop();
    server_.reset();
  }

  bool supports_front(const std::string&) const override { return true; }

 private:
  std::vector<std::string> defects_;
  std::unique_ptr<router::RouterServer> server_;
};

// cmd=COMMAND and its presets litellm[@VERSION|=PATH] and nginx[=PATH] (command_target.h).
TargetFactory launched_target(const std::string& kind, const std::optional<std::string>& value,
                              const TargetOptions& options) {
  const std::string name = kind.substr(0, kind.find('@'));
  if (!options.defects.empty())
    throw std::runtime_error("defect switches belong to the reference router; the " + name +
                             " target cannot take them (for the reference router as a command, put them in the "
                             "command: cmd='midstream router --defect NAME --config {config} --port {port}')");
  if (name != "cmd" && (!options.config_format.empty() || !options.ready_path.empty()))
    throw std::runtime_error("--config-format and --ready-path are for a cmd= target; the " + name +
                             " target sets its own");
  if (value && value->empty())
    throw std::runtime_error("target '" + kind + "=' needs " +
                             (name == "cmd" ? "the router's command line, e.g. cmd='midstream router --config {config} "
                                              "--port {port}'"
                                            : "the path of the " + name + " executable"));
  if (name == "cmd") {
    if (!value) throw std::runtime_error("target 'cmd' needs the router's command line: cmd=COMMAND");
    CommandTargetOptions c;
    c.command = *value;
    c.format = config_format_option(options.config_format);
    c.ready_path = options.ready_path;
    if (options.ready_timeout.count() > 0) c.ready_timeout = options.ready_timeout;
    return command_target(std::move(c));
  }
  if (name == "litellm") {
    LiteLLMTargetOptions l;
    if (kind.size() > name.size()) l.version = kind.substr(name.size() + 1);
    if (value) l.executable = *value;
    if (value && !l.version.empty()) throw std::runtime_error("litellm@VERSION=PATH: give a version or a path");
    if (options.ready_timeout.count() > 0) l.ready_timeout = options.ready_timeout;
    return litellm_target(std::move(l));
  }
  NginxTargetOptions n;
  if (value) n.executable = *value;
  if (options.ready_timeout.count() > 0) n.ready_timeout = options.ready_timeout;
  return nginx_target(std::move(n));
}

}  // namespace

TargetFactory embedded_target(std::vector<std::string> defects) {
  return [defects] { return std::make_unique<EmbeddedTarget>(defects); };
}

TargetFactory make_target_factory(const std::string& spec, const std::vector<std::string>& defects) {
  TargetOptions options;
  options.defects = defects;
  return make_target_factory(spec, options);
}

TargetFactory make_target_factory(const std::string& spec, const TargetOptions& options) {
  const auto equals = spec.find('=');
  const std::string kind = spec.substr(0, equals);
  const std::string value = equals == std::string::npos ? "" : spec.substr(equals + 1);
  if ((kind == "embedded" || kind == "reference") && equals == std::string::npos)
    return embedded_target(options.defects);
  if (kind == "process") {
    if (equals != std::string::npos && value.empty())
      throw std::runtime_error("target 'process=' needs the path of a midstream executable");
    ProcessTargetOptions process;
    process.executable = equals == std::string::npos ? options.executable : value;
    process.defects = options.defects;
    return process_target(std::move(process));
  }
  if (kind == "url") {
    if (value.empty())
      throw std::runtime_error("target 'url' needs the router's address: url=http://127.0.0.1:PORT");
    if (!options.defects.empty())
      throw std::runtime_error("defect switches belong to the reference router (targets embedded and "
                               "process); the router behind url=" + value + " cannot take them");
    if (options.fakes_port_base == 0)
      throw std::runtime_error("target url=" + value +
                               " needs --fakes-port-base N: the fakes must listen on fixed ports that "
                               "the router's deployments point at");
    return url_target(value, options.fakes_port_base);
  }
  if (kind == "portkey" && equals == std::string::npos) {
    if (!options.defects.empty())
      throw std::runtime_error("defect switches belong to the reference router (targets embedded and "
                               "process); the portkey target cannot take them");
    return portkey_target(default_portkey_options());
  }
  if (kind == "cmd" || kind == "litellm" || kind.rfind("litellm@", 0) == 0 || kind == "nginx")
    return launched_target(kind, equals == std::string::npos ? std::nullopt : std::optional<std::string>(value),
                           options);
  throw std::runtime_error("unknown target '" + spec +
                           "' (known: embedded (alias reference), process, process=PATH, "
                           "url=http://127.0.0.1:PORT, portkey, cmd=COMMAND, litellm, litellm@VERSION, "
                           "litellm=PATH, nginx, nginx=PATH)");
}

}  // namespace midstream::harness
