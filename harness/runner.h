#pragma once
// Runs scenarios against a target and returns plain results; reporters format them later.
#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "harness/target.h"
#include "harness/time_scale.h"
#include "reports/results.h"

namespace midstream::harness {

// Runs one scenario: starts its fakes and the target, drives the client, reads the journals,
// checks and grades, all in the time dilated by `scale` (harness/time_scale.h). Never throws: a
// harness failure becomes an ERROR result.
reports::ScenarioResult run_scenario(const Scenario& scenario, const TargetFactory& target,
                                     const TimeScale& scale = {});

struct RunOptions {
  int jobs = 4;  // scenarios at once, capped by each target's max_jobs()
  uint64_t seed = 1;
  TimeScale time_scale;  // the default, 1: callers that want the machine's pass resolve_time_scale()
  // Called after each scenario (from worker threads, serialised by the runner); done and total
  // count scenario x target runs, and the result names its target.
  std::function<void(const reports::ScenarioResult&, size_t done, size_t total)> on_result;
  // Called after each target's scenarios with what the target says about the run (Target::run_note).
  std::function<void(const reports::TargetInfo&, const std::string& note)> on_note;
};

reports::RunResults run_scenarios(const std::vector<Scenario>& scenarios, const TargetFactory& target,
                                  const RunOptions& options);

// The scenarios against each target in turn, as one run: RunResults.targets in the given order,
// results grouped by target and in scenario order within a target.
reports::RunResults run_targets(const std::vector<Scenario>& scenarios, const std::vector<TargetFactory>& targets,
                                const RunOptions& options);

// `--shard I/N`: every N-th scenario starting at index I (0-based) of the sorted selection, so N
// shards partition it exactly and `midstream merge` puts them back together.
struct Shard {
  size_t index = 0;
  size_t count = 1;
};
// Parses "I/N" (0 <= I < N). Throws std::invalid_argument saying what is expected.
Shard parse_shard(const std::string& text);
std::vector<Scenario> select_shard(const std::vector<Scenario>& scenarios, const Shard& shard);

// "embedded: reference router (in-process)"
std::string describe(const reports::TargetInfo& info);

}  // namespace midstream::harness
