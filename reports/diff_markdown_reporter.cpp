// diff.md: what changed between two runs, as Markdown tables.
#include <charconv>
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "reports/diff.h"
#include "reports/format.h"

namespace midstream::reports {

std::string duration_change_text(double before_ms, double after_ms) {
  const double delta = after_ms - before_ms;
  std::string text = (delta >= 0 ? "+" : "\u2212") + format_ms(std::abs(delta));
  if (before_ms > 0) {
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, std::round(std::abs(delta) / before_ms * 100),
                                            std::chars_format::fixed, 0);
    if (error == std::errc()) text += " (" + std::string(delta >= 0 ? "+" : "\u2212") + std::string(buffer, end) + "%)";
  }
  return text;
}

namespace {

constexpr std::size_t kCell = 120;

std::string md(const std::string& text) { return markdown_inline(text, kCell); }

std::string verdict_cell(Verdict verdict) { return std::string(verdict_glyph(verdict)) + " " + to_string(verdict); }

void changes_table(const char* heading, const std::vector<ResultChange>& changes, bool with_reason, std::ostream& out) {
  if (changes.empty()) return;
  out << "## " << heading << "\n\n| id | target | scenario | before | after |" << (with_reason ? " why now |" : "")
      << "\n| --- | --- | --- | --- | --- |" << (with_reason ? " --- |" : "") << "\n";
  for (const ResultChange& change : changes) {
    out << "| " << md(change.scenario) << " | " << md(change.target) << " | " << md(change.title) << " | "
        << verdict_cell(change.before) << " | " << verdict_cell(change.after) << " |";
    if (with_reason) out << " " << md(change.reason) << " |";
    out << "\n";
  }
  out << "\n";
}

void presence_table(const char* heading, const std::vector<ResultPresence>& items, std::ostream& out) {
  if (items.empty()) return;
  out << "## " << heading << "\n\n| id | target | scenario | verdict |\n| --- | --- | --- | --- |\n";
  for (const ResultPresence& item : items)
    out << "| " << md(item.scenario) << " | " << md(item.target) << " | " << md(item.title) << " | "
        << verdict_cell(item.verdict) << " |\n";
  out << "\n";
}

std::string plural(std::size_t count, const char* one, const char* many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

}  // namespace

void write_diff_markdown(const RunDiff& diff, std::ostream& out) {
  out << "# midstream diff\n\n**" << md(diff.before_label) << "** (" << plural(diff.before_count, "result", "results")
      << ") \u2192 **" << md(diff.after_label) << "** (" << plural(diff.after_count, "result", "results") << ")\n\n";
  out << (diff.regressions.empty() ? "" : "\u274C ") << "**" << plural(diff.regressions.size(), "regression", "regressions")
      << "** \u00B7 " << plural(diff.fixes.size(), "fix", "fixes") << " \u00B7 " << diff.added.size() << " added \u00B7 "
      << diff.removed.size() << " removed \u00B7 " << plural(diff.duration_changes.size(), "duration change", "duration changes")
      << " (at least " << format_ms(diff.options.threshold_ms) << " and "
      << static_cast<long>(std::lround(diff.options.threshold_ratio * 100)) << "%) \u00B7 " << diff.unchanged
      << " unchanged\n\n";
  changes_table("Regressions", diff.regressions, true, out);
  changes_table("Fixes", diff.fixes, false, out);
  presence_table("Added", diff.added, out);
  presence_table("Removed", diff.removed, out);
  if (!diff.duration_changes.empty()) {
    out << "## Duration changes\n\n| id | target | scenario | before | after | change |\n"
           "| --- | --- | --- | ---: | ---: | ---: |\n";
    for (const ResultChange& change : diff.duration_changes)
      out << "| " << md(change.scenario) << " | " << md(change.target) << " | " << md(change.title) << " | "
          << format_ms(change.before_ms) << " | " << format_ms(change.after_ms) << " | "
          << duration_change_text(change.before_ms, change.after_ms) << " |\n";
    out << "\n";
  }
  if (diff.regressions.empty() && diff.fixes.empty() && diff.added.empty() && diff.removed.empty() &&
      diff.duration_changes.empty())
    out << "No change.\n";
}

}  // namespace midstream::reports
