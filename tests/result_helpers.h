#pragma once
// Helpers for tests that read a scenario result: a one-line-per-failed-check description for
// failure messages, and one check by id. Header-only; each test binary includes it.
#include <string>

#include "reports/results.h"

namespace midstream::harness::testing_helpers {

inline std::string describe(const reports::ScenarioResult& r) {
  std::string text = r.target + " " + r.scenario + " " + reports::to_string(r.verdict) + ": " + r.reason;
  for (const auto& c : r.checks)
    if (!c.passed) text += "\n  " + c.id + ": expected " + c.expected + ", actual " + c.actual;
  return text;
}

inline const reports::CheckResult* find_check(const reports::ScenarioResult& r, const std::string& id) {
  for (const auto& c : r.checks)
    if (c.id == id) return &c;
  return nullptr;
}

}  // namespace midstream::harness::testing_helpers
