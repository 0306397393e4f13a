#pragma once
// Which scenarios of a run share one router process, and where their fakes listen: the pure
// planning of the launch-command target (command_target.cpp). A router that starts slowly
// (LiteLLM: 7-15 s) makes launches the run's cost, so scenarios share them: with a config format
// that has a model_list (litellm, json), scenarios whose settings outside the model groups are
// equal (the same key) are served from ONE config file, each scenario's model groups renamed
// apart ("s3.1.1-gpt-4o"). Every scenario's fakes get ports of their own within the batch's
// block, never reused while its router lives, so a router that pools upstream connections can
// never reach another scenario's fake, and the batch's scenarios may run at once.
//
// A lane is a list of scenarios one job runs in order; lanes run in parallel, the biggest
// batch's first, so few routers live at once.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace midstream::targets {

struct PlanEntry {
  std::string key;   // scenarios with the same key share a process; empty: it never starts (UNSUPPORTED)
  size_t ports = 0;  // the fakes it runs
};

struct LaunchBatch {
  std::vector<size_t> members;       // scenario indices, in run order
  std::vector<size_t> port_offsets;  // per member: its fakes' first port within the batch's block
  size_t ports = 0;                  // the size of the batch's block of fakes ports
};

struct LaunchPlan {
  std::vector<LaunchBatch> batches;
  std::vector<int> batch_of;               // per scenario: its batch, -1 for none
  std::vector<std::vector<size_t>> lanes;  // scenario indices; every scenario is in exactly one
};

// A batch per key (in the order keys first appear) spread over up to `jobs` lanes.
LaunchPlan plan_launches(const std::vector<PlanEntry>& entries, int jobs);

// The model group `group` of the scenario tagged `tag` in a merged config: "s<tag>-<group>".
std::string merged_group_name(const std::string& tag, const std::string& group);

// What must be equal for router documents to merge: everything but model_list and the group maps
// of router_settings (fallbacks, context_window_fallbacks, content_policy_fallbacks), as text.
std::string merge_key(const nlohmann::ordered_json& document);

// One document serving every tagged scenario: the first's settings, every model_list entry and
// group map entry with its groups renamed by merged_group_name(tag, ...). The documents must have
// equal merge_key()s.
nlohmann::ordered_json merge_documents(const std::vector<std::pair<std::string, nlohmann::ordered_json>>& tagged);

}  // namespace midstream::targets
