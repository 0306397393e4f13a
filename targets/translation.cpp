#include "targets/translation.h"

#include <algorithm>
#include <cstdlib>

namespace midstream::targets {

std::vector<const router::Deployment*> chain_of(const router::RouterConfig& config, const std::string& group,
                                                bool disable_fallbacks) {
  std::vector<const router::Deployment*> chain = config.deployments_of(group);
  if (disable_fallbacks) return chain;
  if (const auto it = config.settings.fallbacks.find(group); it != config.settings.fallbacks.end())
    for (const auto& fallback : it->second)
      for (const auto* d : config.deployments_of(fallback)) chain.push_back(d);
  return chain;
}

std::string requested_group(const router::RouterConfig& config, const ClientSpec& client) {
  if (client.request.model.empty() && !config.model_list.empty()) return config.model_list.front().model_name;
  return client.request.model;
}

void Reasons::add(const std::string& reason) {
  if (std::find(reasons_.begin(), reasons_.end(), reason) == reasons_.end()) reasons_.push_back(reason);
}

std::optional<std::string> Reasons::joined() const {
  if (reasons_.empty()) return std::nullopt;
  std::string text;
  for (const auto& r : reasons_) text += (text.empty() ? "" : "; ") + r;
  return text;
}

void append_reason(std::optional<std::string>& unsupported, const std::string& why) {
  unsupported = unsupported ? *unsupported + "; " + why : why;
}

nlohmann::json placeholder_bound(const Scenario& scenario) {
  std::map<std::string, std::string> placeholders;
  for (const auto& p : scenario.providers) placeholders[p.name] = "http://127.0.0.1:9/v1";
  return bind_router_config(scenario.router, placeholders);
}

int64_t longest_silence_ms(const Scenario& scenario) {
  int64_t longest = 0;
  for (const auto& p : scenario.providers) {
    longest = std::max(longest, p.event_delay_ms);
    std::vector<fakes::ScriptEntry> entries = p.script;
    entries.push_back(p.then);
    for (const auto& e : entries)
      if (e.fault && (e.fault->action == fakes::FaultAction::Stall || e.fault->action == fakes::FaultAction::Slow))
        longest = std::max(longest, e.fault->ms);
  }
  return longest;
}

bool retry_after_exceeds_cap(const Scenario& scenario) {
  const auto settings = scenario.router.value("router_settings", nlohmann::json::object());
  if (!settings.contains("retry_after_max_ms")) return false;  // the default cap (60 s) is every router's
  const int64_t cap = settings["retry_after_max_ms"].get<int64_t>();
  for (const auto& p : scenario.providers) {
    std::vector<fakes::ScriptEntry> entries = p.script;
    entries.push_back(p.then);
    for (const auto& e : entries) {
      if (!e.fault || e.fault->retry_after.empty()) continue;
      char* end = nullptr;
      const long long seconds = std::strtoll(e.fault->retry_after.c_str(), &end, 10);
      if (*end != '\0' || seconds * 1000 > cap) return true;  // an HTTP date: assume it exceeds
    }
  }
  return false;
}

}  // namespace midstream::targets
