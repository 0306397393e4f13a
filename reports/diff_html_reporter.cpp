// diff.html: what changed between two runs, as a static page.
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "reports/diff.h"
#include "reports/format.h"
#include "reports/html.h"

namespace midstream::reports {

namespace {

using html::escape;

constexpr const char* kDiffCss = R"css(
.counts span{margin-right:14px;font-size:15px}
.counts .bad{color:#cf222e;font-weight:700}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.regression td{background:#ffebe9}
tr.fix td{background:#dafbe1}
)css";

void changes_table(const char* heading, const char* row_class, const std::vector<ResultChange>& changes, bool with_reason,
                   std::ostream& out) {
  if (changes.empty()) return;
  out << "<h2>" << heading << " (" << changes.size() << ")</h2>\n<table>\n<tr><th>id</th><th>target</th><th>scenario</th>"
      << "<th>before</th><th>after</th>" << (with_reason ? "<th>why now</th>" : "") << "</tr>\n";
  for (const ResultChange& change : changes) {
    out << "<tr class=\"" << row_class << "\"><td class=\"mono\">" << escape(change.scenario) << "</td><td>"
        << escape(change.target) << "</td><td>" << escape(change.title) << "</td><td>" << html::verdict_badge(change.before)
        << "</td><td>" << html::verdict_badge(change.after) << "</td>";
    if (with_reason) out << "<td>" << escape(change.reason) << "</td>";
    out << "</tr>\n";
  }
  out << "</table>\n";
}

void presence_table(const char* heading, const std::vector<ResultPresence>& items, std::ostream& out) {
  if (items.empty()) return;
  out << "<h2>" << heading << " (" << items.size() << ")</h2>\n<table>\n<tr><th>id</th><th>target</th><th>scenario</th>"
         "<th>verdict</th></tr>\n";
  for (const ResultPresence& item : items)
    out << "<tr><td class=\"mono\">" << escape(item.scenario) << "</td><td>" << escape(item.target) << "</td><td>"
        << escape(item.title) << "</td><td>" << html::verdict_badge(item.verdict) << "</td></tr>\n";
  out << "</table>\n";
}

}  // namespace

void write_diff_html(const RunDiff& diff, std::ostream& out) {
  out << html::page_start("midstream diff: " + diff.before_label + " \u2192 " + diff.after_label, kDiffCss, "");
  out << "<h1>midstream diff</h1>\n<p class=\"meta\"><b>" << escape(diff.before_label) << "</b> (" << diff.before_count
      << " results) \u2192 <b>" << escape(diff.after_label) << "</b> (" << diff.after_count << " results)</p>\n";
  out << "<p class=\"counts\"><span" << (diff.regressions.empty() ? "" : " class=\"bad\"") << ">"
      << diff.regressions.size() << " regressions</span><span>" << diff.fixes.size() << " fixes</span><span>"
      << diff.added.size() << " added</span><span>" << diff.removed.size() << " removed</span><span>"
      << diff.duration_changes.size() << " duration changes (at least " << format_ms(diff.options.threshold_ms)
      << " and " << static_cast<long>(std::lround(diff.options.threshold_ratio * 100)) << "%)</span><span>"
      << diff.unchanged << " unchanged</span></p>\n";
  changes_table("Regressions", "regression", diff.regressions, true, out);
  changes_table("Fixes", "fix", diff.fixes, false, out);
  presence_table("Added", diff.added, out);
  presence_table("Removed", diff.removed, out);
  if (!diff.duration_changes.empty()) {
    out << "<h2>Duration changes (" << diff.duration_changes.size() << ")</h2>\n<table>\n<tr><th>id</th><th>target</th>"
           "<th>scenario</th><th>before</th><th>after</th><th>change</th></tr>\n";
    for (const ResultChange& change : diff.duration_changes)
      out << "<tr><td class=\"mono\">" << escape(change.scenario) << "</td><td>" << escape(change.target) << "</td><td>"
          << escape(change.title) << "</td><td class=\"n\">" << format_ms(change.before_ms) << "</td><td class=\"n\">"
          << format_ms(change.after_ms) << "</td><td class=\"n\">"
          << escape(duration_change_text(change.before_ms, change.after_ms)) << "</td></tr>\n";
    out << "</table>\n";
  }
  if (diff.regressions.empty() && diff.fixes.empty() && diff.added.empty() && diff.removed.empty() &&
      diff.duration_changes.empty())
    out << "<p>No change.</p>\n";
  out << html::page_end();
}

}  // namespace midstream::reports
