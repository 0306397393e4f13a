#pragma once
// What every translation of a scenario's router config into another router's configuration
// needs (portkey_config.*, litellm_config.*, nginx_config.*): the chain a request may walk, the
// reasons a router cannot express a scenario, and the scenario facts a config alone does not say.
// Pure: no process, no socket.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "targets/harness_types.h"
#include "router/config.h"

namespace midstream::targets {

// The deployments a request for `group` may try, in order: the group's own, then each fallback
// group's (the reference planner's chain), unless the request disables fallbacks.
std::vector<const router::Deployment*> chain_of(const router::RouterConfig& config, const std::string& group,
                                                bool disable_fallbacks);

// The model group the client asks for (the first deployment's when the request names none).
std::string requested_group(const router::RouterConfig& config, const ClientSpec& client);

// Reasons a router cannot express a scenario, each once, in the order found.
class Reasons {
 public:
  void add(const std::string& reason);
  bool empty() const { return reasons_.empty(); }
  // Joined with "; ", or nothing when there is none.
  std::optional<std::string> joined() const;

 private:
  std::vector<std::string> reasons_;
};

// Adds `why` to an UNSUPPORTED reason (reasons joined with "; ").
void append_reason(std::optional<std::string>& unsupported, const std::string& why);

// The scenario's router config bound to placeholder URLs (http://127.0.0.1:9/v1 for every fake):
// enough to translate before any fake runs.
nlohmann::json placeholder_bound(const Scenario& scenario);

// The longest a fake of the scenario stays silent: a stall, a slow stream's pause or a slow
// model's event delay. A stream deadline longer than that never fires.
int64_t longest_silence_ms(const Scenario& scenario);

// Whether a fake of the scenario answers with a Retry-After longer than the router's
// retry_after_max_ms (an HTTP date counts as longer): only then does the cap matter.
bool retry_after_exceeds_cap(const Scenario& scenario);

}  // namespace midstream::targets
