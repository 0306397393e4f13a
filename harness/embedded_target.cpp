#include <stdexcept>

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
  throw std::runtime_error("unknown target '" + spec +
                           "' (known: embedded (alias reference), process, process=PATH, "
                           "url=http://127.0.0.1:PORT, portkey)");
}

}  // namespace midstream::harness
