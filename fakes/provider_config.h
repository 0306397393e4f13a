#pragma once
// What one fake provider is: its dialect, its canonical answer and its request script.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/fault.h"
#include "wire/events.h"

namespace midstream::fakes {

// The answer every fake gives unless a scenario says otherwise: 23 words, so faults after a
// few deltas leave a visible partial and a visible rest.
inline constexpr const char* kDefaultAnswer =
    "The quick brown fox jumps over the lazy dog while the careful router keeps every word of "
    "the answer exactly once, in order.";

// One entry of a request script: the n-th request gets the n-th entry. No fault = a clean answer.
struct ScriptEntry {
  std::optional<FaultSpec> fault;
  std::string describe() const { return fault ? fault->describe() : "ok"; }
};

// A tool call the model makes after its text: streamed as argument fragments of 8 bytes.
struct ToolCallSpec {
  std::string id = "call_midstream_1";
  std::string name;
  std::string arguments;  // the complete JSON arguments
};

struct ProviderConfig {
  std::string name;
  wire::Dialect dialect = wire::Dialect::OpenAIChat;
  std::string answer = kDefaultAnswer;
  std::string model = "fake-model";
  int words_per_delta = 1;
  std::vector<ScriptEntry> script;
  ScriptEntry then;               // for every request after the script
  bool refuse_connections = false;  // the port exists but nobody listens: ECONNREFUSED
  bool reject_prefill = false;      // 400 for any request ending in an assistant prefill
  int64_t event_delay_ms = 0;       // pause before every event (a steadily slow model)
  std::optional<ToolCallSpec> tool_call;  // the answer ends with this tool call
};

// Reads one provider object; `name` is its key in the scenario's "providers" map.
// Shape: {"dialect", "answer", "model", "words_per_delta", "script": ["ok" | FAULT, ...],
//         "then": "ok" | FAULT, "refuse_connections", "reject_prefill", "event_delay_ms",
//         "tool_call": {"name", "arguments", "id"}}.
ProviderConfig parse_provider(const nlohmann::json& json, const std::string& name,
                              const std::string& file, const std::string& pointer);
// Reads a script entry: the string "ok" or a fault object.
ScriptEntry parse_script_entry(const nlohmann::json& json, const std::string& file,
                               const std::string& pointer);

}  // namespace midstream::fakes
