#pragma once
// Comparing two runs: what got worse, what got better, what appeared or went away, and what got
// much slower or faster. diff_runs() is pure; the writers only format its result.
#include <iosfwd>
#include <string>
#include <vector>

#include "reports/results.h"

namespace midstream::reports {

struct DiffOptions {
  // A duration change counts only when it is at least this many milliseconds...
  double threshold_ms = 100;
  // ...and at least this fraction of the old duration (0.5 = 50%).
  double threshold_ratio = 0.5;
};

// One scenario x target present in both runs.
struct ResultChange {
  std::string scenario;
  std::string target;
  std::string title;   // the new run's
  Verdict before = Verdict::Error;
  Verdict after = Verdict::Error;
  std::string reason;  // the new run's reason
  double before_ms = 0;
  double after_ms = 0;
};

// One scenario x target present in only one run.
struct ResultPresence {
  std::string scenario;
  std::string target;
  std::string title;
  Verdict verdict = Verdict::Error;
  std::string reason;
};

struct RunDiff {
  std::string before_label = "OLD";  // e.g. the file names, for the headings
  std::string after_label = "NEW";
  DiffOptions options;
  std::vector<ResultChange> regressions;   // a verdict worse than before (Verdict order)
  std::vector<ResultChange> fixes;         // a verdict better than before
  std::vector<ResultPresence> added;       // only in the new run
  std::vector<ResultPresence> removed;     // only in the old run
  std::vector<ResultChange> duration_changes;  // beyond both thresholds, either way
  int unchanged = 0;                       // in both runs with the same verdict
  std::size_t before_count = 0;
  std::size_t after_count = 0;

  bool has_regression() const { return !regressions.empty(); }
};

// Pairs results by (scenario, target); every list is sorted by scenario id, then target.
RunDiff diff_runs(const RunResults& before, const RunResults& after, const DiffOptions& options = {});

// "+248 ms (+2067%)", "−150 ms (−60%)": how much a duration moved.
std::string duration_change_text(double before_ms, double after_ms);

// diff.md: a summary line, then a table per kind of change.
void write_diff_markdown(const RunDiff& diff, std::ostream& out);
// diff.html: the same, as a static page with the report's colours (no network assets).
void write_diff_html(const RunDiff& diff, std::ostream& out);

}  // namespace midstream::reports
