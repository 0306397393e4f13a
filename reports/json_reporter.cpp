// results.json (schema midstream.report.v1): writing it, and reading it back for report and diff.
#include <cstdint>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "reports/reporter.h"

namespace midstream::reports {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr Verdict kVerdictOrder[] = {Verdict::Pass, Verdict::NonStrict,   Verdict::Safe,
                                     Verdict::Unsupported, Verdict::Fail, Verdict::Error};

// ---- The field tables: a record's JSON keys in the order results.json has them, with the
// member each holds. Writing and reading both walk them. The client (its usage is derived) and
// the run itself (tool, time_scale, summary) are written and read by hand. ----

template <typename Record, typename Member>
struct Field {
  const char* key;
  Member Record::*member;
};
template <typename Record, typename Member>
Field(const char*, Member Record::*) -> Field<Record, Member>;

constexpr auto fields(const TargetInfo*) {
  return std::tuple{Field{"name", &TargetInfo::name}, Field{"description", &TargetInfo::description},
                    Field{"defects", &TargetInfo::defects}};
}

constexpr auto fields(const CheckResult*) {
  return std::tuple{Field{"id", &CheckResult::id},         Field{"severity", &CheckResult::severity},
                    Field{"passed", &CheckResult::passed}, Field{"expected", &CheckResult::expected},
                    Field{"actual", &CheckResult::actual}, Field{"note", &CheckResult::note}};
}

constexpr auto fields(const AttemptRecord*) {
  return std::tuple{Field{"provider", &AttemptRecord::provider},
                    Field{"dialect", &AttemptRecord::dialect},
                    Field{"index", &AttemptRecord::index},
                    Field{"outcome", &AttemptRecord::outcome},
                    Field{"fault", &AttemptRecord::fault},
                    Field{"fault_fired", &AttemptRecord::fault_fired},
                    Field{"continuation", &AttemptRecord::continuation},
                    Field{"continuation_partial", &AttemptRecord::continuation_partial},
                    Field{"started_ms", &AttemptRecord::started_ms},
                    Field{"ended_ms", &AttemptRecord::ended_ms},
                    Field{"request_body", &AttemptRecord::request_body},
                    Field{"response_bytes", &AttemptRecord::response_bytes}};
}

constexpr auto fields(const ScenarioResult*) {
  return std::tuple{Field{"scenario", &ScenarioResult::scenario},
                    Field{"title", &ScenarioResult::title},
                    Field{"category", &ScenarioResult::category},
                    Field{"requirement", &ScenarioResult::requirement},
                    Field{"refs", &ScenarioResult::refs},
                    Field{"file", &ScenarioResult::file},
                    Field{"target", &ScenarioResult::target},
                    Field{"front", &ScenarioResult::front},
                    Field{"stream", &ScenarioResult::stream},
                    Field{"upstreams", &ScenarioResult::upstreams},
                    Field{"verdict", &ScenarioResult::verdict},
                    Field{"reason", &ScenarioResult::reason},
                    Field{"duration_ms", &ScenarioResult::duration_ms},
                    Field{"checks", &ScenarioResult::checks},
                    Field{"attempts", &ScenarioResult::attempts},
                    Field{"client", &ScenarioResult::client}};
}

template <typename Record>
concept Tabled = requires(const Record* record) { fields(record); };

}  // namespace

// ---- Writing. nlohmann finds these by argument-dependent lookup, so they live in this
// namespace (internal linkage: static). ordered_json keeps the keys in the table's order. ----

static void to_json(ordered_json& out, Verdict verdict) { out = to_string(verdict); }
static void to_json(ordered_json& out, Severity severity) { out = to_string(severity); }

template <Tabled Record>
static void to_json(ordered_json& out, const Record& record) {
  out = ordered_json::object();
  std::apply([&](const auto&... field) { ((out[field.key] = record.*field.member), ...); }, fields(&record));
}

namespace {

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

}  // namespace

static void to_json(ordered_json& out, const ClientRecord& client) {
  out = ordered_json::object();
  out["status"] = client.status;
  out["text"] = client.text;
  out["usage"] = usage_json(client);
  out["event_count"] = client.event_count;
  out["end"] = client.end;
  out["body"] = client.body;
  out["event_ms"] = client.event_ms;
}

namespace {

ordered_json run_json(const RunResults& results) {
  ordered_json out;
  out["schema"] = kReportSchema;
  out["tool"] = {{"name", "midstream"},
                 {"version", results.tool_version.empty() ? MIDSTREAM_VERSION : results.tool_version}};
  out["started_at"] = results.started_at;
  out["wall_ms"] = results.wall_ms;
  out["seed"] = results.seed;
  out["time_scale"] = {{"factor", results.time_scale}, {"source", results.time_scale_source}};
  out["targets"] = results.targets;
  out["results"] = results.results;
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

void read(const Node& node, std::string& out) { out = read_string(node); }
void read(const Node& node, bool& out) { out = read_bool(node); }
void read(const Node& node, int& out) { out = read_int(node); }
void read(const Node& node, double& out) { out = read_number(node); }
void read(const Node& node, Verdict& out) { out = read_verdict(node); }
void read(const Node& node, Severity& out) { out = read_severity(node); }

template <typename Item>
void read(const Node& node, std::vector<Item>& out) {
  for_each_item(node, [&](const Node& item) { read(item, out.emplace_back()); });
}

template <Tabled Record>
void read(const Node& node, Record& record) {
  std::apply([&](const auto&... entry) { (read(field(node, entry.key), record.*entry.member), ...); },
             fields(&record));
}

// The usage object is derived from both halves, so the client is read by hand.
void read(const Node& node, ClientRecord& client) {
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
  read(field(node, "event_ms"), client.event_ms);
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
  read(field(root, "targets"), results.targets);
  read(field(root, "results"), results.results);
  // The summary is derived from the results, so it is only checked for shape.
  const Node summary = field(root, "summary");
  if (!summary.value.is_object()) fail_type(summary, "an object");
  return results;
}

void JsonReporter::finish(const RunResults& results) {
  // Wire bytes need not be UTF-8; replace rather than throw so a report is always written.
  out_ << run_json(results).dump(2, ' ', false, ordered_json::error_handler_t::replace) << '\n';
}

}  // namespace midstream::reports
