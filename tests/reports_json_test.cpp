// results.json: round trip, summary, schema and key order, errors that name the JSON pointer.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/reporter.h"
#include "reports/results.h"

namespace midstream::reports {

// Failed comparisons print the document rather than raw bytes.
inline void PrintTo(const RunResults& results, std::ostream* out) {
  *out << to_json(results).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

using namespace std::string_literals;
using nlohmann::json;
using nlohmann::ordered_json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Bytes straight off the wire: NUL, escape codes, markup, multi-byte UTF-8 and invalid UTF-8.
const std::string kOddBytes = "nul\0 esc\x1b[31m <&\"'> caf\xc3\xa9 \xf0\x9f\x98\x80 bad\xff\xfe\xc3 \r\n\t"s;

RunResults sample_results() {
  RunResults run;
  run.tool_version = "9.8.7";
  run.started_at = "2024-05-01T12:00:00Z";
  run.wall_ms = 1234.5;
  run.seed = 18446744073709551615ull;  // the whole uint64 range survives
  run.targets = {{"embedded", "reference router (in-process)", {}},
                 {"process", "router binary", {"responses_bypass", "second_preamble"}}};

  ScenarioResult fallback;
  fallback.scenario = "2.3.1";
  fallback.title = "drop after 3 deltas falls back with a continuation";
  fallback.category = "2 mid-stream fallback";
  fallback.requirement = "The router MUST continue the answer from the partial text.";
  fallback.refs = {"BerriAI/litellm#28216"};
  fallback.file = "scenarios/2/2.3.1.json";
  fallback.target = "embedded";
  fallback.front = "chat";
  fallback.stream = true;
  fallback.upstreams = {"openai-chat", "anthropic"};
  fallback.verdict = Verdict::Fail;
  fallback.reason = "text.exact failed";
  fallback.duration_ms = 12.25;
  fallback.checks = {{"text.exact", Severity::Must, false, "Hello world", "Hello Hello world", ""},
                     {"usage.exact", Severity::Should, true, "12/7", "12/7", "sum over attempts"}};
  fallback.attempts = {{"primary", "openai-chat", 1, "fault", "after_deltas:3 reset", true, false, "", 0.5, 4.75,
                        R"({"model":"m","stream":true})", "data: {}\n\n"},
                       {"backup", "anthropic", 1, "completed", "", false, true, "Hello", 5.0, 11.0, "{}",
                        "event: message_stop\n\n"}};
  fallback.client.status = 200;
  fallback.client.text = "Hello Hello world";
  fallback.client.usage_input = 12;
  fallback.client.usage_output = 7;
  fallback.client.event_count = 5;
  fallback.client.end = "complete";
  fallback.client.body = "data: [DONE]\n\n";
  fallback.client.event_ms = {1.0, 2.5, 3.0, 6.125, 11.0};

  ScenarioResult odd;
  odd.scenario = "9.1";
  odd.title = kOddBytes;
  odd.category = "9 odd";
  odd.target = "process";
  odd.front = "responses";
  odd.stream = false;
  odd.verdict = Verdict::NonStrict;
  odd.reason = kOddBytes;
  odd.checks = {{"wire.bytes", Severity::Should, false, kOddBytes, kOddBytes, kOddBytes}};
  odd.attempts = {{"p", "openai-responses", 2, "peer_closed", "", false, false, kOddBytes, 0, 0, kOddBytes,
                   kOddBytes}};
  odd.client.text = kOddBytes;
  odd.client.usage_output = 3;  // only half the usage seen
  odd.client.body = kOddBytes;

  run.results = {fallback, odd};
  return run;
}

std::vector<std::string> keys_of(const ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

std::string report_text(const RunResults& results) {
  std::ostringstream out;
  JsonReporter(out).finish(results);
  return out.str();
}

std::string error_of(const json& document) {
  try {
    results_from_json(document);
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(ReportsJson, VerdictAndSeverityNames) {
  const std::vector<std::pair<Verdict, std::string>> verdicts = {
      {Verdict::Pass, "PASS"},   {Verdict::NonStrict, "NON-STRICT"}, {Verdict::Safe, "SAFE"},
      {Verdict::Unsupported, "UNSUPPORTED"}, {Verdict::Fail, "FAIL"}, {Verdict::Error, "ERROR"}};
  for (const auto& [verdict, name] : verdicts) {
    EXPECT_EQ(to_string(verdict), name);
    EXPECT_EQ(verdict_from_string(name), verdict);
  }
  EXPECT_EQ(verdict_from_string("pass"), std::nullopt);
  EXPECT_EQ(verdict_from_string(""), std::nullopt);
  EXPECT_STREQ(to_string(Severity::Must), "MUST");
  EXPECT_STREQ(to_string(Severity::Should), "SHOULD");
  EXPECT_EQ(severity_from_string("SHOULD"), Severity::Should);
  EXPECT_EQ(severity_from_string("MAY"), std::nullopt);
}

TEST(ReportsJson, RoundTripsThroughJsonValue) {
  const RunResults run = sample_results();
  const RunResults back = results_from_json(to_json(run));
  EXPECT_EQ(back, run);
  EXPECT_EQ(back.results[1].title, kOddBytes);
  EXPECT_EQ(back.results[1].client.usage_input, std::nullopt);
  EXPECT_EQ(back.results[1].client.usage_output, 3);
}

TEST(ReportsJson, RoundTripsThroughTextWhenValidUtf8) {
  RunResults run = sample_results();
  run.results.pop_back();  // the odd bytes are covered below
  EXPECT_EQ(results_from_json(json::parse(report_text(run))), run);
}

TEST(ReportsJson, InvalidUtf8IsReplacedNotThrown) {
  std::string text;
  ASSERT_NO_THROW(text = report_text(sample_results()));
  const RunResults back = results_from_json(json::parse(text));
  const std::string& title = back.results[1].title;
  EXPECT_THAT(title, HasSubstr("bad\xef\xbf\xbd"));                 // \xff became U+FFFD
  EXPECT_THAT(title, HasSubstr("caf\xc3\xa9 \xf0\x9f\x98\x80"));    // valid UTF-8 kept
  EXPECT_THAT(title, HasSubstr("nul\0 esc\x1b[31m <&\"'>"s));       // escaped, not lost
}

TEST(ReportsJson, PrettyPrintedWithTwoSpaces) {
  const std::string text = report_text(sample_results());
  EXPECT_EQ(text.rfind("{\n  \"schema\": \"midstream.report.v1\",\n  \"tool\": {\n    \"name\"", 0), 0u);
  EXPECT_EQ(text.back(), '\n');
}

TEST(ReportsJson, SchemaAndTool) {
  EXPECT_STREQ(kReportSchema, "midstream.report.v1");
  const json document = to_json(sample_results());
  EXPECT_EQ(document["schema"], "midstream.report.v1");
  EXPECT_EQ(document["tool"]["name"], "midstream");
  EXPECT_EQ(document["tool"]["version"], "9.8.7");
  EXPECT_EQ(to_json(RunResults{})["tool"]["version"], MIDSTREAM_VERSION);  // defaults to this build
}

TEST(ReportsJson, KeysInDocumentedOrder) {
  const ordered_json document = ordered_json::parse(report_text(sample_results()));
  EXPECT_THAT(keys_of(document),
              ElementsAre("schema", "tool", "started_at", "wall_ms", "seed", "time_scale", "targets", "results", "summary"));
  EXPECT_THAT(keys_of(document["targets"][0]), ElementsAre("name", "description", "defects"));
  const ordered_json& result = document["results"][0];
  EXPECT_THAT(keys_of(result), ElementsAre("scenario", "title", "category", "requirement", "refs", "file", "target",
                                           "front", "stream", "upstreams", "verdict", "reason", "duration_ms",
                                           "checks", "attempts", "client"));
  EXPECT_THAT(keys_of(result["checks"][0]), ElementsAre("id", "severity", "passed", "expected", "actual", "note"));
  EXPECT_THAT(keys_of(result["attempts"][0]),
              ElementsAre("provider", "dialect", "index", "outcome", "fault", "fault_fired", "continuation",
                          "continuation_partial", "started_ms", "ended_ms", "request_body", "response_bytes"));
  EXPECT_THAT(keys_of(result["client"]),
              ElementsAre("status", "text", "usage", "event_count", "end", "body", "event_ms"));
  EXPECT_THAT(keys_of(result["client"]["usage"]), ElementsAre("input_tokens", "output_tokens", "total_tokens"));
  EXPECT_EQ(result["client"]["usage"]["total_tokens"], 19);
  EXPECT_EQ(result["verdict"], "FAIL");
  EXPECT_EQ(result["checks"][0]["severity"], "MUST");
  EXPECT_TRUE(document["results"][1]["client"]["usage"]["total_tokens"].is_null());  // half known
}

TEST(ReportsJson, UsageIsNullWhenNoneSeen) {
  RunResults run;
  run.tool_version = "1.0.0";
  run.results.emplace_back();
  const json document = to_json(run);
  EXPECT_TRUE(document["results"][0]["client"]["usage"].is_null());
  EXPECT_EQ(results_from_json(document), run);
}

TEST(ReportsJson, SummaryCountsEveryVerdict) {
  RunResults run;
  EXPECT_THAT(run.summary(), ElementsAre(std::pair<const std::string, int>("ERROR", 0),
                                         std::pair<const std::string, int>("FAIL", 0),
                                         std::pair<const std::string, int>("NON-STRICT", 0),
                                         std::pair<const std::string, int>("PASS", 0),
                                         std::pair<const std::string, int>("SAFE", 0),
                                         std::pair<const std::string, int>("UNSUPPORTED", 0)));
  for (Verdict verdict : {Verdict::Pass, Verdict::Pass, Verdict::Safe, Verdict::Fail, Verdict::Error}) {
    ScenarioResult result;
    result.verdict = verdict;
    run.results.push_back(result);
  }
  const auto summary = run.summary();
  EXPECT_EQ(summary.at("PASS"), 2);
  EXPECT_EQ(summary.at("NON-STRICT"), 0);
  EXPECT_EQ(summary.at("SAFE"), 1);
  EXPECT_EQ(summary.at("UNSUPPORTED"), 0);
  EXPECT_EQ(summary.at("FAIL"), 1);
  EXPECT_EQ(summary.at("ERROR"), 1);

  const ordered_json document = ordered_json::parse(report_text(run));
  EXPECT_THAT(keys_of(document["summary"]), ElementsAre("PASS", "NON-STRICT", "SAFE", "UNSUPPORTED", "FAIL", "ERROR"));
  EXPECT_EQ(document["summary"]["PASS"], 2);
  EXPECT_EQ(document["summary"]["UNSUPPORTED"], 0);
}

TEST(ReportsJson, OkMeansNoFailAndNoError) {
  RunResults run;
  EXPECT_TRUE(run.ok());
  for (Verdict verdict : {Verdict::Pass, Verdict::NonStrict, Verdict::Safe, Verdict::Unsupported}) {
    ScenarioResult result;
    result.verdict = verdict;
    run.results.push_back(result);
  }
  EXPECT_TRUE(run.ok());
  for (Verdict bad : {Verdict::Fail, Verdict::Error}) {
    RunResults with_bad = run;
    with_bad.results.emplace_back();
    with_bad.results.back().verdict = bad;
    EXPECT_FALSE(with_bad.ok()) << to_string(bad);
  }
}

TEST(ReportsJson, BadInputNamesTheJsonPointer) {
  const json good = to_json(sample_results());

  json bad_verdict = good;
  bad_verdict["results"][1]["verdict"] = "MAYBE";
  EXPECT_THAT(error_of(bad_verdict), HasSubstr("/results/1/verdict"));
  EXPECT_THAT(error_of(bad_verdict), HasSubstr("MAYBE"));

  json missing = good;
  missing["results"][0]["attempts"][1].erase("fault_fired");
  EXPECT_THAT(error_of(missing), HasSubstr("/results/0/attempts/1/fault_fired"));

  json wrong_type = good;
  wrong_type["results"][0]["checks"][0]["severity"] = 1;
  EXPECT_THAT(error_of(wrong_type), HasSubstr("/results/0/checks/0/severity"));

  json bad_usage = good;
  bad_usage["results"][0]["client"]["usage"]["input_tokens"] = 1.5;
  EXPECT_THAT(error_of(bad_usage), HasSubstr("/results/0/client/usage/input_tokens"));

  json out_of_range = good;
  out_of_range["results"][0]["client"]["status"] = 1ull << 40;
  EXPECT_THAT(error_of(out_of_range), HasSubstr("/results/0/client/status"));

  json negative_seed = good;
  negative_seed["seed"] = -1;
  EXPECT_THAT(error_of(negative_seed), HasSubstr("/seed"));

  json other_schema = good;
  other_schema["schema"] = "midstream.report.v0";
  EXPECT_THAT(error_of(other_schema), HasSubstr("/schema"));

  EXPECT_THAT(error_of(json::array()), HasSubstr("expected an object"));
}

// Follows a local "$ref" ("#/$defs/name") in the schema.
const json& resolve(const json& schema, const json& node) {
  if (!node.contains("$ref")) return node;
  const std::string ref = node["$ref"].get<std::string>();
  return schema.at(json::json_pointer(ref.substr(1)));
}

// Every object the writer emits has exactly the keys the schema declares, all required.
void expect_matches_schema(const json& schema, const json& node, const json& value, const std::string& where) {
  const json& rule = resolve(schema, node);
  if (value.is_object() && rule.contains("properties")) {
    std::vector<std::string> declared;
    for (const auto& item : rule["properties"].items()) declared.push_back(item.key());
    std::vector<std::string> written;
    for (const auto& item : value.items()) written.push_back(item.key());
    EXPECT_EQ(written, declared) << where;  // json sorts keys, so order does not matter here
    EXPECT_EQ(rule["required"].size(), declared.size()) << where;
    for (const auto& item : value.items()) {
      if (rule["properties"].contains(item.key())) {
        expect_matches_schema(schema, rule["properties"][item.key()], item.value(), where + "/" + item.key());
      }
    }
  } else if (value.is_array() && rule.contains("items")) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      expect_matches_schema(schema, rule["items"], value[i], where + "/" + std::to_string(i));
    }
  }
  if (rule.contains("enum")) {
    EXPECT_NE(std::find(rule["enum"].begin(), rule["enum"].end(), value), rule["enum"].end()) << where;
  }
  if (rule.contains("const")) {
    EXPECT_EQ(value, rule["const"]) << where;
  }
}

TEST(ReportsJson, SchemaFileDescribesTheOutput) {
  const auto path = std::filesystem::path(MIDSTREAM_SCENARIO_DIR).parent_path() / "reports" / "results.schema.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const json schema = json::parse(in);
  EXPECT_EQ(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
  EXPECT_EQ(schema["properties"]["schema"]["const"], kReportSchema);
  EXPECT_EQ(schema["$defs"]["verdict"]["enum"],
            json({"PASS", "NON-STRICT", "SAFE", "UNSUPPORTED", "FAIL", "ERROR"}));
  EXPECT_EQ(schema["$defs"]["severity"]["enum"], json({"MUST", "SHOULD"}));
  expect_matches_schema(schema, schema, to_json(sample_results()), "");
}

}  // namespace
}  // namespace midstream::reports
