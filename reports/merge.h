#pragma once
// Several runs as one report: shards of one catalogue, or one catalogue against several targets.
#include <stdexcept>
#include <string>
#include <vector>

#include "reports/results.h"

namespace midstream::reports {

// A run and where it came from (a file name), for error messages.
struct SourcedRun {
  std::string source;
  RunResults run;
};

// Two inputs that cannot both be true: the same scenario x target twice, or one target name
// described differently. The message names both sources.
class MergeConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Results in input order; targets in order of first appearance. The merged run keeps the first
// tool version and seed, the earliest start, and a wall time spanning every run (the sum when a
// start time cannot be read). Throws MergeConflict.
RunResults merge_runs(const std::vector<SourcedRun>& runs);

}  // namespace midstream::reports
