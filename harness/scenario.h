#pragma once
// A scenario: one JSON file of the catalogue, loaded strictly. A bad file fails with its path,
// the JSON pointer and what was expected.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/provider_config.h"
#include "harness/front.h"
#include "router/config.h"
#include "wire/request.h"

namespace midstream::harness {

enum class Outcome { Complete, Error };

struct ClientSpec {
  Front front = Front::Chat;
  bool stream = true;
  wire::CanonicalRequest request;   // model, messages, include_usage, disable_fallbacks, extra
  int disconnect_after_deltas = -1; // close the connection after N text deltas (-1: never)
  int64_t read_delay_ms = 0;        // a slow reader: pause between reads
  int64_t timeout_ms = 15'000;      // the client gives up after this long
};

struct Expectation {
  Outcome outcome = Outcome::Complete;
  std::vector<int> status;              // acceptable HTTP statuses (empty: 200 for complete)
  bool in_band_error = false;           // error outcome: the error arrives after the commit point
  std::map<std::string, int> attempts;  // provider -> exact number of requests
  std::vector<std::string> continuation;     // providers that must get a continuation request
  std::vector<std::string> upstream_closed;  // providers whose connection the router must close
  std::map<std::string, int64_t> min_gap_ms; // provider -> minimum gap between its requests
  std::optional<bool> usage;            // check usage exactness (default: when the client asks)
  int64_t max_duration_ms = 10'000;     // bounded wall time
  bool safe_ok = false;                 // a clean error instead of a rescue grades SAFE, not FAIL
};

struct Scenario {
  std::string file;
  std::string id;                 // "2.3.1"
  std::string title;
  std::string requirement;        // the MUST/SHOULD sentence
  std::vector<std::string> refs;  // public issues
  std::vector<fakes::ProviderConfig> providers;
  nlohmann::json router;          // router config with {{provider}} placeholders
  router::UsagePolicy usage_policy = router::UsagePolicy::Billed;  // its usage_policy, as loaded
  ClientSpec client;
  Expectation expect;

  std::string category() const;   // "2" for "2.3.1"
  std::vector<std::string> upstream_dialects() const;  // sorted, unique
  const fakes::ProviderConfig* provider(const std::string& name) const;
  // The canonical answer the client must end with (all providers share it in a valid scenario).
  const std::string& answer() const;
  // The tool call the answer ends with, when the providers make one.
  const std::optional<fakes::ToolCallSpec>& tool_call() const { return providers.front().tool_call; }
};

// Throws wire::ConfigError.
Scenario load_scenario(const std::string& path);
Scenario parse_scenario(const nlohmann::json& json, const std::string& file);

// Every *.json under the given files/directories (but *.schema.json found in a directory), sorted
// by scenario id order of file names.
std::vector<std::string> find_scenario_files(const std::vector<std::string>& paths);

// Orders ids numerically component by component ("2.10" after "2.9").
bool id_less(const std::string& a, const std::string& b);

// Replaces "{{name}}" in every string of the router config with the provider's base URL.
nlohmann::json bind_router_config(const nlohmann::json& router,
                                  const std::map<std::string, std::string>& base_urls);

}  // namespace midstream::harness
