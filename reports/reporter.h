#pragma once
// Reporters only format: each takes finished RunResults and writes one format to a stream.
#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/results.h"

namespace midstream::reports {

class Reporter {
 public:
  virtual ~Reporter() = default;
  // The file name this reporter writes in an output directory, e.g. "results.json".
  virtual std::string file_name() const = 0;
  virtual void report(const RunResults& results, std::ostream& out) const = 0;
};

// The value of results.json's "schema" key; bumped on any incompatible change.
inline constexpr char kReportSchema[] = "midstream.report.v1";

// results.json, schema "midstream.report.v1".
class JsonReporter : public Reporter {
 public:
  std::string file_name() const override { return "results.json"; }
  void report(const RunResults& results, std::ostream& out) const override;
};

// JUnit XML: one <testsuite> per scenario category, one <testcase> per scenario x target.
class JunitReporter : public Reporter {
 public:
  std::string file_name() const override { return "junit.xml"; }
  void report(const RunResults& results, std::ostream& out) const override;
};

nlohmann::json to_json(const RunResults& results);
// Reads a results.json back (for `midstream report` and diffs). Throws std::runtime_error.
RunResults results_from_json(const nlohmann::json& json);

// Writes every reporter's file into dir (created if missing). Returns the paths written.
std::vector<std::string> write_all(const RunResults& results, const std::string& dir);

}  // namespace midstream::reports
