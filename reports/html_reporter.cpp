// The static HTML report: index.html (the matrix) and one page per scenario x target under cases/.
#include <algorithm>
#include <iterator>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "reports/format.h"
#include "reports/html.h"
#include "reports/reporter.h"
#include "reports/timeline.h"

namespace midstream::reports {
namespace {

using html::escape;

constexpr const char* kIndexCss = R"css(
.summary td.n{text-align:right;font-variant-numeric:tabular-nums;min-width:60px}
#filters{margin:16px 0 8px;padding:8px 12px;background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;display:flex;gap:18px;align-items:center;flex-wrap:wrap}
#filters[hidden]{display:none}
#filters label{font-weight:600}
#filters select,#filters input{margin-left:6px;font:inherit}
#shown{color:#57606a;margin-left:auto}
table.matrix{width:100%}
.matrix thead th{position:sticky;top:0;z-index:1;border-bottom:2px solid #8c959f}
.matrix tr.category-row th{background:#eef1f4;font-size:15px;padding:10px 8px 6px}
.matrix tr.category-row .meta{font-weight:400;font-size:13px;margin-left:8px}
.matrix td.id{white-space:nowrap}
.matrix td.dialects{font-size:12px;color:#57606a}
.matrix td.cell{padding:0;min-width:230px}
.matrix td.cell a{display:block;padding:4px 8px;color:#1f2328;text-decoration:none}
.matrix td.cell a:hover{filter:brightness(.95);text-decoration:underline}
.matrix td.cell .v{font-weight:700;font-size:12px;margin-right:6px}
.matrix td.cell .s{font-size:12px;color:#424a53;white-space:nowrap}
.matrix td.missing{text-align:center;color:#8c959f}
.legend li{margin:2px 0}
)css";

constexpr const char* kCaseCss = R"css(
nav{margin-bottom:10px}
.reason{font-size:15px;margin:8px 0}
blockquote{margin:6px 0;padding:6px 12px;border-left:4px solid #8c959f;background:#f6f8fa;font-size:15px}
table.checks{width:100%}
.checks td.result{white-space:nowrap;font-weight:700}
.checks tr.passed td.result{color:#1a7f37}
.checks tr.failed td{background:#ffebe9}
.checks tr.failed td.result{color:#cf222e;border-left:4px solid #cf222e}
.checks td.expected,.checks td.actual{max-width:520px;overflow-wrap:anywhere}
.legs{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:18px}
.leg h3{margin-top:0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 10px;margin-bottom:12px}
.card.fired{border-left:5px solid #cf222e}
.card.continuation{border-left:5px solid #0969da}
.card.completed{border-left:5px solid #2da44e}
.card h4{margin:0 0 4px;font-size:14px}
.card p{margin:2px 0}
details summary{cursor:pointer;color:#57606a;margin-top:6px}
mark.fault{background:#cf222e;color:#fff;padding:1px 5px;border-radius:3px;font-weight:600}
mark.seam{background:#0969da;color:#fff;padding:0 3px;border-radius:3px;margin:0 1px}
svg.timeline{width:100%;height:auto;border:1px solid #d0d7de;border-radius:6px;background:#fff}
.key span{margin-right:16px;font-size:12px;color:#424a53}
.key i{display:inline-block;width:14px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
)css";

// Filters the matrix rows by verdict, front, upstream dialect and text; hides emptied categories.
constexpr const char* kFilterScript = R"js(
(function () {
  var form = document.getElementById('filters'), rows = document.querySelectorAll('tr.scenario');
  form.hidden = false;
  function has(list, value) { return list.split(' ').indexOf(value) >= 0; }
  function apply() {
    var v = form.verdict.value, f = form.front.value, d = form.dialect.value, q = form.q.value.trim().toLowerCase(), shown = 0;
    rows.forEach(function (row) {
      var verdicts = row.getAttribute('data-verdicts');
      var ok = (!v || (v === 'not-pass' ? verdicts.split(' ').some(function (x) { return x && x !== 'pass'; }) : has(verdicts, v))) &&
               (!f || row.getAttribute('data-front') === f) && (!d || has(row.getAttribute('data-dialects'), d)) &&
               (!q || row.textContent.toLowerCase().indexOf(q) >= 0);
      row.hidden = !ok;
      if (ok) shown++;
    });
    document.querySelectorAll('tbody.category').forEach(function (body) { body.hidden = !body.querySelector('tr.scenario:not([hidden])'); });
    document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' scenarios shown';
  }
  form.addEventListener('input', apply);
  form.addEventListener('submit', function (event) { event.preventDefault(); });
  apply();
})();
)js";

std::string slug(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '-' || c == '_';
    out += keep ? c : '_';
  }
  if (out.size() > 80) out.resize(80);
  return out.empty() ? "case" : out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

const TargetInfo* find_target(const RunResults& results, const std::string& name) {
  for (const TargetInfo& target : results.targets)
    if (target.name == name) return &target;
  return nullptr;
}

std::string target_text(const RunResults& results, const std::string& name) {
  std::string text = "<b>" + escape(name) + "</b>";
  if (const TargetInfo* info = find_target(results, name)) {
    if (!info->description.empty()) text += " (" + escape(info->description) + ")";
    if (!info->defects.empty()) text += ", defects: <code>" + escape(join(info->defects, ", ")) + "</code>";
  }
  return text;
}

std::string run_meta(const RunResults& results) {
  std::string meta = "midstream " + escape(results.tool_version.empty() ? MIDSTREAM_VERSION : results.tool_version);
  if (!results.started_at.empty()) meta += " \u00B7 started " + escape(results.started_at);
  meta += " \u00B7 seed " + std::to_string(results.seed);
  if (results.wall_ms > 0) meta += " \u00B7 wall time " + format_ms(results.wall_ms);
  if (results.time_scale != 1.0) meta += " \u00B7 time scale x" + format_factor(results.time_scale);
  return meta;
}

std::string chips(const std::vector<int>& counts) {
  std::string out;
  for (std::size_t v = 0; v < std::size(kAllVerdicts); ++v) {
    if (counts[v] == 0) continue;
    out += std::string("<span class=\"chip ") + verdict_slug(kAllVerdicts[v]) + "\">" + to_string(kAllVerdicts[v]) +
           " " + std::to_string(counts[v]) + "</span>";
  }
  return out.empty() ? "<span class=\"meta\">none</span>" : out;
}

std::string legend_list() {
  std::string out = "<ul class=\"legend\">\n";
  for (Verdict verdict : kAllVerdicts)
    out += "<li>" + html::verdict_badge(verdict) + " " + escape(verdict_meaning(verdict)) + "</li>\n";
  out += "</ul>\n";
  return out;
}

// ---- index.html ----

// Totals per target: a row each, a column per verdict.
void write_totals(const RunResults& results, const Matrix& matrix, std::ostream& out) {
  out << "<h2>Totals</h2>\n<table class=\"summary\">\n<tr><th>target</th>";
  for (Verdict verdict : kAllVerdicts) out << "<th>" << html::verdict_badge(verdict) << "</th>";
  out << "<th>total</th></tr>\n";
  for (std::size_t col = 0; col < matrix.targets.size(); ++col) {
    out << "<tr><td>" << target_text(results, matrix.targets[col]) << "</td>";
    int total = 0;
    for (std::size_t v = 0; v < std::size(kAllVerdicts); ++v) {
      const int count = matrix.totals[col][v];
      total += count;
      out << "<td class=\"n" << (count ? std::string(" v-") + verdict_slug(kAllVerdicts[v]) : "") << "\">" << count
          << "</td>";
    }
    out << "<td class=\"n\"><b>" << total << "</b></td></tr>\n";
  }
  out << "</table>\n";
}

// The filter (shown by the script; without scripts the whole matrix shows).
void write_filters(const std::set<std::string>& fronts, const std::set<std::string>& dialects, std::ostream& out) {
  out << "<form id=\"filters\" hidden>\n<label>verdict<select name=\"verdict\"><option value=\"\">any</option>"
         "<option value=\"not-pass\">not PASS</option>";
  for (Verdict verdict : kAllVerdicts)
    out << "<option value=\"" << verdict_slug(verdict) << "\">" << to_string(verdict) << "</option>";
  out << "</select></label>\n<label>front<select name=\"front\"><option value=\"\">any</option>";
  for (const std::string& front : fronts) out << "<option value=\"" << escape(front) << "\">" << escape(front) << "</option>";
  out << "</select></label>\n<label>dialect<select name=\"dialect\"><option value=\"\">any</option>";
  for (const std::string& dialect : dialects)
    out << "<option value=\"" << escape(dialect) << "\">" << escape(dialect) << "</option>";
  out << "</select></label>\n<label>search<input name=\"q\" type=\"search\" placeholder=\"id, title, text\"></label>\n"
         "<span id=\"shown\"></span>\n</form>\n";
}

// One scenario's row of the matrix: a cell per target linking to its case page.
void write_matrix_row(const MatrixRow& row, const std::map<const ScenarioResult*, std::string>& pages,
                      std::ostream& out) {
  std::vector<std::string> verdicts;
  for (const ScenarioResult* result : row.cells)
    if (result) verdicts.push_back(verdict_slug(result->verdict));
  std::vector<std::string> dialect_list;
  for (const std::string& dialect : row.upstreams) dialect_list.push_back(escape(dialect));
  out << "<tr class=\"scenario\" data-verdicts=\"" << join(verdicts, " ") << "\" data-front=\"" << escape(row.front)
      << "\" data-dialects=\"" << join(dialect_list, " ") << "\">"
      << "<td class=\"id mono\">" << escape(row.scenario) << "</td><td>" << escape(row.title) << "</td><td>"
      << escape(row.front) << "</td><td class=\"dialects\">" << join(dialect_list, ", ") << "</td>";
  for (const ScenarioResult* result : row.cells) {
    if (result == nullptr) {
      out << "<td class=\"cell missing\">\u2014</td>";
      continue;
    }
    out << "<td class=\"cell v-" << verdict_slug(result->verdict) << "\"><a href=\"" << escape(pages.at(result))
        << "\" title=\"" << escape(result->reason) << "\"><span class=\"v\">" << to_string(result->verdict)
        << "</span><span class=\"s\">" << escape(attempt_summary(*result)) << "</span></a></td>";
  }
  out << "</tr>\n";
}

// The matrix: a tbody per category with its verdict chips, totals in the footer.
void write_matrix(const Matrix& matrix, const std::map<const ScenarioResult*, std::string>& pages, std::ostream& out) {
  const std::size_t columns = 4 + matrix.targets.size();
  out << "<table class=\"matrix\">\n<thead><tr><th>id</th><th>scenario</th><th>front</th><th>upstreams</th>";
  for (const std::string& target : matrix.targets) out << "<th>" << escape(target) << "</th>";
  out << "</tr></thead>\n";
  for (const MatrixCategory& category : matrix.categories) {
    std::vector<int> counts(std::size(kAllVerdicts), 0);
    for (const MatrixRow& row : category.rows)
      for (const ScenarioResult* result : row.cells)
        if (result) ++counts[static_cast<std::size_t>(result->verdict)];
    out << "<tbody class=\"category\">\n<tr class=\"category-row\"><th colspan=\"" << columns << "\">"
        << escape(category.label) << "<span class=\"meta\">" << category.rows.size()
        << (category.rows.size() == 1 ? " scenario " : " scenarios ") << "</span> " << chips(counts) << "</th></tr>\n";
    for (const MatrixRow& row : category.rows) write_matrix_row(row, pages, out);
    out << "</tbody>\n";
  }
  out << "<tfoot><tr><th colspan=\"4\">totals</th>";
  for (const auto& counts : matrix.totals) out << "<td>" << chips(counts) << "</td>";
  out << "</tr></tfoot>\n</table>\n";
}

void write_index(const RunResults& results, const Matrix& matrix, const std::map<const ScenarioResult*, std::string>& pages,
                 std::ostream& out) {
  std::size_t scenarios = 0;
  std::set<std::string> fronts, dialects;
  for (const MatrixCategory& category : matrix.categories) {
    scenarios += category.rows.size();
    for (const MatrixRow& row : category.rows) {
      fronts.insert(row.front);
      dialects.insert(row.upstreams.begin(), row.upstreams.end());
    }
  }
  out << html::page_start("midstream report", kIndexCss, kFilterScript);
  out << "<h1>midstream report</h1>\n<p class=\"meta\">" << scenarios << (scenarios == 1 ? " scenario" : " scenarios")
      << " \u00D7 " << matrix.targets.size() << (matrix.targets.size() == 1 ? " target" : " targets") << " \u00B7 "
      << run_meta(results)
      << " \u00B7 also as <a href=\"scorecard.md\">scorecard.md</a>, <a href=\"results.json\">results.json</a>, "
         "<a href=\"junit.xml\">junit.xml</a></p>\n";
  write_totals(results, matrix, out);
  write_filters(fronts, dialects, out);
  write_matrix(matrix, pages, out);
  out << "<h2>Legend</h2>\n" << legend_list()
      << "<p>A cell reads <i>attempts \u00B7 how \u00B7 duration</i>: the requests the fake providers received; "
         "<i>retry</i> when one provider got more than one, <i>fallback</i> when more than one provider was asked, "
         "<i>continued</i> when a continuation request carried the partial answer; the scenario's wall time. "
         "Each cell links to its case page: the checks, both wire legs and a timeline.</p>\n";
  out << html::script_tag(kFilterScript) << html::page_end();
}

// ---- cases/*.html ----

// The request body pretty-printed when it is JSON, else as received.
std::string request_view(const std::string& body) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_structured()) return escape(body);
  return escape(parsed.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

// The response bytes with the fault marked where it fired.
std::string response_view(const AttemptRecord& attempt) {
  std::string mark;
  if (attempt.fault_fired) {
    mark = fault_before_response(attempt)
               ? "<mark class=\"fault\">\u26A1 fault fired here, before any response byte: " + escape(attempt.fault) +
                     "</mark>"
               : "<mark class=\"fault\">\u26A1 fault fired here: " + escape(attempt.fault) + "</mark>";
  }
  if (attempt.fault_fired && fault_before_response(attempt)) return mark + "\n" + escape(attempt.response_bytes);
  return escape(attempt.response_bytes) + mark;
}

// The client's text with a mark at each seam a continuation attempt created.
std::string client_text_view(const ScenarioResult& result) {
  std::set<std::size_t> seams;
  for (const AttemptRecord& attempt : result.attempts) {
    const std::string& partial = attempt.continuation_partial;
    if (attempt.continuation && !partial.empty() && partial.size() <= result.client.text.size() &&
        result.client.text.compare(0, partial.size(), partial) == 0)
      seams.insert(partial.size());
  }
  std::string out;
  std::size_t from = 0;
  for (std::size_t at : seams) {
    out += escape(std::string_view(result.client.text).substr(from, at - from));
    out += "<mark class=\"seam\" title=\"seam: a continuation attempt took over here\">\u27C2</mark>";
    from = at;
  }
  out += escape(std::string_view(result.client.text).substr(from));
  return out;
}

std::string usage_text(const ClientRecord& client) {
  if (!client.usage_input && !client.usage_output) return "no usage";
  const auto part = [](const std::optional<int64_t>& value) { return value ? std::to_string(*value) : std::string("?"); };
  return "usage input " + part(client.usage_input) + ", output " + part(client.usage_output);
}

std::string ref_html(const std::string& ref) {
  if (ref.rfind("https://", 0) == 0 || ref.rfind("http://", 0) == 0)
    return "<a href=\"" + escape(ref) + "\" rel=\"noreferrer noopener\">" + escape(ref) + "</a>";
  return escape(ref);
}

// The page's head: navigation, verdict and title, why, what ran, the requirement and its refs.
void write_case_head(const RunResults& results, const ScenarioResult& result, const std::string& prev,
                     const std::string& next, std::ostream& out) {
  out << "<nav><a href=\"../index.html\">\u2190 all results</a>";
  if (!prev.empty()) out << " \u00B7 <a href=\"../" << escape(prev) << "\">\u2039 previous</a>";
  if (!next.empty()) out << " \u00B7 <a href=\"../" << escape(next) << "\">next \u203A</a>";
  out << "</nav>\n";
  out << "<h1>" << html::verdict_badge(result.verdict) << " <span class=\"mono\">" << escape(result.scenario)
      << "</span> " << escape(result.title) << "</h1>\n";
  out << "<p class=\"reason\">" << escape(result.reason) << "</p>\n";
  std::vector<std::string> upstreams;
  for (const std::string& upstream : result.upstreams) upstreams.push_back(escape(upstream));
  out << "<p class=\"meta\">target " << target_text(results, result.target) << " \u00B7 " << escape(category_label(result))
      << " \u00B7 front <b>" << escape(result.front) << "</b> " << (result.stream ? "streaming" : "not streaming")
      << " \u00B7 upstreams " << join(upstreams, ", ") << " \u00B7 " << escape(attempt_summary(result));
  if (!result.file.empty()) out << " \u00B7 <code>" << escape(result.file) << "</code>";
  out << "</p>\n";

  out << "<h2>Requirement</h2>\n<blockquote>" << escape(result.requirement) << "</blockquote>\n";
  if (!result.refs.empty()) {
    out << "<p>refs: ";
    for (std::size_t i = 0; i < result.refs.size(); ++i) out << (i ? ", " : "") << ref_html(result.refs[i]);
    out << "</p>\n";
  }
}

// Every check, failed rows highlighted.
void write_checks(const ScenarioResult& result, std::ostream& out) {
  const auto failed = std::count_if(result.checks.begin(), result.checks.end(), [](const CheckResult& c) { return !c.passed; });
  out << "<h2>Checks</h2>\n<p class=\"meta\">" << result.checks.size() - static_cast<std::size_t>(failed) << " of "
      << result.checks.size() << " held" << (failed ? ", failed rows are highlighted" : "") << "</p>\n";
  out << "<table class=\"checks\">\n<tr><th>result</th><th>check</th><th>severity</th><th>expected</th><th>actual</th>"
         "<th>note</th></tr>\n";
  for (const CheckResult& check : result.checks) {
    out << "<tr class=\"" << (check.passed ? "passed" : "failed") << "\"><td class=\"result\">"
        << (check.passed ? "\u2713 held" : "\u2717 failed") << "</td><td class=\"mono\">" << escape(check.id)
        << "</td><td>" << to_string(check.severity) << "</td><td class=\"expected\">" << escape(check.expected)
        << "</td><td class=\"actual\">" << escape(check.actual) << "</td><td>" << escape(check.note) << "</td></tr>\n";
  }
  out << "</table>\n";
}

void write_timeline(const ScenarioResult& result, std::ostream& out) {
  out << "<h2>Timeline</h2>\n" << timeline_svg(result);
  out << "<p class=\"key\"><span><i style=\"background:#2da44e\"></i>attempt completed</span>"
         "<span><i style=\"background:#0969da\"></i>continuation completed</span>"
         "<span><i style=\"background:#cf222e\"></i>fault fired (\u25BC where)</span>"
         "<span><i style=\"background:#8c959f\"></i>other end</span>"
         "<span>| client events as ticks</span><span><i style=\"background:#9a6700\"></i>commit point (first client "
         "event)</span><span><i style=\"background:#0969da\"></i>seam (a continuation attempt starts)</span></p>\n";
}

// The client's leg of the wire: status, end, usage, the assembled text and the raw body.
void write_client_leg(const ScenarioResult& result, std::ostream& out) {
  out << "<div class=\"leg\">\n<h3>client \u21C4 router</h3>\n";
  out << "<p>status <b>" << result.client.status << "</b> \u00B7 end <b>" << escape(result.client.end) << "</b> \u00B7 "
      << result.client.event_count << " events \u00B7 " << usage_text(result.client) << "</p>\n";
  out << "<h4>text the client assembled</h4>\n<pre>" << client_text_view(result) << "</pre>\n";
  out << "<details open><summary>response body (" << result.client.body.size() << " bytes)</summary><pre>"
      << escape(result.client.body) << "</pre></details>\n</div>\n";
}

// One attempt at a fake provider as a card: how it ended, its fault, both bodies.
void write_attempt_card(const AttemptRecord& attempt, std::ostream& out) {
  const char* state = attempt.fault_fired               ? "fired"
                      : attempt.continuation            ? "continuation"
                      : attempt.outcome == "completed"  ? "completed"
                                                        : "other";
  out << "<div class=\"card " << state << "\">\n<h4>" << escape(attempt.provider) << " #" << attempt.index
      << " <span class=\"meta\">" << escape(attempt.dialect) << " \u00B7 " << escape(attempt.outcome) << " \u00B7 "
      << format_time_ms(attempt.started_ms) << " \u2192 " << format_time_ms(attempt.ended_ms) << "</span></h4>\n";
  if (!attempt.fault.empty())
    out << "<p>fault <code>" << escape(attempt.fault) << "</code> "
        << (attempt.fault_fired ? "<b>fired</b>" : "planned, <b>did not fire</b>") << "</p>\n";
  if (attempt.continuation)
    out << "<p>continuation request carrying the partial <code>" << escape(attempt.continuation_partial)
        << "</code></p>\n";
  out << "<details><summary>request body (" << attempt.request_body.size() << " bytes)</summary><pre>"
      << request_view(attempt.request_body) << "</pre></details>\n";
  out << "<details open><summary>response bytes (" << attempt.response_bytes.size() << " bytes)</summary><pre>"
      << response_view(attempt) << "</pre></details>\n</div>\n";
}

// The providers' leg of the wire: every attempt in the order it started.
void write_provider_leg(const ScenarioResult& result, std::ostream& out) {
  out << "<div class=\"leg\">\n<h3>router \u21C4 providers</h3>\n";
  if (result.attempts.empty()) out << "<p class=\"meta\">no upstream request reached a fake provider</p>\n";
  std::vector<const AttemptRecord*> attempts;
  for (const AttemptRecord& attempt : result.attempts) attempts.push_back(&attempt);
  std::stable_sort(attempts.begin(), attempts.end(),
                   [](const AttemptRecord* a, const AttemptRecord* b) { return a->started_ms < b->started_ms; });
  for (const AttemptRecord* attempt : attempts) write_attempt_card(*attempt, out);
  out << "</div>\n";
}

void write_case(const RunResults& results, const ScenarioResult& result, const std::string& prev,
                const std::string& next, std::ostream& out) {
  out << html::page_start(result.scenario + " " + std::string(to_string(result.verdict)) + " on " + result.target +
                              ": " + result.title,
                          kCaseCss, "");
  write_case_head(results, result, prev, next, out);
  write_checks(result, out);
  write_timeline(result, out);
  out << "<h2>Wire</h2>\n<div class=\"legs\">\n";
  write_client_leg(result, out);
  write_provider_leg(result, out);
  out << "</div>\n";
  out << "<h2>Legend</h2>\n" << legend_list() << html::page_end();
}

}  // namespace

std::vector<std::string> HtmlReporter::case_pages(const RunResults& results) {
  std::vector<std::string> pages;
  std::set<std::string> used;
  for (const ScenarioResult& result : results.results) {
    const std::string base = "cases/" + slug(result.scenario) + "-" + slug(result.target);
    std::string page = base + ".html";
    for (int n = 2; !used.insert(page).second; ++n) page = base + "-" + std::to_string(n) + ".html";
    pages.push_back(page);
  }
  return pages;
}

void HtmlReporter::finish(const RunResults& results) {
  ReportSink& sink = sink_;
  const Matrix matrix = build_matrix(results);
  const std::vector<std::string> names = case_pages(results);
  std::map<const ScenarioResult*, std::string> pages;
  for (std::size_t i = 0; i < results.results.size(); ++i) pages[&results.results[i]] = names[i];

  write_index(results, matrix, pages, sink.open(kFileName));

  // Case pages in matrix order, so previous / next walk the report like the index does.
  std::vector<const ScenarioResult*> order;
  for (const MatrixCategory& category : matrix.categories)
    for (const MatrixRow& row : category.rows)
      for (const ScenarioResult* result : row.cells)
        if (result) order.push_back(result);
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::string prev = i > 0 ? pages.at(order[i - 1]) : "";
    const std::string next = i + 1 < order.size() ? pages.at(order[i + 1]) : "";
    write_case(results, *order[i], prev, next, sink.open(pages.at(order[i])));
  }
}

}  // namespace midstream::reports
