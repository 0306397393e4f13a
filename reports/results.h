#pragma once
// The data a run produces: plain values, filled by the harness and only formatted by reporters.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace midstream::reports {

// Autobahn's verdicts plus ERROR. Ordered from best to worst for "worse than" comparisons.
enum class Verdict { Pass, NonStrict, Safe, Unsupported, Fail, Error };
const char* to_string(Verdict verdict);  // "PASS", "NON-STRICT", "SAFE", "UNSUPPORTED", "FAIL", "ERROR"
std::optional<Verdict> verdict_from_string(const std::string& text);

enum class Severity { Must, Should };
const char* to_string(Severity severity);  // "MUST", "SHOULD"
std::optional<Severity> severity_from_string(const std::string& text);

struct CheckResult {
  std::string id;          // e.g. "text.exact"
  Severity severity = Severity::Must;
  bool passed = false;
  std::string expected;    // human-readable
  std::string actual;
  std::string note;        // optional one line on why it matters or what was looked at

  bool operator==(const CheckResult&) const = default;
};

struct AttemptRecord {
  std::string provider;    // the fake's name in the scenario
  std::string dialect;     // "openai-chat", ...
  int index = 0;           // 1-based request number at that provider
  std::string outcome;     // how the fake's side ended: "completed", "fault", "peer_closed", ...
  std::string fault;       // "after_deltas:3 reset", "" when none planned
  bool fault_fired = false;
  bool continuation = false;        // the fake recognised a continuation request
  std::string continuation_partial; // the partial text it carried
  double started_ms = 0;   // relative to the scenario start
  double ended_ms = 0;
  std::string request_body;   // as the fake received it (secrets redacted)
  std::string response_bytes; // what the fake wrote (for wire views), may be truncated

  bool operator==(const AttemptRecord&) const = default;
};

struct ClientRecord {
  int status = 0;
  std::string text;         // concatenated text deltas (or the message content)
  std::optional<int64_t> usage_input;
  std::optional<int64_t> usage_output;
  int event_count = 0;
  std::string end;          // how the response ended on the socket ("complete", "eof_early", ...)
  std::string body;         // the raw (de-chunked) response body, possibly truncated
  std::vector<double> event_ms;  // arrival time of each event, relative to the scenario start

  bool operator==(const ClientRecord&) const = default;
};

struct ScenarioResult {
  std::string scenario;     // id, e.g. "2.3.1"
  std::string title;
  std::string category;     // first component of the id, with its name if known
  std::string requirement;
  std::vector<std::string> refs;
  std::string file;
  std::string target;
  std::string front;        // "chat" | "responses"
  bool stream = true;
  std::vector<std::string> upstreams;  // dialects involved
  Verdict verdict = Verdict::Error;
  std::string reason;       // one line: why this verdict
  double duration_ms = 0;
  std::vector<CheckResult> checks;
  std::vector<AttemptRecord> attempts;
  ClientRecord client;

  bool operator==(const ScenarioResult&) const = default;
};

struct TargetInfo {
  std::string name;         // "embedded", "process", "portkey", "url"
  std::string description;  // e.g. "reference router (in-process)"
  std::vector<std::string> defects;  // defect switches turned on, if any

  bool operator==(const TargetInfo&) const = default;
};

struct RunResults {
  std::string tool_version;
  std::string started_at;   // ISO 8601 UTC
  double wall_ms = 0;
  uint64_t seed = 0;
  // The time dilation the run used (harness/time_scale.h): 1 on an idle machine without a
  // sanitizer; every timeout and time bound of the scenarios was multiplied by it.
  double time_scale = 1.0;
  std::string time_scale_source;  // "measured: CPU share 0.41, sanitizer x2.00", "--time-scale", ...
  std::vector<TargetInfo> targets;
  std::vector<ScenarioResult> results;

  std::map<std::string, int> summary() const;  // verdict name -> count (all verdicts present)
  bool ok() const;  // nothing FAIL or ERROR

  bool operator==(const RunResults&) const = default;  // field by field, for round trips and diffs
};

}  // namespace midstream::reports
