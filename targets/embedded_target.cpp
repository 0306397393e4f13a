// The `embedded` target: the reference router in-process, on port 0.
#include <stdexcept>

#include "targets/registry.h"
#include "router/config.h"
#include "router/server.h"

namespace midstream::targets {
namespace {

class EmbeddedTarget : public Target {
 public:
  EmbeddedTarget(std::vector<std::string> defects, uint64_t seed) : defects_(std::move(defects)), seed_(seed) {}
  ~EmbeddedTarget() override { stop(); }

  reports::TargetInfo info() const override {
    return {"embedded", "reference router (in-process)", defects_};
  }

  uint16_t start(const nlohmann::json& router_config) override {
    auto config = router::load_router_config(seeded_router_config(router_config, seed_), "scenario router config");
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

  bool supports_front(harness::Front) const override { return true; }

 private:
  std::vector<std::string> defects_;
  uint64_t seed_;
  std::unique_ptr<router::RouterServer> server_;
};

}  // namespace

TargetFactory embedded_target(std::vector<std::string> defects, uint64_t seed) {
  return [defects, seed] { return std::make_unique<EmbeddedTarget>(defects, seed); };
}

nlohmann::json seeded_router_config(nlohmann::json router_config, uint64_t seed) {
  if (!router_config.is_object()) return router_config;  // the loader says what is wrong with it
  nlohmann::json& settings = router_config["router_settings"];
  if (settings.is_null()) settings = nlohmann::json::object();
  if (settings.is_object() && !settings.contains("seed")) settings["seed"] = seed;
  return router_config;
}

}  // namespace midstream::targets
