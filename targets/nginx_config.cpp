#include "targets/nginx_config.h"

#include <regex>

#include "targets/placeholders.h"
#include "targets/translation.h"
#include "router/config.h"

namespace midstream::targets {
namespace {

// Settings a plain reverse proxy has no counterpart for, and why.
struct Inexpressible {
  const char* key;
  const char* why;
};
constexpr Inexpressible kInexpressible[] = {
    {"deadline_ms", "deadline_ms (a deadline for the whole request) has no nginx equivalent"},
    {"cooldown_ms", "cooldown_ms/allowed_fails: the peer config keeps no health state between requests (max_fails=0)"},
    {"allowed_fails", "cooldown_ms/allowed_fails: the peer config keeps no health state between requests (max_fails=0)"},
    {"context_window_fallbacks",
     "context_window_fallbacks: nginx moves on by status only and passes every 400 to the client"},
    {"content_policy_fallbacks",
     "content_policy_fallbacks: nginx moves on by status only and passes every 400 to the client"},
};
// Not reasons: usage_policy, supports_prefill, keepalive_ms, backoff, seed, retry_after_max_ms
// (nginx passes on what it gets and never waits: graded as is), stream_timeout_ms (a reason only
// when a fake of the scenario is silent that long: translate_for_nginx(const Scenario&)).

// "127.0.0.1:PORT" of an api_base "http://127.0.0.1:PORT/v1", or nothing.
std::optional<std::string> upstream_address(const std::string& api_base) {
  static const std::regex kBase(R"(http://(127\.0\.0\.1:[0-9]{1,5})/v1/?)");
  std::smatch match;
  if (!std::regex_match(api_base, match, kBase)) return std::nullopt;
  return match[1].str();
}

void chain_reasons(const std::vector<const router::Deployment*>& chain, const ClientSpec& client, Reasons& reasons) {
  const wire::Dialect wanted = harness::front_dialect(client.front);
  for (const auto* d : chain) {
    if (d->dialect != wanted)
      reasons.add("the " + std::string(harness::to_string(client.front)) + " front over an " + std::string(wire::to_string(d->dialect)) +
                  " upstream: nginx passes the request as it is and cannot translate between dialects");
    if (!upstream_address(d->api_base))
      reasons.add("api_base " + d->api_base + ": nginx passes the client's path on, so a deployment must be at "
                  "http://127.0.0.1:PORT/v1");
  }
  if (chain.size() > 2)
    reasons.add("a chain of " + std::to_string(chain.size()) + " deployments: nginx's backup servers take turns "
                "across requests, so only a primary and one fallback keep their order");
  if (chain.empty()) reasons.add("the requested model group has no deployment");
}

// proxy_read_timeout from timeout_ms / idle_timeout_ms: one value, or a reason.
std::string read_timeout(const nlohmann::json& raw, Reasons& reasons) {
  const bool head = raw.contains("timeout_ms"), idle = raw.contains("idle_timeout_ms");
  if (head && idle && raw["timeout_ms"] != raw["idle_timeout_ms"])
    reasons.add("different timeout_ms and idle_timeout_ms: nginx's proxy_read_timeout bounds the wait for the "
                "head and every gap with one value");
  if (!head && !idle) return "30s";
  return std::to_string(raw[head ? "timeout_ms" : "idle_timeout_ms"].get<int64_t>()) + "ms";
}

std::string server_lines(const std::vector<const router::Deployment*>& chain, int copies) {
  std::string lines;
  for (size_t i = 0; i < chain.size(); ++i)
    for (int n = 0; n < copies; ++n)
      lines += "        server " + *upstream_address(chain[i]->api_base) + " max_fails=0" + (i > 0 ? " backup" : "") +
               ";\n";
  if (!lines.empty()) lines.pop_back();  // the template puts the placeholder on a line of its own
  return lines;
}

}  // namespace

NginxTranslation translate_for_nginx(const nlohmann::json& router_config, const ClientSpec& client) {
  const auto config = router::load_router_config(router_config, "scenario router config");
  const auto raw = router_config.value("router_settings", nlohmann::json::object());
  Reasons reasons;
  for (const auto& [key, why] : kInexpressible)
    if (raw.contains(key)) reasons.add(why);
  if (config.settings.mid_stream == router::MidStreamPolicy::Error)
    reasons.add("mid_stream: error (end a failed stream with an in-band error) has no nginx equivalent");
  if (client.request.disable_fallbacks)
    reasons.add("disable_fallbacks in the request: nginx does not read the request body");
  const auto chain = chain_of(config, requested_group(config, client), false);
  chain_reasons(chain, client, reasons);

  NginxTranslation out;
  out.read_timeout = read_timeout(raw, reasons);
  if ((out.unsupported = reasons.joined())) return out;
  const int copies = config.settings.num_retries + 1;
  out.servers = server_lines(chain, copies);
  out.tries = static_cast<int>(chain.size()) * copies;
  return out;
}

NginxTranslation translate_for_nginx(const Scenario& scenario) {
  const auto bound = placeholder_bound(scenario);
  NginxTranslation out = translate_for_nginx(bound, scenario.client);
  const auto settings = bound.value("router_settings", nlohmann::json::object());
  if (settings.contains("stream_timeout_ms") &&
      settings["stream_timeout_ms"].get<int64_t>() <= longest_silence_ms(scenario)) {
    const std::string why =
        "stream_timeout_ms (a deadline for the first content) has no nginx equivalent: proxy_read_timeout bounds "
        "the wait for the head and every gap alike, and nginx cannot move on once it has sent the head";
    append_reason(out.unsupported, why);
  }
  return out;
}

std::string fill_nginx_template(const std::string& text, const NginxTranslation& translation, uint16_t port,
                                const std::string& prefix) {
  return expand_placeholders(text,
                             {{"prefix", prefix},
                              {"port", std::to_string(port)},
                              {"servers", translation.servers},
                              {"tries", std::to_string(translation.tries)},
                              {"read_timeout", translation.read_timeout}},
                             "peers/nginx/nginx.conf.in");
}

}  // namespace midstream::targets
