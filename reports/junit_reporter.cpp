// JUnit XML: one <testsuite> per category, one <testcase> per scenario x target.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "reports/reporter.h"
#include "reports/format.h"

namespace midstream::reports {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// The Char production of XML 1.0.
bool allowed_in_xml(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

// Text as XML 1.0 character data: markup escaped, invalid UTF-8 replaced by U+FFFD, characters
// XML cannot carry dropped. In attributes, whitespace is escaped too so it survives normalisation.
std::string xml_escape(std::string_view text, bool attribute = false) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    char32_t c = 0;
    const std::size_t length = decode_utf8(text, at, c);
    if (length == 0) {
      out += kReplacement;
      ++at;
      continue;
    }
    if (!allowed_in_xml(c)) {
      at += length;
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      default: out.append(text.substr(at, length));
    }
    at += length;
  }
  return out;
}

std::string attr(std::string_view text) { return xml_escape(text, true); }

// Milliseconds as JUnit's seconds, locale-independent, three decimals.
std::string seconds(double ms) {
  const double value = std::isfinite(ms) && ms > 0 ? ms / 1000.0 : 0.0;
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, 3);
  if (error != std::errc()) return "0.000";
  return std::string(buffer, end);
}

// "id (SEVERITY): expected ... ; actual ..." for each failed check, one per line.
std::string failed_checks(const ScenarioResult& result) {
  std::string lines;
  for (const CheckResult& check : result.checks) {
    if (check.passed) continue;
    lines += check.id + " (" + to_string(check.severity) + "): expected " + check.expected + " ; actual " +
             check.actual;
    if (!check.note.empty()) lines += " ; note: " + check.note;
    lines += '\n';
  }
  return lines;
}

struct Counts {
  int tests = 0;
  int failures = 0;
  int errors = 0;
  int skipped = 0;
  double ms = 0;

  void add(const ScenarioResult& result) {
    ++tests;
    failures += result.verdict == Verdict::Fail;
    errors += result.verdict == Verdict::Error;
    skipped += result.verdict == Verdict::Unsupported;
    ms += result.duration_ms;
  }
};

std::string count_attributes(const Counts& counts, double ms) {
  return " tests=\"" + std::to_string(counts.tests) + "\" failures=\"" + std::to_string(counts.failures) +
         "\" errors=\"" + std::to_string(counts.errors) + "\" skipped=\"" + std::to_string(counts.skipped) +
         "\" time=\"" + seconds(ms) + "\"";
}

void write_testcase(const ScenarioResult& result, std::ostream& out) {
  out << "    <testcase classname=\"" << attr("midstream." + result.category) << "\" name=\""
      << attr(result.scenario + " " + result.title + " [" + result.target + "]") << "\" time=\""
      << seconds(result.duration_ms) << "\"";
  const std::string failed = failed_checks(result);
  switch (result.verdict) {
    case Verdict::Pass:
      out << "/>\n";
      return;
    case Verdict::Fail:
      out << ">\n      <failure message=\"" << attr(result.reason) << "\" type=\"FAIL\">" << xml_escape(failed)
          << "</failure>\n";
      break;
    case Verdict::Error:
      out << ">\n      <error message=\"" << attr(result.reason) << "\" type=\"ERROR\">" << xml_escape(failed)
          << "</error>\n";
      break;
    case Verdict::Unsupported:
      out << ">\n      <skipped message=\"" << attr(result.reason) << "\"/>\n";
      break;
    case Verdict::NonStrict:
    case Verdict::Safe:
      // Passing grades that still deserve a look: say which, and what fell short.
      out << ">\n      <system-out>"
          << xml_escape(std::string(to_string(result.verdict)) + ": " + result.reason + "\n" + failed)
          << "</system-out>\n";
      break;
  }
  out << "    </testcase>\n";
}

}  // namespace

void JunitReporter::finish(const RunResults& results) {
  std::ostream& out = out_;
  std::map<std::string, std::vector<const ScenarioResult*>> suites;  // sorted by category
  Counts total;
  for (const ScenarioResult& result : results.results) {
    suites[result.category].push_back(&result);
    total.add(result);
  }

  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"midstream\"" << count_attributes(total, results.wall_ms > 0 ? results.wall_ms : total.ms) << ">\n";
  for (const auto& [category, members] : suites) {
    Counts counts;
    for (const ScenarioResult* result : members) counts.add(*result);
    out << "  <testsuite name=\"" << attr(category) << "\"" << count_attributes(counts, counts.ms);
    if (!results.started_at.empty()) out << " timestamp=\"" << attr(results.started_at) << "\"";
    out << ">\n";
    for (const ScenarioResult* result : members) write_testcase(*result, out);
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace midstream::reports
