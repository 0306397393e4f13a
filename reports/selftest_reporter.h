#pragma once
// What `midstream selftest` measured, and its reporter: the catalogue against the clean
// reference router (every scenario must PASS), then once per defect switch (at least one
// scenario must FAIL). The command measures; this only formats.
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/results.h"

namespace midstream::reports {

// A scenario that did not PASS against the clean reference router.
struct SelftestMiss {
  std::string scenario;
  Verdict verdict = Verdict::Error;
  std::string reason;
};

struct SelftestClean {
  std::size_t scenarios = 0;
  double wall_ms = 0;
  std::vector<SelftestMiss> not_pass;
};

// One defect switch and the scenarios that FAILed with it on.
struct SelftestDefect {
  std::string name;
  std::string reproduces;  // the bug it reproduces, as router/defects.h describes it
  std::vector<std::string> caught_by;
};

struct SelftestResults {
  SelftestClean clean;
  std::vector<SelftestDefect> defects;

  std::size_t caught() const;  // defects at least one scenario caught
  bool ok() const;             // the clean run all PASS and every defect caught
};

// Progress on one stream (stderr), the table on another (stdout), as the self-test goes.
class SelftestReporter {
 public:
  SelftestReporter(std::ostream& out, std::ostream& progress) : out_(out), progress_(progress) {}
  // Before the clean run.
  void start(std::size_t scenarios, double time_scale, const std::string& time_scale_source);
  // After the clean run: its line, the scenarios that did not PASS, the defect table's header.
  void on_clean(const SelftestClean& clean);
  // Before a defect switch's run.
  void on_defect_start(const std::string& name);
  // After it: the defect's row, with the first eight scenarios that caught it.
  void on_defect(const SelftestDefect& defect);
  // Once at the end: "defects caught: X/Y".
  void finish(const SelftestResults& results);

 private:
  std::ostream& out_;
  std::ostream& progress_;
};

// selftest.json: {"clean": {...}, "defects": {NAME: {...}}, "defects_caught", "defects_total"}.
nlohmann::ordered_json selftest_json(const SelftestResults& results);
// Writes selftest.json into dir (created if missing). Throws std::runtime_error naming the path.
std::string write_selftest_json(const SelftestResults& results, const std::string& dir);

}  // namespace midstream::reports
