#include "reports/results.h"

#include <array>

namespace midstream::reports {
namespace {

constexpr std::array<Verdict, 6> kVerdicts = {Verdict::Pass, Verdict::NonStrict,   Verdict::Safe,
                                              Verdict::Unsupported, Verdict::Fail, Verdict::Error};
constexpr std::array<Severity, 2> kSeverities = {Severity::Must, Severity::Should};

}  // namespace

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass: return "PASS";
    case Verdict::NonStrict: return "NON-STRICT";
    case Verdict::Safe: return "SAFE";
    case Verdict::Unsupported: return "UNSUPPORTED";
    case Verdict::Fail: return "FAIL";
    case Verdict::Error: return "ERROR";
  }
  return "ERROR";  // unreachable for valid enum values
}

std::optional<Verdict> verdict_from_string(const std::string& text) {
  for (Verdict verdict : kVerdicts) {
    if (text == to_string(verdict)) return verdict;
  }
  return std::nullopt;
}

const char* to_string(Severity severity) {
  switch (severity) {
    case Severity::Must: return "MUST";
    case Severity::Should: return "SHOULD";
  }
  return "MUST";  // unreachable for valid enum values
}

std::optional<Severity> severity_from_string(const std::string& text) {
  for (Severity severity : kSeverities) {
    if (text == to_string(severity)) return severity;
  }
  return std::nullopt;
}

std::map<std::string, int> RunResults::summary() const {
  std::map<std::string, int> counts;
  for (Verdict verdict : kVerdicts) counts[to_string(verdict)] = 0;
  for (const ScenarioResult& result : results) ++counts[to_string(result.verdict)];
  return counts;
}

bool RunResults::ok() const {
  for (const ScenarioResult& result : results) {
    if (result.verdict == Verdict::Fail || result.verdict == Verdict::Error) return false;
  }
  return true;
}

}  // namespace midstream::reports
