#include "fakes/fleet.h"

#include "wire/json_reader.h"

namespace midstream::fakes {

std::vector<ProviderConfig> FakeFleet::parse(const nlohmann::json& providers,
                                             const std::string& file, const std::string& pointer) {
  if (!providers.is_object() || providers.empty())
    throw wire::ConfigError(file, pointer,
                            "an object of fake providers by name, e.g. {\"primary\": {\"dialect\": "
                            "\"openai-chat\"}}");
  std::vector<ProviderConfig> configs;
  for (const auto& [name, value] : providers.items())
    configs.push_back(parse_provider(value, name, file, wire::join_pointer(pointer, name)));
  return configs;
}

void FakeFleet::add(ProviderConfig config) {
  std::string name = config.name;
  providers_[name] = std::make_unique<FakeProvider>(std::move(config));
}

void FakeFleet::start(uint16_t port_base) {
  uint16_t next = port_base;
  for (auto& [name, provider] : providers_) {
    provider->start("127.0.0.1", port_base == 0 ? 0 : next);
    if (port_base != 0) ++next;
  }
}

void FakeFleet::stop() {
  for (auto& [name, provider] : providers_) provider->stop();
}

void FakeFleet::set_epoch(Clock::time_point epoch) {
  for (auto& [name, provider] : providers_) provider->journal().set_epoch(epoch);
}

FakeProvider& FakeFleet::provider(const std::string& name) { return *providers_.at(name); }

std::vector<std::string> FakeFleet::names() const {
  std::vector<std::string> names;
  for (const auto& [name, provider] : providers_) names.push_back(name);
  return names;
}

std::map<std::string, std::string> FakeFleet::base_urls() const {
  std::map<std::string, std::string> urls;
  for (const auto& [name, provider] : providers_) urls[name] = provider->base_url();
  return urls;
}

}  // namespace midstream::fakes
