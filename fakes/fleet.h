#pragma once
// A named set of fake providers, built from the "providers" object of a scenario or of a
// standalone fakes config, started and stopped together, sharing one time epoch.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/fake_provider.h"

namespace midstream::fakes {

class FakeFleet {
 public:
  FakeFleet() = default;
  // Parses {"name": PROVIDER, ...}; throws wire::ConfigError.
  static std::vector<ProviderConfig> parse(const nlohmann::json& providers, const std::string& file,
                                           const std::string& pointer);

  void add(ProviderConfig config);
  // Starts every provider on 127.0.0.1; port_base 0 picks free ports, otherwise the providers
  // get port_base, port_base + 1, ... in name order.
  void start(uint16_t port_base = 0);
  void stop();
  void set_epoch(Clock::time_point epoch);

  FakeProvider& provider(const std::string& name);  // throws std::out_of_range
  bool has(const std::string& name) const { return providers_.count(name) > 0; }
  std::vector<std::string> names() const;
  // name -> "http://127.0.0.1:PORT/v1"
  std::map<std::string, std::string> base_urls() const;

 private:
  std::map<std::string, std::unique_ptr<FakeProvider>> providers_;
};

}  // namespace midstream::fakes
