#pragma once
// Reporters only format: each takes finished RunResults and writes one format to a stream.
#include <fstream>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

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

// The Markdown scorecard: targets as columns, scenarios as rows grouped by category, a verdict
// glyph and an attempt summary per cell, totals per target, the non-PASS cases, a legend.
class MarkdownReporter : public Reporter {
 public:
  std::string file_name() const override { return "scorecard.md"; }
  void report(const RunResults& results, std::ostream& out) const override;
};

// Where a reporter that writes several files puts them: one stream per relative path.
class ReportSink {
 public:
  virtual ~ReportSink() = default;
  // A stream for relative_path ("index.html", "cases/3.1.1-embedded.html"); it stays valid until
  // the next open().
  virtual std::ostream& open(const std::string& relative_path) = 0;
};

// A reporter whose format is a tree of files rather than one stream.
class MultiFileReporter {
 public:
  virtual ~MultiFileReporter() = default;
  // The entry page, e.g. "index.html".
  virtual std::string file_name() const = 0;
  virtual void report(const RunResults& results, ReportSink& sink) const = 0;
};

// The static HTML report: index.html (the matrix, with a filter) and cases/<id>-<target>.html
// (requirement, checks, both wire legs, an SVG timeline). No network asset: it opens from disk.
class HtmlReporter : public MultiFileReporter {
 public:
  std::string file_name() const override { return "index.html"; }
  void report(const RunResults& results, ReportSink& sink) const override;
  // The case page of each result, parallel to results.results ("cases/3.1.1-embedded.html"). A
  // second result for the same scenario x target is not in the matrix and gets no page written.
  static std::vector<std::string> case_pages(const RunResults& results);
};

// A ReportSink that writes files under a directory, creating folders as needed. Throws
// std::runtime_error naming the path it cannot create, open or write.
class DirectorySink : public ReportSink {
 public:
  explicit DirectorySink(std::string dir) : dir_(std::move(dir)) {}
  std::ostream& open(const std::string& relative_path) override;
  // Closes the last file and checks it was written; returns every path written.
  std::vector<std::string> finish();

 private:
  void close_current();
  std::string dir_;
  std::ofstream out_;
  std::string current_;
  std::vector<std::string> written_;
};

nlohmann::json to_json(const RunResults& results);
// Reads a results.json back (for `midstream report` and diffs). Throws std::runtime_error.
RunResults results_from_json(const nlohmann::json& json);

// Reads a results.json file. Throws std::runtime_error starting with the path: unreadable, not
// JSON, or not a midstream results file (then with the JSON pointer at fault).
RunResults read_results_file(const std::string& path);

// Writes every format into dir (created if missing): results.json, junit.xml, scorecard.md and
// the HTML report (index.html and cases/). Returns each format's main file; the HTML case pages
// sit under dir/cases/.
std::vector<std::string> write_all(const RunResults& results, const std::string& dir);

}  // namespace midstream::reports
