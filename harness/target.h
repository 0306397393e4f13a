#pragma once
// The router under test. A target starts a router for one scenario's config (the fakes' URLs
// already bound into it) and stops it afterwards; the runner makes one target per job.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
};

using TargetFactory = std::function<std::unique_ptr<Target>()>;

// The reference router in-process, with the given defect switches on.
TargetFactory embedded_target(std::vector<std::string> defects = {});

// Parses a --target value ("embedded" today). Throws std::runtime_error naming the known ones.
TargetFactory make_target_factory(const std::string& spec, const std::vector<std::string>& defects);

}  // namespace midstream::harness
