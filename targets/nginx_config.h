#pragma once
// A scenario's router config as nginx's: peers/nginx/nginx.conf.in filled for the chain the
// client's request walks, or the reason a plain reverse proxy cannot express the scenario. Pure:
// no process, no socket. peers/nginx/README.md has the hand-run that backs each line.
//
// What maps (Debian 12's nginx 1.22):
//   the chain (the requested group's deployment, then its fallback's), at most two distinct
//   deployments        -> an upstream block: the first as a server, the second as a backup server
//                         (max_fails=0: no health state between requests)
//   num_retries        -> each server line num_retries + 1 times (nginx retries at once: no
//                         backoff, no Retry-After)
//   timeout_ms or idle_timeout_ms, one value
//                      -> proxy_read_timeout (the wait for the head and every gap after it)
//   usage_policy, supports_prefill, keepalive_ms, backoff, seed, retry_after_max_ms
//                      -> nothing: nginx passes on what it gets and never waits (graded as is)
// UNSUPPORTED (the reason says why): a deployment whose dialect is not the front's (nginx
// passes the request as it is), a chain of three or more deployments (backup servers take
// turns), stream_timeout_ms when a fake is silent that long (no first-content deadline),
// different timeout_ms and idle_timeout_ms, deadline_ms, cooldown, mid_stream: error,
// context-window and content-policy fallbacks, and a request with disable_fallbacks (nginx does
// not read the body).
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "targets/harness_types.h"

namespace midstream::targets {

struct NginxTranslation {
  std::optional<std::string> unsupported;  // reasons joined with "; "
  std::string servers;                     // the upstream block's server lines
  int tries = 0;                           // proxy_next_upstream_tries: the number of server lines
  std::string read_timeout = "30s";        // proxy_read_timeout
};

// `router_config` is bound (api_base values are the fakes' URLs); `client` names the group and
// the front. Throws wire::ConfigError for a config the reference router would refuse.
NginxTranslation translate_for_nginx(const nlohmann::json& router_config, const ClientSpec& client);
// The same before any fake runs (placeholder URLs), plus what only the scenario knows (how long a
// fake stays silent).
NginxTranslation translate_for_nginx(const Scenario& scenario);

// peers/nginx/nginx.conf.in with its placeholders filled: prefix (the run's folder), port,
// servers, tries, read_timeout. Throws std::invalid_argument for a placeholder it does not know.
std::string fill_nginx_template(const std::string& text, const NginxTranslation& translation, uint16_t port,
                                const std::string& prefix);

}  // namespace midstream::targets
