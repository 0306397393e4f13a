// merge_runs: several runs as one, refusing contradictions.
#include "reports/merge.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <utility>

namespace midstream::reports {
namespace {

// Seconds since 1970 for "YYYY-MM-DDTHH:MM:SSZ" (what the runner writes), else nothing.
std::optional<long long> epoch_seconds(const std::string& iso) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char zone = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &year, &month, &day, &hour, &minute, &second, &zone) != 7 ||
      zone != 'Z' || month < 1 || month > 12 || day < 1 || day > 31)
    return std::nullopt;
  // Days from civil (Howard Hinnant's algorithm).
  const long long y = year - (month <= 2 ? 1 : 0);
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long year_of_era = y - era * 400;
  const long long day_of_year = (153LL * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const long long day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  const long long days = era * 146097 + day_of_era - 719468;
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

std::string describe(const TargetInfo& target) {
  std::string defects;
  for (const std::string& defect : target.defects) defects += (defects.empty() ? "" : ", ") + defect;
  return "\"" + target.description + "\"" + (defects.empty() ? "" : " with defects " + defects);
}

}  // namespace

RunResults merge_runs(const std::vector<SourcedRun>& runs) {
  RunResults merged;
  std::map<std::string, std::pair<const TargetInfo*, const std::string*>> targets;  // name -> first seen, where
  std::map<std::pair<std::string, std::string>, const std::string*> seen;           // scenario x target -> where

  const auto add_target = [&](const TargetInfo& target, const std::string& source) {
    const auto [at, inserted] = targets.try_emplace(target.name, &target, &source);
    if (inserted) {
      merged.targets.push_back(target);
    } else if (!(*at->second.first == target)) {
      throw MergeConflict("target '" + target.name + "' is " + describe(*at->second.first) + " in " +
                          *at->second.second + " but " + describe(target) + " in " + source +
                          ": give the runs different --target names, or merge them separately");
    }
  };

  std::optional<double> first_start_ms, last_end_ms;
  bool times_known = true;
  double wall_sum = 0;
  for (const SourcedRun& input : runs) {
    const RunResults& run = input.run;
    if (&input == &runs.front()) {
      merged.tool_version = run.tool_version;
      merged.seed = run.seed;
    }
    if (run.time_scale > merged.time_scale) {  // the slowest shard's dilation
      merged.time_scale = run.time_scale;
      merged.time_scale_source = run.time_scale_source;
    }
    for (const TargetInfo& target : run.targets) add_target(target, input.source);
    for (const ScenarioResult& result : run.results) {
      const auto [at, inserted] = seen.try_emplace({result.scenario, result.target}, &input.source);
      if (!inserted) {
        throw MergeConflict("scenario " + result.scenario + " against target '" + result.target + "' is in both " +
                            *at->second + " and " + input.source +
                            (*at->second == input.source ? " (twice)" : "") + "; merge each result only once");
      }
      merged.results.push_back(result);
    }
    wall_sum += run.wall_ms;
    const auto start = epoch_seconds(run.started_at);
    if (!start) {
      times_known = false;
      continue;
    }
    const double start_ms = static_cast<double>(*start) * 1000.0;
    if (!first_start_ms || start_ms < *first_start_ms) {
      first_start_ms = start_ms;
      merged.started_at = run.started_at;
    }
    last_end_ms = std::max(last_end_ms.value_or(0.0), start_ms + run.wall_ms);
  }
  // Shards run side by side span less than their sum; runs one after the other span about it.
  merged.wall_ms = times_known && first_start_ms ? *last_end_ms - *first_start_ms : wall_sum;
  if (!times_known && !runs.empty()) merged.started_at = runs.front().run.started_at;
  return merged;
}

}  // namespace midstream::reports
