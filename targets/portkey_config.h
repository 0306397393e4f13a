#pragma once
// A scenario's router config (LiteLLM-shaped: model_list + router_settings) translated into the
// Portkey gateway's per-request config, the JSON the client sends as `x-portkey-config`, or the
// reason Portkey cannot express it. Pure: no process, no socket.
//
// What maps (Portkey gateway 1.15.2):
//   the chain (the requested group's deployments, then its fallback groups' deployments, in
//   order)          -> strategy {mode: fallback} with one target per deployment
//   deployment      -> provider (openai-chat and openai-responses: "openai"; anthropic:
//                      "anthropic"), custom_host (the fake's ".../v1"), api_key,
//                      override_params.model (the model after the "provider/" prefix)
//   num_retries     -> retry {attempts, on_status_codes: what the reference retries,
//                      use_retry_after_header: true} on every target
//   timeout_ms      -> request_timeout (both bound the wait for the response headers)
//   disable_fallbacks (request) -> only the requested group's targets
//   backoff_base_ms, backoff_max_ms, seed, keepalive_ms -> nothing: Portkey's backoff is fixed
//                      (async-retry, 1 s doubling) and it sends no keep-alive comments; they only
//                      change timing, so the scenario still runs
//   usage_policy    -> nothing: Portkey passes on the serving attempt's usage (`served`); `billed`
//                      is the reference default, graded as in every scenario that leaves it out
//   stream_timeout_ms, idle_timeout_ms -> nothing when no fake of the scenario is silent that long
//                      (a stall, a slow stream, a slow model); otherwise UNSUPPORTED: Portkey has
//                      no deadline after the response headers
// Everything else that a scenario sets is UNSUPPORTED with the reason (see unsupported below).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "targets/harness_types.h"

namespace midstream::targets {

struct PortkeyTranslation {
  // Why the scenario cannot be expressed in a Portkey config ("" reasons joined with "; ").
  std::optional<std::string> unsupported;
  nlohmann::ordered_json config;  // the x-portkey-config value (when supported)
};

// `router_config` is bound (api_base values are the fakes' URLs); `client` gives the requested
// model group and disable_fallbacks. Throws wire::ConfigError for a config the reference router
// would refuse.
PortkeyTranslation translate_for_portkey(const nlohmann::json& router_config, const ClientSpec& client);

// The same for a whole scenario before any fake runs (placeholder URLs), plus what only the
// scenario knows: a Retry-After in a fake's script longer than retry_after_max_ms relies on a
// cap Portkey does not have.
PortkeyTranslation translate_for_portkey(const Scenario& scenario);

}  // namespace midstream::targets
