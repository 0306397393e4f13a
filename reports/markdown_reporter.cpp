// scorecard.md: targets as columns, scenarios as rows grouped by category, totals, a legend.
#include <iterator>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "reports/format.h"
#include "reports/reporter.h"

namespace midstream::reports {
namespace {

constexpr std::size_t kCellChars = 160;   // a table cell stays on one line
constexpr std::size_t kCheckChars = 240;  // expected / actual of a failed check
constexpr const char* kNotRun = "\u2014";  // —

std::string md(std::string_view text, std::size_t max_chars = kCellChars) { return markdown_inline(text, max_chars); }

std::string glyph_name(Verdict verdict) { return std::string(verdict_glyph(verdict)) + " " + to_string(verdict); }

std::string cell(const ScenarioResult* result) {
  if (result == nullptr) return kNotRun;
  return std::string(verdict_glyph(result->verdict)) + " " + md(attempt_summary(*result));
}

void write_header(const RunResults& results, const Matrix& matrix, std::ostream& out) {
  std::size_t scenarios = 0;
  for (const MatrixCategory& category : matrix.categories) scenarios += category.rows.size();
  out << "# midstream scorecard\n\n";
  out << "**" << scenarios << (scenarios == 1 ? " scenario" : " scenarios") << "** against **"
      << matrix.targets.size() << (matrix.targets.size() == 1 ? " target" : " targets") << "**";
  out << " \u00B7 midstream " << md(results.tool_version.empty() ? MIDSTREAM_VERSION : results.tool_version);
  if (!results.started_at.empty()) out << " \u00B7 started " << md(results.started_at);
  out << " \u00B7 seed " << results.seed;
  if (results.wall_ms > 0) out << " \u00B7 wall time " << format_ms(results.wall_ms);
  if (results.time_scale != 1.0) out << " \u00B7 time scale x" << format_factor(results.time_scale);
  out << "\n\n";
}

// One row per target: what it is and how many of each verdict it got.
void write_totals(const RunResults& results, const Matrix& matrix, std::ostream& out) {
  out << "## Totals\n\n| target | description | defects |";
  for (Verdict verdict : kAllVerdicts) out << " " << glyph_name(verdict) << " |";
  out << " total |\n| --- | --- | --- |";
  for (std::size_t i = 0; i < std::size(kAllVerdicts); ++i) out << " ---: |";
  out << " ---: |\n";
  for (std::size_t col = 0; col < matrix.targets.size(); ++col) {
    const TargetInfo* info = nullptr;
    for (const TargetInfo& target : results.targets)
      if (target.name == matrix.targets[col]) info = &target;
    std::string defects;
    if (info != nullptr)
      for (const std::string& defect : info->defects) defects += (defects.empty() ? "" : ", ") + defect;
    out << "| **" << md(matrix.targets[col]) << "** | " << (info ? md(info->description) : "") << " | "
        << (defects.empty() ? kNotRun : md(defects)) << " |";
    int total = 0;
    for (std::size_t v = 0; v < std::size(kAllVerdicts); ++v) {
      const int count = matrix.totals[col][v];
      total += count;
      out << " " << (count ? "**" + std::to_string(count) + "**" : "0") << " |";
    }
    out << " " << total << " |\n";
  }
  out << "\n";
}

void write_matrix(const Matrix& matrix, std::ostream& out) {
  for (const MatrixCategory& category : matrix.categories) {
    out << "## " << md(category.label) << "\n\n| id | scenario |";
    for (const std::string& target : matrix.targets) out << " " << md(target) << " |";
    out << "\n| --- | --- |";
    for (std::size_t i = 0; i < matrix.targets.size(); ++i) out << " --- |";
    out << "\n";
    for (const MatrixRow& row : category.rows) {
      out << "| " << md(row.scenario) << " | " << md(row.title) << " |";
      for (const ScenarioResult* result : row.cells) out << " " << cell(result) << " |";
      out << "\n";
    }
    out << "\n";
  }
}

// Every result that is not PASS, with why and expected vs actual of each failed check.
void write_not_pass(const Matrix& matrix, std::ostream& out) {
  bool any = false;
  for (const MatrixCategory& category : matrix.categories) {
    for (const MatrixRow& row : category.rows) {
      for (const ScenarioResult* result : row.cells) {
        if (result == nullptr || result->verdict == Verdict::Pass) continue;
        if (!any) out << "## Not PASS\n\n";
        any = true;
        out << "### " << verdict_glyph(result->verdict) << " " << to_string(result->verdict) << " "
            << md(result->scenario) << " on " << md(result->target) << ": " << md(result->title) << "\n\n";
        out << md(result->reason, kCheckChars) << " (" << md(attempt_summary(*result)) << ")\n\n";
        for (const CheckResult& check : result->checks) {
          if (check.passed) continue;
          out << "- **" << md(check.id) << "** (" << to_string(check.severity) << ")  \n  expected: "
              << md(check.expected, kCheckChars) << "  \n  actual: " << md(check.actual, kCheckChars) << "\n";
        }
        out << "\n";
      }
    }
  }
}

void write_legend(std::ostream& out) {
  out << "## Legend\n\n";
  for (Verdict verdict : kAllVerdicts)
    out << "- " << verdict_glyph(verdict) << " **" << to_string(verdict) << "**: " << verdict_meaning(verdict) << "\n";
  out << "- " << kNotRun << " not run against this target\n\n";
  out << "A cell reads *attempts \u00B7 how \u00B7 duration*: the requests the fake providers received; "
         "*retry* when one provider got more than one, *fallback* when more than one provider was "
         "asked, *continued* when a continuation request carried the partial answer; the scenario's "
         "wall time.\n";
}

}  // namespace

void MarkdownReporter::finish(const RunResults& results) {
  const Matrix matrix = build_matrix(results);
  write_header(results, matrix, out_);
  write_totals(results, matrix, out_);
  write_matrix(matrix, out_);
  write_not_pass(matrix, out_);
  write_legend(out_);
}

}  // namespace midstream::reports
