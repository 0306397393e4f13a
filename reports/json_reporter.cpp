// results.json (schema midstream.report.v1): writing it, and reading it back for report and diff.
#include <cstdint>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "reports/reporter.h"

namespace midstream::reports {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr Verdict kVerdictOrder[] = {Verdict::Pass, Verdict::NonStrict,   Verdict::Safe,
                                     Verdict::Unsupported, Verdict::Fail, Verdict::Error};

// ---- Writing: ordered_json keeps the keys in the documented order. ----

ordered_json target_json(const TargetInfo& target) {
  ordered_json out;
  out["name"] = target.name;
  out["description"] = target.description;
  out["defects"] = target.defects;
  return out;
}

ordered_json check_json(const CheckResult& check) {
  ordered_json out;
  out["id"] = check.id;
  out["severity"] = to_string(check.severity);
  out["passed"] = check.passed;
  out["expected"] = check.expected;
  out["actual"] = check.actual;
  out["note"] = check.note;
  return out;
}

ordered_json attempt_json(const AttemptRecord& attempt) {
  ordered_json out;
  out["provider"] = attempt.provider;
  out["dialect"] = attempt.dialect;
  out["index"] = attempt.index;
  out["outcome"] = attempt.outcome;
  out["fault"] = attempt.fault;
  out["fault_fired"] = attempt.fault_fired;
  out["continuation"] = attempt.continuation;
  out["continuation_partial"] = attempt.continuation_partial;
  out["started_ms"] = attempt.started_ms;
  out["ended_ms"] = attempt.ended_ms;
  out["request_body"] = attempt.request_body;
  out["response_bytes"] = attempt.response_bytes;
  return out;
}

ordered_json optional_json(const std::optional<int64_t>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

// null when the client saw no usage at all; total only when both halves are known.
ordered_json usage_json(const ClientRecord& client) {
  if (!client.usage_input && !client.usage_output) return nullptr;
  ordered_json out;
  out["input_tokens"] = optional_json(client.usage_input);
  out["output_tokens"] = optional_json(client.usage_output);
  out["total_tokens"] = client.usage_input && client.usage_output
                            ? ordered_json(*client.usage_input + *client.usage_output)
                            : ordered_json(nullptr);
  return out;
}

ordered_json client_json(const ClientRecord& client) {
  ordered_json out;
  out["status"] = client.status;
  out["text"] = client.text;
  out["usage"] = usage_json(client);
  out["event_count"] = client.event_count;
  out["end"] = client.end;
  out["body"] = client.body;
  out["event_ms"] = client.event_ms;
  return out;
}

ordered_json result_json(const ScenarioResult& result) {
  ordered_json out;
  out["scenario"] = result.scenario;
  out["title"] = result.title;
  out["category"] = result.category;
  out["requirement"] = result.requirement;
  out["refs"] = result.refs;
  out["file"] = result.file;
  out["target"] = result.target;
  out["front"] = result.front;
  out["stream"] = result.stream;
  out["upstreams"] = result.upstreams;
  out["verdict"] = to_string(result.verdict);
  out["reason"] = result.reason;
  out["duration_ms"] = result.duration_ms;
  out["checks"] = ordered_json::array();
  for (const CheckResult& check : result.checks) out["checks"].push_back(check_json(check));
  out["attempts"] = ordered_json::array();
  for (const AttemptRecord& attempt : result.attempts) out["attempts"].push_back(attempt_json(attempt));
  out["client"] = client_json(result.client);
  return out;
}

ordered_json run_json(const RunResults& results) {
  ordered_json out;
  out["schema"] = kReportSchema;
  out["tool"] = {{"name", "midstream"},
                 {"version", results.tool_version.empty() ? MIDSTREAM_VERSION : results.tool_version}};
  out["started_at"] = results.started_at;
  out["wall_ms"] = results.wall_ms;
  out["seed"] = results.seed;
  out["time_scale"] = {{"factor", results.time_scale}, {"source", results.time_scale_source}};
  out["targets"] = ordered_json::array();
  for (const TargetInfo& target : results.targets) out["targets"].push_back(target_json(target));
  out["results"] = ordered_json::array();
  for (const ScenarioResult& result : results.results) out["results"].push_back(result_json(result));
  const std::map<std::string, int> counts = results.summary();
  ordered_json& summary = out["summary"] = ordered_json::object();
  for (Verdict verdict : kVerdictOrder) summary[to_string(verdict)] = counts.at(to_string(verdict));
  return out;
}

// ---- Reading: every failure names the JSON pointer of the offending value. ----

// A value in the document and where it sits.
struct Node {
  const json& value;
  json::json_pointer pointer;
};

[[noreturn]] void fail(const Node& node, const std::string& what) {
  const std::string where = node.pointer.to_string();
  throw std::runtime_error("results.json at \"" + where + "\": " + what);
}

[[noreturn]] void fail_type(const Node& node, const char* expected) {
  fail(node, std::string("expected ") + expected + ", got " + node.value.type_name());
}

Node field(const Node& object, const char* key) {
  if (!object.value.is_object()) fail_type(object, "an object");
  auto it = object.value.find(key);
  if (it == object.value.end()) fail(Node{object.value, object.pointer / key}, "missing");
  return Node{*it, object.pointer / key};
}

const json& array_of(const Node& node) {
  if (!node.value.is_array()) fail_type(node, "an array");
  return node.value;
}

// Calls read(item_node) for each element of the array at node.
template <typename Read>
void for_each_item(const Node& node, Read read) {
  const json& array = array_of(node);
  for (std::size_t i = 0; i < array.size(); ++i) read(Node{array[i], node.pointer / i});
}

std::string read_string(const Node& node) {
  if (!node.value.is_string()) fail_type(node, "a string");
  return node.value.get<std::string>();
}

bool read_bool(const Node& node) {
  if (!node.value.is_boolean()) fail_type(node, "a boolean");
  return node.value.get<bool>();
}

double read_number(const Node& node) {
  if (!node.value.is_number()) fail_type(node, "a number");
  return node.value.get<double>();
}

int64_t read_integer(const Node& node, int64_t min, int64_t max) {
  if (!node.value.is_number_integer()) fail_type(node, "an integer");
  bool in_range = false;
  int64_t value = 0;
  if (node.value.is_number_unsigned()) {
    const uint64_t raw = node.value.get<uint64_t>();
    in_range = max >= 0 && raw <= static_cast<uint64_t>(max);
    value = in_range ? static_cast<int64_t>(raw) : 0;
  } else {
    value = node.value.get<int64_t>();
    in_range = value >= min && value <= max;
  }
  if (!in_range) fail(node, "integer out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return value;
}

int read_int(const Node& node) {
  return static_cast<int>(
      read_integer(node, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
}

uint64_t read_unsigned(const Node& node) {
  if (!node.value.is_number_unsigned()) fail_type(node, "a non-negative integer");
  return node.value.get<uint64_t>();
}

std::optional<int64_t> read_optional_integer(const Node& node) {
  if (node.value.is_null()) return std::nullopt;
  return read_integer(node, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
}

std::vector<std::string> read_strings(const Node& node) {
  std::vector<std::string> out;
  for_each_item(node, [&](const Node& item) { out.push_back(read_string(item)); });
  return out;
}

std::vector<double> read_numbers(const Node& node) {
  std::vector<double> out;
  for_each_item(node, [&](const Node& item) { out.push_back(read_number(item)); });
  return out;
}

std::string one_of_verdicts() {
  std::string names;
  for (Verdict verdict : kVerdictOrder) names += std::string(names.empty() ? "" : ", ") + to_string(verdict);
  return names;
}

Verdict read_verdict(const Node& node) {
  const std::string text = read_string(node);
  if (auto verdict = verdict_from_string(text)) return *verdict;
  fail(node, "expected one of " + one_of_verdicts() + ", got \"" + text + "\"");
}

Severity read_severity(const Node& node) {
  const std::string text = read_string(node);
  if (auto severity = severity_from_string(text)) return *severity;
  fail(node, "expected MUST or SHOULD, got \"" + text + "\"");
}

TargetInfo read_target(const Node& node) {
  TargetInfo target;
  target.name = read_string(field(node, "name"));
  target.description = read_string(field(node, "description"));
  target.defects = read_strings(field(node, "defects"));
  return target;
}

CheckResult read_check(const Node& node) {
  CheckResult check;
  check.id = read_string(field(node, "id"));
  check.severity = read_severity(field(node, "severity"));
  check.passed = read_bool(field(node, "passed"));
  check.expected = read_string(field(node, "expected"));
  check.actual = read_string(field(node, "actual"));
  check.note = read_string(field(node, "note"));
  return check;
}

AttemptRecord read_attempt(const Node& node) {
  AttemptRecord attempt;
  attempt.provider = read_string(field(node, "provider"));
  attempt.dialect = read_string(field(node, "dialect"));
  attempt.index = read_int(field(node, "index"));
  attempt.outcome = read_string(field(node, "outcome"));
  attempt.fault = read_string(field(node, "fault"));
  attempt.fault_fired = read_bool(field(node, "fault_fired"));
  attempt.continuation = read_bool(field(node, "continuation"));
  attempt.continuation_partial = read_string(field(node, "continuation_partial"));
  attempt.started_ms = read_number(field(node, "started_ms"));
  attempt.ended_ms = read_number(field(node, "ended_ms"));
  attempt.request_body = read_string(field(node, "request_body"));
  attempt.response_bytes = read_string(field(node, "response_bytes"));
  return attempt;
}

ClientRecord read_client(const Node& node) {
  ClientRecord client;
  client.status = read_int(field(node, "status"));
  client.text = read_string(field(node, "text"));
  const Node usage = field(node, "usage");
  if (!usage.value.is_null()) {
    if (!usage.value.is_object()) fail_type(usage, "an object or null");
    client.usage_input = read_optional_integer(field(usage, "input_tokens"));
    client.usage_output = read_optional_integer(field(usage, "output_tokens"));
    read_optional_integer(field(usage, "total_tokens"));  // derived; checked for shape only
  }
  client.event_count = read_int(field(node, "event_count"));
  client.end = read_string(field(node, "end"));
  client.body = read_string(field(node, "body"));
  client.event_ms = read_numbers(field(node, "event_ms"));
  return client;
}

ScenarioResult read_result(const Node& node) {
  ScenarioResult result;
  result.scenario = read_string(field(node, "scenario"));
  result.title = read_string(field(node, "title"));
  result.category = read_string(field(node, "category"));
  result.requirement = read_string(field(node, "requirement"));
  result.refs = read_strings(field(node, "refs"));
  result.file = read_string(field(node, "file"));
  result.target = read_string(field(node, "target"));
  result.front = read_string(field(node, "front"));
  result.stream = read_bool(field(node, "stream"));
  result.upstreams = read_strings(field(node, "upstreams"));
  result.verdict = read_verdict(field(node, "verdict"));
  result.reason = read_string(field(node, "reason"));
  result.duration_ms = read_number(field(node, "duration_ms"));
  for_each_item(field(node, "checks"), [&](const Node& item) { result.checks.push_back(read_check(item)); });
  for_each_item(field(node, "attempts"),
                [&](const Node& item) { result.attempts.push_back(read_attempt(item)); });
  result.client = read_client(field(node, "client"));
  return result;
}

}  // namespace

json to_json(const RunResults& results) { return json(run_json(results)); }

RunResults results_from_json(const json& document) {
  const Node root{document, json::json_pointer()};
  const Node schema = field(root, "schema");
  if (const std::string name = read_string(schema); name != kReportSchema) {
    fail(schema, std::string("expected \"") + kReportSchema + "\", got \"" + name + "\"");
  }
  RunResults results;
  const Node tool = field(root, "tool");
  read_string(field(tool, "name"));  // any writer's name is accepted; only its shape is checked
  results.tool_version = read_string(field(tool, "version"));
  results.started_at = read_string(field(root, "started_at"));
  results.wall_ms = read_number(field(root, "wall_ms"));
  results.seed = read_unsigned(field(root, "seed"));
  if (root.value.contains("time_scale")) {  // absent in reports written before it existed
    const Node scale = field(root, "time_scale");
    results.time_scale = read_number(field(scale, "factor"));
    results.time_scale_source = read_string(field(scale, "source"));
  }
  for_each_item(field(root, "targets"), [&](const Node& item) { results.targets.push_back(read_target(item)); });
  for_each_item(field(root, "results"), [&](const Node& item) { results.results.push_back(read_result(item)); });
  // The summary is derived from the results, so it is only checked for shape.
  const Node summary = field(root, "summary");
  if (!summary.value.is_object()) fail_type(summary, "an object");
  return results;
}

void JsonReporter::report(const RunResults& results, std::ostream& out) const {
  // Wire bytes need not be UTF-8; replace rather than throw so a report is always written.
  out << run_json(results).dump(2, ' ', false, ordered_json::error_handler_t::replace) << '\n';
}

}  // namespace midstream::reports
