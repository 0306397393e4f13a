#pragma once
// A scenario's router config (LiteLLM-shaped already: model_list + router_settings) translated
// into the LiteLLM proxy's config.yaml, or the reason LiteLLM cannot express it. The document is
// JSON, which is valid YAML. Pure: no process, no socket. peers/litellm/README.md has the
// hand-run that backs each line.
//
// What maps (LiteLLM proxy 1.85.0 and 1.108.7):
//   deployment, dialect openai-chat      -> model "openai/MODEL", use_chat_completions_api: true
//                                           (both fronts call the fake's /v1/chat/completions)
//   deployment, dialect openai-responses -> model "openai/responses/MODEL" (both fronts: /v1/responses)
//   deployment, dialect anthropic        -> model "anthropic/MODEL", api_base without its "/v1"
//                                           (LiteLLM appends /v1/messages to an Anthropic api_base)
//   api_key                              -> api_key
//   fallbacks, context_window_fallbacks, content_policy_fallbacks
//                                        -> router_settings, the same shape
//   num_retries                          -> router_settings.num_retries, always written (LiteLLM's
//                                           own default is 2, the reference's 0)
//   timeout_ms, stream_timeout_ms, idle_timeout_ms, when the scenario sets one value
//                                        -> router_settings.timeout and stream_timeout (seconds):
//                                           LiteLLM bounds every read of a call with one value
//   cooldown_ms > 0, allowed_fails       -> cooldown_time (seconds), allowed_fails; otherwise
//                                           disable_cooldowns: true (no state between requests)
//   always                               -> general_settings.disable_model_info_refresh: true
//                                           (else 1.108.7 sends GET /v1/models to the fakes)
//   supports_prefill, usage_policy, keepalive_ms, backoff_base_ms, backoff_max_ms, seed
//                                        -> nothing: LiteLLM's own behaviour is graded (it
//                                           continues with its own prompt, reports the serving
//                                           deployment's usage, backs off on its own)
// UNSUPPORTED (the reason says why): deadline_ms, mid_stream: error, different
// values among the three timeouts, a model group of several deployments (LiteLLM shuffles them
// instead of trying them in order), a Retry-After longer than retry_after_max_ms.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "targets/harness_types.h"

namespace midstream::targets {

struct LiteLLMTranslation {
  std::optional<std::string> unsupported;  // why LiteLLM cannot express it, reasons joined with "; "
  nlohmann::ordered_json config;           // model_list, router_settings, general_settings (when supported)
};

// `router_config` is bound (api_base values are the fakes' URLs). Throws wire::ConfigError for a
// config the reference router would refuse.
LiteLLMTranslation translate_for_litellm(const nlohmann::json& router_config);

// The same for a whole scenario before any fake runs (placeholder URLs), plus what only the
// scenario knows (a Retry-After longer than the cap).
LiteLLMTranslation translate_for_litellm(const Scenario& scenario);

}  // namespace midstream::targets
