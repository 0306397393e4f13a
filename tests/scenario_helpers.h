#pragma once
// The catalogue's scenario with an id, for the tests that run or translate one (the targets, the
// config translations). Header-only; each test binary includes it.
#include <gtest/gtest.h>

#include <string>

#include "harness/scenario.h"

namespace midstream::harness::testing_helpers {

inline Scenario scenario_by_id(const std::string& id) {
  for (const auto& file : find_scenario_files({MIDSTREAM_SCENARIO_DIR})) {
    auto s = load_scenario(file);
    if (s.id == id) return s;
  }
  ADD_FAILURE() << "no scenario " << id;
  return {};
}

}  // namespace midstream::harness::testing_helpers
