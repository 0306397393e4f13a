#include "targets/portkey_config.h"

#include "targets/translation.h"
#include "router/config.h"

namespace midstream::targets {
namespace {

// The statuses the reference router retries on the same deployment (router/failure.cpp:
// 408, 409, 429 and every 5xx) and those it falls back on (the same plus 401, 403, 404). A
// Portkey fallback without on_status_codes would fall back on any non-2xx, a 400 included.
std::vector<int> retry_statuses() {
  std::vector<int> codes = {408, 409, 429};
  for (int code = 500; code <= 599; ++code) codes.push_back(code);
  return codes;
}

std::vector<int> fallback_statuses() {
  std::vector<int> codes = {401, 403, 404};
  for (int code : retry_statuses()) codes.push_back(code);
  return codes;
}

// Settings with no Portkey equivalent, and what a scenario loses by them.
struct Inexpressible {
  const char* key;
  const char* why;
};
constexpr Inexpressible kInexpressible[] = {
    {"deadline_ms", "deadline_ms (a deadline for the whole request) has no Portkey equivalent"},
    {"cooldown_ms", "cooldown_ms/allowed_fails: Portkey keeps no cooldown state between requests"},
    {"allowed_fails", "cooldown_ms/allowed_fails: Portkey keeps no cooldown state between requests"},
    {"context_window_fallbacks",
     "context_window_fallbacks: Portkey falls back on status codes only and cannot tell a context-length 400 "
     "from any other 400"},
    {"content_policy_fallbacks",
     "content_policy_fallbacks: Portkey falls back on status codes only and cannot tell a content-policy 400 "
     "from any other 400"},
};
// Not reasons: usage_policy (Portkey passes on the serving attempt's usage, which is `served`;
// `billed` is the reference default and is graded as in every scenario that leaves it out),
// keepalive_ms, backoff_base_ms, backoff_max_ms, seed (timing only), stream_timeout_ms and
// idle_timeout_ms (reasons only when a fake of the scenario is silent that long: see
// kSilenceTimeouts).

// The stream deadlines Portkey lacks, and what a scenario loses by them when one of its fakes
// is silent for as long (a stall, a slow stream or a slow model).
constexpr Inexpressible kSilenceTimeouts[] = {
    {"stream_timeout_ms",
     "stream_timeout_ms (a deadline for the first content) has no Portkey equivalent: request_timeout only bounds "
     "the wait for the response headers, and a stream is committed to the client once they arrive"},
    {"idle_timeout_ms",
     "idle_timeout_ms (a deadline between events) has no Portkey equivalent: Portkey waits for a silent stream "
     "as long as the connection stays open"},
};

// The front's request path on a Portkey openai or anthropic provider, and whether Portkey
// bridges it to an upstream of this dialect. Portkey sends the chat front to an openai
// provider's /chat/completions and the Responses front to its /responses, as they are; only
// the anthropic provider translates (chat completions to /messages).
std::optional<std::string> dialect_gap(Front front, wire::Dialect dialect) {
  if (front == Front::Chat && dialect == wire::Dialect::OpenAIResponses)
    return "the chat front over an openai-responses upstream: Portkey sends /v1/chat/completions to an openai "
           "provider's /chat/completions as is and cannot bridge it to a Responses-only API";
  if (front == Front::Responses && dialect == wire::Dialect::OpenAIChat)
    return "the Responses front over an openai-chat upstream: Portkey sends /v1/responses to an openai "
           "provider's /responses as is and cannot bridge it to a chat-completions-only API";
  if (front == Front::Responses && dialect == wire::Dialect::Anthropic)
    return "the Responses front over an anthropic upstream: Portkey 1.15.2 has no Responses API for its "
           "anthropic provider";
  return std::nullopt;
}

}  // namespace

PortkeyTranslation translate_for_portkey(const nlohmann::json& router_config, const ClientSpec& client) {
  const auto config = router::load_router_config(router_config, "scenario router config");
  const auto raw_settings = router_config.value("router_settings", nlohmann::json::object());
  Reasons reasons;
  for (const auto& [key, why] : kInexpressible)
    if (raw_settings.contains(key)) reasons.add(why);
  if (config.settings.mid_stream == router::MidStreamPolicy::Error)
    reasons.add(
               "mid_stream: error (end a stream that failed after the commit point with an in-band error) has no "
               "Portkey equivalent: Portkey has no policy for failures after the first byte");

  const auto chain = chain_of(config, requested_group(config, client), client.request.disable_fallbacks);
  for (const auto* d : chain)
    if (const auto gap = dialect_gap(client.front, d->dialect)) reasons.add(*gap);

  PortkeyTranslation out;
  if ((out.unsupported = reasons.joined())) return out;

  nlohmann::ordered_json targets = nlohmann::ordered_json::array();
  for (const auto* d : chain) {
    nlohmann::ordered_json target;
    target["provider"] = d->dialect == wire::Dialect::Anthropic ? "anthropic" : "openai";
    target["api_key"] = d->api_key;
    target["custom_host"] = d->api_base;  // ".../v1": Portkey appends /chat/completions, /messages
    target["override_params"] = {{"model", d->model}};
    if (config.settings.num_retries > 0)
      target["retry"] = {{"attempts", config.settings.num_retries},
                         {"on_status_codes", retry_statuses()},
                         {"use_retry_after_header", true}};
    if (raw_settings.contains("timeout_ms")) target["request_timeout"] = config.settings.timeout_ms;
    targets.push_back(std::move(target));
  }
  out.config["strategy"] = {{"mode", "fallback"}, {"on_status_codes", fallback_statuses()}};
  out.config["targets"] = std::move(targets);
  return out;
}

PortkeyTranslation translate_for_portkey(const Scenario& scenario) {
  const auto bound = placeholder_bound(scenario);
  PortkeyTranslation out = translate_for_portkey(bound, scenario.client);
  // A stream deadline matters only when a fake is silent at least that long: a stall, a slow
  // stream or a slow model. Shorter gaps never reach it, and Portkey, which has no such deadline,
  // serves them as the reference does.
  const auto bound_settings = bound.value("router_settings", nlohmann::json::object());
  const int64_t longest_silence = longest_silence_ms(scenario);
  for (const auto& [key, why] : kSilenceTimeouts)
    if (bound_settings.contains(key) && bound_settings[key].get<int64_t>() <= longest_silence)
      append_reason(out.unsupported, why);

  // A cap on Retry-After matters only when a fake asks for longer than the cap.
  if (retry_after_exceeds_cap(scenario)) {
    const std::string why =
        "retry_after_max_ms (a cap on the Retry-After a router waits) has no Portkey equivalent: Portkey honours "
        "Retry-After on a 429 only, uncapped, and gives up on one of 60 s or more";
    append_reason(out.unsupported, why);
  }
  if (out.unsupported) out.config = nlohmann::ordered_json();
  return out;
}

}  // namespace midstream::targets
