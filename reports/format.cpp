// Formatting shared by the Markdown, HTML and diff reports.
#include "reports/format.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <utility>

namespace midstream::reports {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  if (error != std::errc()) return "?";
  return std::string(buffer, end);
}

// Splits "2.10.1" into its components.
std::vector<std::string_view> components(std::string_view id) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = id.find('.', start);
    out.push_back(id.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.size() < 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

const char* verdict_glyph(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass: return "\u2705";                 // ✅
    case Verdict::NonStrict: return "\U0001F7E1";        // 🟡
    case Verdict::Safe: return "\U0001F6E1\uFE0F";       // 🛡️
    case Verdict::Unsupported: return "\u2B1C";          // ⬜
    case Verdict::Fail: return "\u274C";                 // ❌
    case Verdict::Error: return "\U0001F4A5";            // 💥
  }
  return "?";
}

const char* verdict_slug(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass: return "pass";
    case Verdict::NonStrict: return "non-strict";
    case Verdict::Safe: return "safe";
    case Verdict::Unsupported: return "unsupported";
    case Verdict::Fail: return "fail";
    case Verdict::Error: return "error";
  }
  return "error";
}

const char* verdict_meaning(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass: return "every check held";
    case Verdict::NonStrict: return "only SHOULD checks failed";
    case Verdict::Safe: return "not rescued, but a clean bounded error and every MUST that applies held";
    case Verdict::Unsupported: return "the target lacks the front or dialect";
    case Verdict::Fail: return "a MUST check failed, a hang, or a truncated answer presented as success";
    case Verdict::Error: return "the harness or the planned fault did not work: the case tested nothing";
  }
  return "";
}

std::size_t decode_utf8(std::string_view text, std::size_t at, char32_t& code_point) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = 0;
  char32_t value = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    value = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    value = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    value = lead & 0x07u;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[at + i]);
    if ((next & 0xC0u) != 0x80u) return 0;
    value = (value << 6) | (next & 0x3Fu);
  }
  const bool overlong = (length == 3 && value < 0x800) || (length == 4 && value < 0x10000);
  const bool surrogate = value >= 0xD800 && value <= 0xDFFF;
  if (overlong || surrogate || value > 0x10FFFF) return 0;
  code_point = value;
  return length;
}

std::string printable(std::string_view text) {
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
    if (c == '\t' || c == '\n') {
      out += static_cast<char>(c);
    } else if (c == '\r') {
      // A lone CR would move the cursor in a terminal; CRLF stays readable as a line end.
      if (at + 1 < text.size() && text[at + 1] == '\n') out += "\r";
      else append_utf8(out, 0x240D);
    } else if (c < 0x20) {
      append_utf8(out, 0x2400 + c);  // ␀ ␁ ... ␟
    } else if (c == 0x7F) {
      append_utf8(out, 0x2421);  // ␡
    } else if (c >= 0x80 && c < 0xA0) {
      out += kReplacement;  // C1 controls
    } else {
      out.append(text.substr(at, length));
    }
    at += length;
  }
  return out;
}

std::string one_line(std::string_view text, std::size_t max_chars) {
  const std::string clean = printable(text);
  std::string out;
  std::size_t chars = 0;
  bool cut = false;
  for (std::size_t at = 0; at < clean.size();) {
    char32_t c = 0;
    const std::size_t length = decode_utf8(clean, at, c);  // clean is valid UTF-8
    if (chars == max_chars) {
      cut = true;
      break;
    }
    if (c == '\n' || c == '\t' || c == '\r') {
      if (out.empty() || out.back() != ' ') out += ' ';
    } else {
      out.append(clean, at, length);
    }
    ++chars;
    at += length;
  }
  if (cut) out += "\u2026";
  return out;
}

