#pragma once
// Runs scenarios against a target and returns plain results; reporters format them later.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "harness/target.h"
#include "reports/results.h"

namespace midstream::harness {

// Runs one scenario: starts its fakes and the target, drives the client, reads the journals,
// checks and grades. Never throws: a harness failure becomes an ERROR result.
reports::ScenarioResult run_scenario(const Scenario& scenario, const TargetFactory& target);

struct RunOptions {
  int jobs = 4;
  uint64_t seed = 1;
  // Called after each scenario (from worker threads, serialised by the runner).
  std::function<void(const reports::ScenarioResult&, size_t done, size_t total)> on_result;
};

reports::RunResults run_scenarios(const std::vector<Scenario>& scenarios, const TargetFactory& target,
                                  const RunOptions& options);

// "embedded: reference router (in-process)"
std::string describe(const reports::TargetInfo& info);

}  // namespace midstream::harness
