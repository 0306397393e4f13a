#pragma once
// Formatting shared by the human-facing reports (Markdown, HTML, diff): the scenario x target
// matrix, verdict glyphs, durations, attempt summaries and safe text. Pure functions over RunResults.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "reports/results.h"

namespace midstream::reports {

inline constexpr Verdict kAllVerdicts[] = {Verdict::Pass, Verdict::NonStrict,   Verdict::Safe,
                                           Verdict::Unsupported, Verdict::Fail, Verdict::Error};

const char* verdict_glyph(Verdict verdict);    // "✅", "🟡", "🛡️", "⏭️", "❌", "💥"
const char* verdict_slug(Verdict verdict);     // "pass", "non-strict", ... (CSS classes, filters)
const char* verdict_meaning(Verdict verdict);  // one line for legends

// Decodes one UTF-8 sequence at text[at]: its length, or 0 when the bytes there are not valid
// UTF-8 (truncated, overlong, surrogate, beyond U+10FFFF).
std::size_t decode_utf8(std::string_view text, std::size_t at, char32_t& code_point);
// Text safe to print anywhere: invalid UTF-8 becomes U+FFFD, C0 controls (but tab and newline)
// and DEL become their visible pictures (U+2400...), so wire bytes cannot break a page.
std::string printable(std::string_view text);
// printable() on one line: newlines and tabs become spaces, cut to max_chars code points with "…".
std::string one_line(std::string_view text, std::size_t max_chars);

// GitHub-flavoured Markdown inline text: one_line(), with nothing that could start markup, a
// link, an HTML tag or a new table cell (ASCII punctuation that could is backslash-escaped).
std::string markdown_inline(std::string_view text, std::size_t max_chars);

// "0.4 ms", "41 ms", "12.50 s": a duration as a person reads it.
std::string format_ms(double ms);
// "2.5", "1.3": a time-scale factor, one decimal.
std::string format_factor(double factor);
// "0.9 ms", "12.5 ms", "2041 ms": a point in time since the scenario started.
std::string format_time_ms(double ms);
// "3 attempts · retry, fallback · 41 ms": how the router got there.
std::string attempt_summary(const ScenarioResult& result);
// "3 · mid-stream" when the scenario's folder names the category, else the category as stored.
std::string category_label(const ScenarioResult& result);
// Orders "2.10.1" after "2.9.3": numeric where both components are numbers.
bool id_less(const std::string& a, const std::string& b);

// "embedded: reference router (in-process)", "... with defect resend-partial": a target in one line.
std::string describe_target(const TargetInfo& info);

// The report's columns: the names in RunResults::targets in order, then any other target a
// result names, in order of first appearance.
std::vector<std::string> target_columns(const RunResults& results);

// Scenarios as rows (grouped by category, in id order) and targets as columns.
struct MatrixRow {
  std::string scenario;
  std::string title;
  std::string front;
  std::vector<std::string> upstreams;
  std::vector<const ScenarioResult*> cells;  // one per column; nullptr where not run
};
struct MatrixCategory {
  std::string key;    // ScenarioResult::category
  std::string label;  // category_label()
  std::vector<MatrixRow> rows;
};
struct Matrix {
  std::vector<std::string> targets;
  std::vector<MatrixCategory> categories;
  // Verdict counts per column, indexed like kAllVerdicts.
  std::vector<std::vector<int>> totals;
};
// The first result wins where one scenario x target appears twice.
Matrix build_matrix(const RunResults& results);

}  // namespace midstream::reports