std::string markdown_inline(std::string_view text, std::size_t max_chars) {
  const std::string line = one_line(text, max_chars);
  std::string out;
  out.reserve(line.size());
  const auto word = [&](std::size_t at) {
    return at < line.size() && (std::isalnum(static_cast<unsigned char>(line[at])) != 0);
  };
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    // An underscore inside a word (snake_case) starts no emphasis in GFM; left bare it reads better.
    if (c == '_' && i > 0 && word(i - 1) && word(i + 1)) {
      out += c;
      continue;
    }
    switch (c) {
      case '\\': case '`': case '<': case '>': case '&': case '*': case '_':
      case '[': case ']': case '|': case '~': case '#': case '!':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

std::string format_ms(double ms) {
  if (!std::isfinite(ms) || ms < 0) return "? ms";
  if (ms < 1) return fixed(ms, 1) + " ms";
  if (ms < 10000) return fixed(std::round(ms), 0) + " ms";
  return fixed(ms / 1000.0, 2) + " s";
}

std::string format_factor(double factor) { return fixed(factor, 1); }

std::string describe_target(const TargetInfo& info) {
  std::string text = info.name + ": " + info.description;
  if (!info.defects.empty()) {
    text += " with defect";
    for (const auto& defect : info.defects) text += " " + defect;
  }
  return text;
}

std::string format_time_ms(double ms) {
  if (!std::isfinite(ms)) return "? ms";
  return fixed(ms, std::abs(ms) < 1000 ? 1 : 0) + " ms";
}

std::string attempt_summary(const ScenarioResult& result) {
  const std::size_t count = result.attempts.size();
  std::string out = count == 0   ? std::string("no upstream request")
                    : count == 1 ? std::string("1 attempt")
                                 : std::to_string(count) + " attempts";
  std::map<std::string, int> per_provider;
  bool continued = false;
  for (const AttemptRecord& attempt : result.attempts) {
    ++per_provider[attempt.provider];
    continued = continued || attempt.continuation;
  }
  std::vector<std::string> how;
  if (std::any_of(per_provider.begin(), per_provider.end(), [](const auto& p) { return p.second > 1; }))
    how.push_back("retry");
  if (per_provider.size() > 1) how.push_back("fallback");
  if (continued) how.push_back("continued");
  if (!how.empty()) {
    out += " \u00B7 ";
    for (std::size_t i = 0; i < how.size(); ++i) out += (i ? ", " : "") + how[i];
  }
  return out + " \u00B7 " + format_ms(result.duration_ms);
}

std::string category_label(const ScenarioResult& result) {
  if (result.category.find(' ') != std::string::npos) return result.category;  // already named
  std::string_view file = result.file;
  const std::size_t slash = file.rfind('/');
  if (slash == std::string_view::npos) return result.category;
  const std::string_view folder_path = file.substr(0, slash);
  const std::string_view folder = folder_path.substr(folder_path.rfind('/') + 1);  // npos + 1 == 0
  const std::string prefix = result.category + "-";
  if (result.category.empty() || folder.size() <= prefix.size() || folder.substr(0, prefix.size()) != prefix)
    return result.category;
  return result.category + " \u00B7 " + std::string(folder.substr(prefix.size()));
}

bool id_less(const std::string& a, const std::string& b) {
  const auto left = components(a);
  const auto right = components(b);
  for (std::size_t i = 0; i < left.size() && i < right.size(); ++i) {
    if (left[i] == right[i]) continue;
    if (all_digits(left[i]) && all_digits(right[i])) {
      // Same digits without leading zeros compare by length first, then lexicographically.
      const auto trim = [](std::string_view s) {
        const std::size_t first = s.find_first_not_of('0');
        return first == std::string_view::npos ? std::string_view("0") : s.substr(first);
      };
      const std::string_view l = trim(left[i]);
      const std::string_view r = trim(right[i]);
      if (l.size() != r.size()) return l.size() < r.size();
      if (l != r) return l < r;
      return left[i] < right[i];
    }
    return left[i] < right[i];
  }
  if (left.size() != right.size()) return left.size() < right.size();
  return false;
}

std::vector<std::string> target_columns(const RunResults& results) {
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (const TargetInfo& target : results.targets)
    if (seen.insert(target.name).second) columns.push_back(target.name);
  for (const ScenarioResult& result : results.results)
    if (seen.insert(result.target).second) columns.push_back(result.target);
  return columns;
}

Matrix build_matrix(const RunResults& results) {
  Matrix matrix;
  matrix.targets = target_columns(results);
  std::map<std::string, std::size_t> column;
  for (std::size_t i = 0; i < matrix.targets.size(); ++i) column[matrix.targets[i]] = i;
  matrix.totals.assign(matrix.targets.size(), std::vector<int>(std::size(kAllVerdicts), 0));

  // category -> scenario -> row, built in input order and sorted afterwards.
  std::map<std::string, std::size_t> category_index;
  std::vector<std::map<std::string, std::size_t>> row_index;
  for (const ScenarioResult& result : results.results) {
    auto [category_at, new_category] = category_index.try_emplace(result.category, matrix.categories.size());
    if (new_category) {
      matrix.categories.push_back({result.category, category_label(result), {}});
      row_index.emplace_back();
    }
    MatrixCategory& category = matrix.categories[category_at->second];
    auto [row_at, new_row] = row_index[category_at->second].try_emplace(result.scenario, category.rows.size());
    if (new_row) {
      category.rows.push_back({result.scenario, result.title, result.front, result.upstreams,
                               std::vector<const ScenarioResult*>(matrix.targets.size(), nullptr)});
    }
    const std::size_t col = column.at(result.target);
    const ScenarioResult*& cell = category.rows[row_at->second].cells[col];
    if (cell != nullptr) continue;  // a duplicate: the first one is shown
    cell = &result;
    ++matrix.totals[col][static_cast<std::size_t>(result.verdict)];
  }
  std::sort(matrix.categories.begin(), matrix.categories.end(),
            [](const MatrixCategory& a, const MatrixCategory& b) { return id_less(a.key, b.key); });
  for (MatrixCategory& category : matrix.categories) {
    std::sort(category.rows.begin(), category.rows.end(),
              [](const MatrixRow& a, const MatrixRow& b) { return id_less(a.scenario, b.scenario); });
  }
  return matrix;
}

}  // namespace midstream::reports
