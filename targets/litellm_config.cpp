#include "targets/litellm_config.h"

#include <set>

#include "targets/translation.h"
#include "router/config.h"

namespace midstream::targets {
namespace {

constexpr const char* kGroupMaps[] = {"fallbacks", "context_window_fallbacks", "content_policy_fallbacks"};
constexpr const char* kTimeouts[] = {"timeout_ms", "stream_timeout_ms", "idle_timeout_ms"};

nlohmann::ordered_json deployment(const router::Deployment& d) {
  nlohmann::ordered_json params;
  std::string api_base = d.api_base;
  if (d.dialect == wire::Dialect::OpenAIResponses) {
    params["model"] = "openai/responses/" + d.model;
  } else if (d.dialect == wire::Dialect::Anthropic) {
    params["model"] = "anthropic/" + d.model;
    while (!api_base.empty() && api_base.back() == '/') api_base.pop_back();
    if (api_base.size() >= 3 && api_base.compare(api_base.size() - 3, 3, "/v1") == 0)
      api_base.resize(api_base.size() - 3);  // LiteLLM appends /v1/messages itself
  } else {
    params["model"] = "openai/" + d.model;
    params["use_chat_completions_api"] = true;
  }
  params["api_base"] = api_base;
  params["api_key"] = d.api_key;
  return {{"model_name", d.model_name}, {"litellm_params", params}};
}

// The reasons LiteLLM cannot express the settings, and the one per-read bound when there is one.
std::optional<int64_t> read_bound(const nlohmann::json& raw, Reasons& reasons) {
  std::set<int64_t> values;
  std::string keys;
  for (const char* key : kTimeouts)
    if (raw.contains(key)) {
      values.insert(raw[key].get<int64_t>());
      keys += (keys.empty() ? "" : ", ") + std::string(key) + " " + std::to_string(raw[key].get<int64_t>());
    }
  if (values.size() > 1)
    reasons.add("different values among timeout_ms, stream_timeout_ms and idle_timeout_ms (" + keys +
                "): LiteLLM bounds every read of a call, the response head, the first chunk and each gap, with "
                "one value (timeout, stream_timeout)");
  if (values.size() != 1) return std::nullopt;
  return *values.begin();
}

void settings_reasons(const nlohmann::json& raw, const router::RouterConfig& config, Reasons& reasons) {
  if (raw.contains("deadline_ms")) reasons.add("deadline_ms (a deadline for the whole request) has no LiteLLM equivalent");
  if (config.settings.mid_stream == router::MidStreamPolicy::Error)
    reasons.add("mid_stream: error (end a stream that failed after the first byte with an in-band error) has no "
                "LiteLLM equivalent: what LiteLLM does after the first byte is its own behaviour");
  std::set<std::string> seen;
  for (const auto& d : config.model_list)
    if (!seen.insert(d.model_name).second)
      reasons.add("model group '" + d.model_name + "' has several deployments: LiteLLM spreads requests across "
                  "them (simple-shuffle) instead of trying them in order");
}

nlohmann::ordered_json router_settings(const nlohmann::json& raw, const router::RouterConfig& config,
                                       std::optional<int64_t> bound) {
  nlohmann::ordered_json settings;
  for (const char* key : kGroupMaps)
    if (raw.contains(key)) settings[key] = raw[key];
  settings["num_retries"] = config.settings.num_retries;
  if (bound) {
    settings["timeout"] = static_cast<double>(*bound) / 1000.0;
    settings["stream_timeout"] = static_cast<double>(*bound) / 1000.0;
  }
  if (config.settings.cooldown_ms > 0) {
    settings["cooldown_time"] = static_cast<double>(config.settings.cooldown_ms) / 1000.0;
    settings["allowed_fails"] = config.settings.allowed_fails;
  } else {
    settings["disable_cooldowns"] = true;
  }
  return settings;
}

}  // namespace

LiteLLMTranslation translate_for_litellm(const nlohmann::json& router_config) {
  const auto config = router::load_router_config(router_config, "scenario router config");
  const auto raw = router_config.value("router_settings", nlohmann::json::object());
  Reasons reasons;
  settings_reasons(raw, config, reasons);
  const auto bound = read_bound(raw, reasons);

  LiteLLMTranslation out;
  if ((out.unsupported = reasons.joined())) return out;
  out.config["model_list"] = nlohmann::ordered_json::array();
  for (const auto& d : config.model_list) out.config["model_list"].push_back(deployment(d));
  out.config["router_settings"] = router_settings(raw, config, bound);
  out.config["general_settings"] = {{"disable_model_info_refresh", true}};
  return out;
}

LiteLLMTranslation translate_for_litellm(const Scenario& scenario) {
  LiteLLMTranslation out = translate_for_litellm(placeholder_bound(scenario));
  if (retry_after_exceeds_cap(scenario)) {
    const std::string why =
        "retry_after_max_ms (a cap on the Retry-After a router waits) has no LiteLLM equivalent: LiteLLM waits a "
        "Retry-After of up to 60 s as given";
    append_reason(out.unsupported, why);
  }
  if (out.unsupported) out.config = nlohmann::ordered_json();
  return out;
}

}  // namespace midstream::targets
