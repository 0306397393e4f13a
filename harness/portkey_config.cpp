#include "harness/portkey_config.h"

#include <algorithm>
#include <cstdlib>

#include "router/config.h"

namespace midstream::harness {
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

void add_reason(std::vector<std::string>& reasons, const std::string& reason) {
  if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) reasons.push_back(reason);
}

std::string join(const std::vector<std::string>& reasons) {
  std::string text;
  for (const auto& r : reasons) text += (text.empty() ? "" : "; ") + r;
  return text;
}

// The deployments a request for `group` may try, in order: the group's own, then each fallback
// group's (FallbackPlanner's chain), unless the request disables fallbacks.
std::vector<const router::Deployment*> chain_of(const router::RouterConfig& config, const std::string& group,
                                                bool disable_fallbacks) {
  std::vector<const router::Deployment*> chain = config.deployments_of(group);
  if (disable_fallbacks) return chain;
  if (const auto it = config.settings.fallbacks.find(group); it != config.settings.fallbacks.end())
    for (const auto& fallback : it->second)
      for (const auto* d : config.deployments_of(fallback)) chain.push_back(d);
  return chain;
}

// The front's request path on a Portkey openai or anthropic provider, and whether Portkey
// bridges it to an upstream of this dialect. Portkey sends the chat front to an openai
// provider's /chat/completions and the Responses front to its /responses, as they are; only
// the anthropic provider translates (chat completions to /messages).
std::optional<std::string> dialect_gap(const std::string& front, wire::Dialect dialect) {
  if (front == "chat" && dialect == wire::Dialect::OpenAIResponses)
    return "the chat front over an openai-responses upstream: Portkey sends /v1/chat/completions to an openai "
           "provider's /chat/completions as is and cannot bridge it to a Responses-only API";
  if (front == "responses" && dialect == wire::Dialect::OpenAIChat)
    return "the Responses front over an openai-chat upstream: Portkey sends /v1/responses to an openai "
           "provider's /responses as is and cannot bridge it to a chat-completions-only API";
  if (front == "responses" && dialect == wire::Dialect::Anthropic)
    return "the Responses front over an anthropic upstream: Portkey 1.15.2 has no Responses API for its "
           "anthropic provider";
  return std::nullopt;
}

}  // namespace

PortkeyTranslation translate_for_portkey(const nlohmann::json& router_config, const ClientSpec& client) {
  const auto config = router::load_router_config(router_config, "scenario router config");
  const auto raw_settings = router_config.value("router_settings", nlohmann::json::object());
  std::vector<std::string> reasons;
  for (const auto& [key, why] : kInexpressible)
    if (raw_settings.contains(key)) add_reason(reasons, why);
  if (config.settings.mid_stream == router::MidStreamPolicy::Error)
    add_reason(reasons,
               "mid_stream: error (end a stream that failed after the commit point with an in-band error) has no "
               "Portkey equivalent: Portkey has no policy for failures after the first byte");

  const std::string group = client.request.model.empty() && !config.model_list.empty()
                                ? config.model_list.front().model_name
                                : client.request.model;
  const auto chain = chain_of(config, group, client.request.disable_fallbacks);
  for (const auto* d : chain)
    if (const auto gap = dialect_gap(client.front, d->dialect)) add_reason(reasons, *gap);

  PortkeyTranslation out;
  if (!reasons.empty()) {
    out.unsupported = join(reasons);
    return out;
  }

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
  std::map<std::string, std::string> placeholders;
  for (const auto& p : scenario.providers) placeholders[p.name] = "http://127.0.0.1:9/v1";
  const auto bound = bind_router_config(scenario.router, placeholders);
  PortkeyTranslation out = translate_for_portkey(bound, scenario.client);

  // A stream deadline matters only when a fake is silent at least that long: a stall, a slow
  // stream or a slow model. Shorter gaps never reach it, and Portkey, which has no such deadline,
  // serves them as the reference does.
  const auto bound_settings = bound.value("router_settings", nlohmann::json::object());
  int64_t longest_silence = 0;
  for (const auto& p : scenario.providers) {
    longest_silence = std::max(longest_silence, p.event_delay_ms);
    std::vector<fakes::ScriptEntry> entries = p.script;
    entries.push_back(p.then);
    for (const auto& e : entries)
      if (e.fault && (e.fault->action == fakes::FaultAction::Stall || e.fault->action == fakes::FaultAction::Slow))
        longest_silence = std::max(longest_silence, e.fault->ms);
  }
  for (const auto& [key, why] : kSilenceTimeouts)
    if (bound_settings.contains(key) && bound_settings[key].get<int64_t>() <= longest_silence)
      out.unsupported = out.unsupported ? *out.unsupported + "; " + why : why;

  // A cap on Retry-After matters only when a fake asks for longer than the cap.
  const auto settings = bound.value("router_settings", nlohmann::json::object());
  if (settings.contains("retry_after_max_ms")) {
    const int64_t cap = settings["retry_after_max_ms"].get<int64_t>();
    bool exceeds = false;
    for (const auto& p : scenario.providers) {
      std::vector<fakes::ScriptEntry> entries = p.script;
      entries.push_back(p.then);
      for (const auto& e : entries) {
        if (!e.fault || e.fault->retry_after.empty()) continue;
        char* end = nullptr;
        const long long seconds = std::strtoll(e.fault->retry_after.c_str(), &end, 10);
        exceeds = exceeds || *end != '\0' || seconds * 1000 > cap;  // an HTTP date: assume it exceeds
      }
    }
    if (exceeds) {
      const std::string why =
          "retry_after_max_ms (a cap on the Retry-After a router waits) has no Portkey equivalent: Portkey honours "
          "Retry-After on a 429 only, uncapped, and gives up on one of 60 s or more";
      out.unsupported = out.unsupported ? *out.unsupported + "; " + why : why;
    }
  }
  if (out.unsupported) out.config = nlohmann::ordered_json();
  return out;
}

}  // namespace midstream::harness
