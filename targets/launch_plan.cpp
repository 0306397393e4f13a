#include "targets/launch_plan.h"

#include <algorithm>
#include <map>

namespace midstream::targets {
namespace {

constexpr const char* kGroupMaps[] = {"fallbacks", "context_window_fallbacks", "content_policy_fallbacks"};

// Batches by key, in the order their first member appears.
LaunchPlan group_by_key(const std::vector<PlanEntry>& entries) {
  LaunchPlan plan;
  plan.batch_of.assign(entries.size(), -1);
  std::map<std::string, int> index_of;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].key.empty()) continue;
    const auto [it, added] = index_of.emplace(entries[i].key, static_cast<int>(plan.batches.size()));
    if (added) plan.batches.emplace_back();
    LaunchBatch& batch = plan.batches[static_cast<size_t>(it->second)];
    batch.members.push_back(i);
    batch.port_offsets.push_back(batch.ports);
    batch.ports += entries[i].ports;
    plan.batch_of[i] = it->second;
  }
  return plan;
}

// A batch's members dealt round-robin over up to `jobs` lanes.
void add_lanes(const LaunchBatch& batch, int jobs, std::vector<std::vector<size_t>>& lanes) {
  const size_t count = std::min(batch.members.size(), static_cast<size_t>(std::max(jobs, 1)));
  const size_t first = lanes.size();
  lanes.resize(first + count);
  for (size_t i = 0; i < batch.members.size(); ++i) lanes[first + i % count].push_back(batch.members[i]);
}

nlohmann::ordered_json renamed_map(const nlohmann::ordered_json& entries, const std::string& tag) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& entry : entries) {
    nlohmann::ordered_json renamed = nlohmann::ordered_json::object();
    for (const auto& [group, targets] : entry.items()) {
      nlohmann::ordered_json to = targets;
      if (to.is_string()) to = merged_group_name(tag, to.get<std::string>());
      if (to.is_array())
        for (auto& t : to) t = merged_group_name(tag, t.get<std::string>());
      renamed[merged_group_name(tag, group)] = to;
    }
    out.push_back(std::move(renamed));
  }
  return out;
}

}  // namespace

LaunchPlan plan_launches(const std::vector<PlanEntry>& entries, int jobs) {
  LaunchPlan plan = group_by_key(entries);
  std::vector<size_t> order(plan.batches.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return plan.batches[a].members.size() > plan.batches[b].members.size();
  });
  for (const size_t b : order) add_lanes(plan.batches[b], jobs, plan.lanes);
  std::vector<size_t> never_start;
  for (size_t i = 0; i < entries.size(); ++i)
    if (plan.batch_of[i] < 0) never_start.push_back(i);
  if (!never_start.empty()) plan.lanes.push_back(std::move(never_start));
  return plan;
}

std::string merged_group_name(const std::string& tag, const std::string& group) { return "s" + tag + "-" + group; }

std::string merge_key(const nlohmann::ordered_json& document) {
  nlohmann::ordered_json shared = document;
  shared.erase("model_list");
  if (shared.contains("router_settings"))
    for (const char* key : kGroupMaps) shared["router_settings"].erase(key);
  return shared.dump();
}

nlohmann::ordered_json merge_documents(const std::vector<std::pair<std::string, nlohmann::ordered_json>>& tagged) {
  if (tagged.empty()) return nlohmann::ordered_json::object();
  nlohmann::ordered_json out = nlohmann::ordered_json::parse(merge_key(tagged.front().second));
  nlohmann::ordered_json model_list = nlohmann::ordered_json::array();
  std::map<std::string, nlohmann::ordered_json> maps;
  for (const auto& [tag, document] : tagged) {
    for (auto entry : document.value("model_list", nlohmann::ordered_json::array())) {
      entry["model_name"] = merged_group_name(tag, entry["model_name"].get<std::string>());
      model_list.push_back(std::move(entry));
    }
    const auto settings = document.value("router_settings", nlohmann::ordered_json::object());
    for (const char* key : kGroupMaps)
      if (settings.contains(key))
        for (auto& entry : renamed_map(settings[key], tag)) maps[key].push_back(std::move(entry));
  }
  nlohmann::ordered_json merged;
  merged["model_list"] = std::move(model_list);
  for (auto& [key, value] : out.items()) merged[key] = value;
  for (const char* key : kGroupMaps)
    if (maps.count(key)) merged["router_settings"][key] = std::move(maps[key]);
  return merged;
}

}  // namespace midstream::targets
