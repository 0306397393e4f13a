// diff_runs: two runs paired by scenario x target, classified. No I/O.
#include "reports/diff.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "reports/format.h"

namespace midstream::reports {
namespace {

using Key = std::pair<std::string, std::string>;  // scenario, target

std::map<Key, const ScenarioResult*> index_of(const RunResults& run) {
  std::map<Key, const ScenarioResult*> index;
  for (const ScenarioResult& result : run.results) index.try_emplace({result.scenario, result.target}, &result);
  return index;
}

template <typename Item>
void sort_by_id(std::vector<Item>& items) {
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.scenario != b.scenario) return id_less(a.scenario, b.scenario);
    return a.target < b.target;
  });
}

ResultPresence presence(const ScenarioResult& result) {
  return {result.scenario, result.target, result.title, result.verdict, result.reason};
}

bool duration_changed(double before_ms, double after_ms, const DiffOptions& options) {
  if (!std::isfinite(before_ms) || !std::isfinite(after_ms)) return false;
  const double delta = std::abs(after_ms - before_ms);
  if (delta < options.threshold_ms) return false;
  return before_ms <= 0 || delta / before_ms >= options.threshold_ratio;
}

}  // namespace

RunDiff diff_runs(const RunResults& before, const RunResults& after, const DiffOptions& options) {
  RunDiff diff;
  diff.options = options;
  const auto old_index = index_of(before);
  const auto new_index = index_of(after);
  diff.before_count = old_index.size();
  diff.after_count = new_index.size();

  for (const auto& [key, now] : new_index) {
    const auto found = old_index.find(key);
    if (found == old_index.end()) {
      diff.added.push_back(presence(*now));
      continue;
    }
    const ScenarioResult& was = *found->second;
    const ResultChange change{now->scenario, now->target,    now->title,      was.verdict,
                              now->verdict,  now->reason,    was.duration_ms, now->duration_ms};
    if (now->verdict > was.verdict) diff.regressions.push_back(change);
    else if (now->verdict < was.verdict) diff.fixes.push_back(change);
    else ++diff.unchanged;
    if (duration_changed(was.duration_ms, now->duration_ms, options)) diff.duration_changes.push_back(change);
  }
  for (const auto& [key, was] : old_index)
    if (!new_index.count(key)) diff.removed.push_back(presence(*was));

  sort_by_id(diff.regressions);
  sort_by_id(diff.fixes);
  sort_by_id(diff.added);
  sort_by_id(diff.removed);
  sort_by_id(diff.duration_changes);
  return diff;
}

}  // namespace midstream::reports
