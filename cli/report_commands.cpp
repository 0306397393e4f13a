// `midstream report`, `midstream merge` and `midstream diff`: reports from results.json files.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/args.h"
#include "reports/diff.h"
#include "reports/format.h"
#include "reports/merge.h"
#include "reports/reporter.h"

namespace midstream::cli {
namespace {

constexpr const char* kReportHelp = R"(usage: midstream report RESULTS.json [--out DIR]

Regenerates every report format from a results.json that `midstream run` (or `merge`) wrote:
  results.json   the lossless results (schema midstream.report.v1)
  junit.xml      one <testsuite> per category, for CI test tabs
  scorecard.md   targets as columns, scenarios as rows: paste it into a pull request
  index.html     the matrix with a filter; one page per case under cases/ with the checks, both
                 wire legs and a timeline. Static: it opens from disk and fetches nothing.
Use it after upgrading midstream, or to get the HTML of a run that kept only its results.json.

options:
  --out DIR   where the reports go (default: the folder RESULTS.json is in)

Exits 0 when everything was written, 2 when RESULTS.json cannot be read (the message names it).

examples:
  midstream report midstream-report/results.json
  midstream report ci-artifacts/results.json --out /tmp/report && xdg-open /tmp/report/index.html
)";

constexpr const char* kMergeHelp = R"(usage: midstream merge A.json B.json ... [--out DIR]

Merges several results.json files into one report (every format, as `midstream report` writes):
  - shards of one catalogue:   run --filter '1.*' --out a, run --filter '2.*' --out b, ...
  - one catalogue against several routers: each target becomes a column of the matrix, in the
    order the files are given (name them apart with `run --target`).
Conflicts are errors that name both files: the same scenario against the same target in two
inputs, or one target name described differently (e.g. with other defect switches).

options:
  --out DIR   where the merged reports go (default: midstream-report)

Exits 0 when the merged reports were written (whatever the verdicts; `run` is what fails a
build), 2 when an input cannot be read or the inputs conflict.

example:
  midstream merge shard-*/results.json --out merged && xdg-open merged/index.html
)";

constexpr const char* kDiffHelp = R"(usage: midstream diff OLD.json NEW.json [--out DIR] [--threshold-ms N] [--threshold-pct N]

Compares two runs, pairing results by scenario id and target:
  regressions        the verdict got worse; best to worst:
                     PASS, NON-STRICT, SAFE, UNSUPPORTED, FAIL, ERROR
  fixes              the verdict got better
  added / removed    a scenario x target in only one of the runs
  duration changes   the scenario's time moved by at least --threshold-ms AND by at least
                     --threshold-pct of the old time (both, so neither noise on 2 ms cases nor
                     a few percent on slow ones shows up)
Prints the Markdown, and writes it as diff.md with diff.html beside it into --out.

options:
  --out DIR            where diff.md and diff.html go (default: midstream-diff)
  --threshold-ms N     smallest duration change to report, in ms (default: 100)
  --threshold-pct N    smallest duration change to report, in % of the old time (default: 50)

Exits 1 when anything regressed, 0 otherwise, 2 when an input cannot be read (the message names
the file). In CI: keep the main branch's results.json and run
  midstream diff main/results.json midstream-report/results.json
)";

// An input file that cannot be used: exit 2 with the message.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

reports::RunResults load(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw InputError(path + ": is a directory; give the results.json inside it");
  try {
    return reports::read_results_file(path);
  } catch (const std::runtime_error& e) {
    throw InputError(e.what());
  }
}

// "12 results: PASS 10 FAIL 2", then every format written into dir and listed.
void write_reports(const reports::RunResults& results, const std::string& dir) {
  const auto summary = results.summary();
  std::cout << results.results.size() << " results:";
  for (reports::Verdict verdict : reports::kAllVerdicts)
    if (const int count = summary.at(reports::to_string(verdict))) std::cout << " " << reports::to_string(verdict) << " " << count;
  std::cout << "\n";
  reports::DirectoryReporter(dir, &std::cout).finish(results);
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot open " + path.string() + " for writing");
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

int report_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << kReportHelp;
    return 0;
  }
  auto out_dir = args.value("--out");
  const auto inputs = args.positionals();
  if (inputs.size() != 1)
    throw UsageError(inputs.empty() ? "which results.json? (midstream report RESULTS.json)"
                                    : "one results.json at a time; `midstream merge` combines several");
  try {
    const reports::RunResults results = load(inputs.front());
    if (!out_dir) {
      const auto parent = std::filesystem::path(inputs.front()).parent_path();
      out_dir = parent.empty() ? "." : parent.string();
    }
    write_reports(results, *out_dir);
    return 0;
  } catch (const InputError& error) {
    std::cerr << "midstream report: " << error.what() << "\n";
    return 2;
  }
}

int merge_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << kMergeHelp;
    return 0;
  }
  const std::string out_dir = args.value("--out").value_or("midstream-report");
  const auto inputs = args.positionals();
  if (inputs.empty()) throw UsageError("which results.json files? (midstream merge A.json B.json ... --out DIR)");
  try {
    std::vector<reports::SourcedRun> runs;
    for (const std::string& path : inputs) runs.push_back({path, load(path)});
    const reports::RunResults merged = reports::merge_runs(runs);
    std::cout << "merged " << inputs.size() << (inputs.size() == 1 ? " run" : " runs") << ", "
              << merged.targets.size() << (merged.targets.size() == 1 ? " target\n" : " targets\n");
    write_reports(merged, out_dir);
    return 0;
  } catch (const InputError& error) {
    std::cerr << "midstream merge: " << error.what() << "\n";
    return 2;
  } catch (const reports::MergeConflict& error) {
    std::cerr << "midstream merge: " << error.what() << "\n";
    return 2;
  }
}

int diff_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << kDiffHelp;
    return 0;
  }
  const std::string out_dir = args.value("--out").value_or("midstream-diff");
  reports::DiffOptions options;
  options.threshold_ms = static_cast<double>(args.integer("--threshold-ms", 100, 0, 86'400'000));
  options.threshold_ratio = static_cast<double>(args.integer("--threshold-pct", 50, 0, 100'000)) / 100.0;
  const auto inputs = args.positionals();
  if (inputs.size() != 2) throw UsageError("expects two results.json files: OLD.json NEW.json");
  try {
    const reports::RunResults before = load(inputs[0]);
    const reports::RunResults after = load(inputs[1]);
    reports::RunDiff diff = reports::diff_runs(before, after, options);
    diff.before_label = inputs[0];
    diff.after_label = inputs[1];

    std::ostringstream markdown, page;
    reports::write_diff_markdown(diff, markdown);
    reports::write_diff_html(diff, page);
    std::error_code error;
    std::filesystem::create_directories(out_dir, error);
    if (error) throw std::runtime_error("cannot create " + out_dir + ": " + error.message());
    const std::filesystem::path dir(out_dir);
    write_file(dir / "diff.md", markdown.str());
    write_file(dir / "diff.html", page.str());
    std::cout << markdown.str() << "\ndiff: " << (dir / "diff.md").string() << " " << (dir / "diff.html").string()
              << "\n";
    return diff.has_regression() ? 1 : 0;
  } catch (const InputError& error) {
    std::cerr << "midstream diff: " << error.what() << "\n";
    return 2;
  }
}

}  // namespace midstream::cli
