#pragma once
// Reporters only format. Each follows a run through one lifecycle, as google/benchmark's
// reporters do (ReportContext, ReportRuns, Finalize): start() before the first scenario,
// on_result() after each, finish() with the whole run. The runner produces the data; `midstream
// run` hands it to every reporter in turn.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/results.h"

namespace midstream::reports {

// What a run is about to do, known before its first result.
struct RunInfo {
  struct Target {
    TargetInfo info;   // what `--target` names, before any router is started
    int max_jobs = 0;  // the most scenarios at once against it (0: jobs)
  };
  std::size_t scenarios = 0;  // each runs once per target
  std::string shard;          // "0/4" when the scenarios are one shard of the selection
  std::vector<Target> targets;
  int jobs = 1;
  uint64_t seed = 1;
  double time_scale = 1.0;
  std::string time_scale_source;
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  // Called once, before the first scenario runs.
  virtual void start(const RunInfo& /*run*/) {}
  // Called after each scenario x target, in the order they end, never two at once.
  virtual void on_result(const ScenarioResult& /*result*/) {}
  // Called after a target's scenarios with what it says about the run ("5 router launches ...").
  virtual void on_note(const TargetInfo& /*target*/, const std::string& /*note*/) {}
  // Called once with the whole run. A file format writes itself here.
  virtual void finish(const RunResults& results) = 0;
};

// The value of results.json's "schema" key; bumped on any incompatible change.
inline constexpr char kReportSchema[] = "midstream.report.v1";

// results.json, schema "midstream.report.v1", written to the stream it is given.
class JsonReporter : public Reporter {
 public:
  static constexpr char kFileName[] = "results.json";
  explicit JsonReporter(std::ostream& out) : out_(out) {}
  void finish(const RunResults& results) override;

 private:
  std::ostream& out_;
};

// JUnit XML: one <testsuite> per scenario category, one <testcase> per scenario x target.
class JunitReporter : public Reporter {
 public:
  static constexpr char kFileName[] = "junit.xml";
  explicit JunitReporter(std::ostream& out) : out_(out) {}
  void finish(const RunResults& results) override;

 private:
  std::ostream& out_;
};

// The Markdown scorecard: targets as columns, scenarios as rows grouped by category, a verdict
// glyph and an attempt summary per cell, totals per target, the non-PASS cases, a legend.
class MarkdownReporter : public Reporter {
 public:
  static constexpr char kFileName[] = "scorecard.md";
  explicit MarkdownReporter(std::ostream& out) : out_(out) {}
  void finish(const RunResults& results) override;

 private:
  std::ostream& out_;
};

// Where a reporter that writes several files puts them: one stream per relative path.
class ReportSink {
 public:
  virtual ~ReportSink() = default;
  // A stream for relative_path ("index.html", "cases/3.1.1-embedded.html"); it stays valid until
  // the next open().
  virtual std::ostream& open(const std::string& relative_path) = 0;
};

// The static HTML report: index.html (the matrix, with a filter) and cases/<id>-<target>.html
// (requirement, checks, both wire legs, an SVG timeline), into the sink it is given. No network
// asset: it opens from disk.
class HtmlReporter : public Reporter {
 public:
  static constexpr char kFileName[] = "index.html";
  explicit HtmlReporter(ReportSink& sink) : sink_(sink) {}
  void finish(const RunResults& results) override;
  // The case page of each result, parallel to results.results ("cases/3.1.1-embedded.html"). A
  // second result for the same scenario x target is not in the matrix and gets no page written.
  static std::vector<std::string> case_pages(const RunResults& results);

 private:
  ReportSink& sink_;
};

// What `midstream run` prints. start(): one line on the progress stream (stderr) naming the
// scenarios, targets, jobs and time scale. on_result(): a progress line per result, rewritten in
// place when the progress stream is a terminal. finish(): on the output stream (stdout) the wall
// time and the verdicts per target, the targets' notes, every result that is not PASS with its
// failed checks and how to replay one, then a blank line.
class ConsoleReporter : public Reporter {
 public:
  struct Options {
    bool progress_in_place = false;  // the progress stream is a terminal: one line, rewritten
    bool verbose = false;            // every failed check, not only the first two per result
    // The command that replays one case, without its time scale: "midstream run --filter ID
    // --target embedded".
    std::string replay_command = "midstream run --filter ID";
  };
  ConsoleReporter(std::ostream& out, std::ostream& progress, Options options)
      : out_(out), progress_(progress), options_(std::move(options)) {}
  void start(const RunInfo& run) override;
  void on_result(const ScenarioResult& result) override;
  void on_note(const TargetInfo& target, const std::string& note) override;
  void finish(const RunResults& results) override;

 private:
  std::ostream& out_;
  std::ostream& progress_;
  Options options_;
  std::size_t scenarios_ = 0;
  std::size_t total_ = 0;       // scenario x target runs
  std::size_t done_ = 0;
  std::size_t name_width_ = 0;  // the longest target name, for the progress column
  std::vector<std::string> notes_;
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

// Every format into one output directory, created if missing: results.json, junit.xml,
// scorecard.md and the HTML report (index.html, cases/). With a listing stream, finish() then
// prints "reports: PATH ..." there, each format's main file. Throws std::runtime_error naming
// the path it cannot create or write.
class DirectoryReporter : public Reporter {
 public:
  explicit DirectoryReporter(std::string dir, std::ostream* listing = nullptr)
      : dir_(std::move(dir)), listing_(listing) {}
  void finish(const RunResults& results) override;
  // Each format's main file, once finish() wrote them; the HTML case pages sit under dir/cases/.
  const std::vector<std::string>& written() const { return written_; }

 private:
  std::string dir_;
  std::ostream* listing_;
  std::vector<std::string> written_;
};

nlohmann::json to_json(const RunResults& results);
// Reads a results.json back (for `midstream report` and diffs). Throws std::runtime_error.
RunResults results_from_json(const nlohmann::json& json);

// Reads a results.json file. Throws std::runtime_error starting with the path: unreadable, not
// JSON, or not a midstream results file (then with the JSON pointer at fault).
RunResults read_results_file(const std::string& path);

// DirectoryReporter(dir).finish(results), without a listing: returns each format's main file.
std::vector<std::string> write_all(const RunResults& results, const std::string& dir);

}  // namespace midstream::reports
