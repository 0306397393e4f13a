// The `embedded` target: the reference router in-process, on port 0.
#include <stdexcept>

#include "targets/registry.h"
#include "router/config.h"
#include "router/server.h"

namespace midstream::targets {
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

  bool supports_front(harness::Front) const override { return true; }

 private:
  std::vector<std::string> defects_;
  std::unique_ptr<router::RouterServer> server_;
};

}  // namespace

TargetFactory embedded_target(std::vector<std::string> defects) {
  return [defects] { return std::make_unique<EmbeddedTarget>(defects); };
}

}  // namespace midstream::targets
