#pragma once
// Router configuration, shaped like LiteLLM's so its users feel at home: a model_list of
// deployments and router_settings. Loaded strictly (unknown keys and bad values are errors).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wire/events.h"

namespace midstream::router {

struct Deployment {
  std::string id;          // "<model_name>#<n>", unique, stable in logs and journals
  std::string model_name;  // the model group clients ask for
  std::string provider;    // prefix of litellm_params.model: "openai", "anthropic", "vertex_ai", ...
  std::string model;       // the upstream model id (after the prefix)
  wire::Dialect dialect = wire::Dialect::OpenAIChat;  // litellm_params.dialect, else from provider
  std::string api_base;    // "http://127.0.0.1:PORT/v1"
  std::string api_key;     // never logged
  bool supports_prefill = false;  // anthropic: continue with an assistant prefill
};

enum class MidStreamPolicy { Continue, Error };
enum class UsagePolicy { Billed, Served };

struct RouterSettings {
  // model group -> ordered fallback groups (LiteLLM: [{"group": ["fb1", "fb2"]}]).
  std::map<std::string, std::vector<std::string>> fallbacks;
  std::map<std::string, std::vector<std::string>> context_window_fallbacks;
  std::map<std::string, std::vector<std::string>> content_policy_fallbacks;
  int num_retries = 0;              // extra tries of the same deployment for retryable failures
  int64_t retry_after_max_ms = 60'000;  // a longer Retry-After is capped to this
  int64_t backoff_base_ms = 25;     // first backoff; doubles per retry, jittered in [50%, 100%]
  int64_t backoff_max_ms = 2'000;
  int64_t timeout_ms = 30'000;         // per attempt: connect + request to response headers
  int64_t stream_timeout_ms = 30'000;  // per attempt: to the first content event
  int64_t idle_timeout_ms = 30'000;    // between events once content flows
  int64_t keepalive_ms = 200;          // SSE comment after this much upstream silence (0: never)
  int64_t deadline_ms = 600'000;       // the whole client request
  int64_t cooldown_ms = 0;             // 0 disables cooldown
  int allowed_fails = 0;               // failures tolerated within cooldown_ms before cooling down
  MidStreamPolicy mid_stream = MidStreamPolicy::Continue;
  UsagePolicy usage_policy = UsagePolicy::Billed;
  uint64_t seed = 1;                   // jitter seed
};

struct RouterConfig {
  std::vector<Deployment> model_list;
  RouterSettings settings;
  std::set<std::string> defects;  // named defect switches (see router/defects.h)

  std::vector<const Deployment*> deployments_of(const std::string& model_name) const;
  bool has_group(const std::string& model_name) const;
};

// Reads {"model_list": [...], "router_settings": {...}, "defects": [...]}. Throws
// wire::ConfigError naming file, JSON pointer and what was expected.
RouterConfig load_router_config(const nlohmann::json& json, const std::string& file);
RouterConfig load_router_config_file(const std::string& path);

std::string_view to_string(MidStreamPolicy policy);
std::string_view to_string(UsagePolicy policy);

}  // namespace midstream::router
