// `midstream checks`: every check the harness runs, from the table run_checks walks.
#include <algorithm>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "harness/check_table.h"
#include "reports/results.h"

namespace midstream::cli {
namespace {

constexpr const char* kHelp = R"(usage: midstream checks [--json]

Lists every check the harness runs on a scenario, in the order results report them: its id,
its severity and the requirement it checks.

A check reads only what the client received and what the fake providers journaled, never what
the router says about itself. A check that does not apply to a scenario (text.exact when an
error is expected, responses.lifecycle on the chat front) reports nothing; one that judges each
named provider (continuation.carries_partial, upstream.closed, retry_after.honoured) reports once
per provider. results.json has every reported check with its expected and actual values.

Severities, and how a failure grades the scenario:
  MUST      FAIL (or SAFE: not rescued, but a clean bounded error, where the scenario allows it)
  SHOULD    NON-STRICT when every MUST held
  harness   ERROR: the run itself did not test what it meant to (a planned fault did not fire);
            results.json reports these as MUST

options:
  --json    the same list as JSON: {"checks": [{"id", "severity", "reported_as", "requirement"}]}

A new check is one function in harness/checks/ and one row in harness/check_table.cpp.
)";

constexpr size_t kIdWidth = 30;
constexpr size_t kSeverityWidth = 9;
constexpr size_t kLineWidth = 100;

// The requirement's words in lines of at most kLineWidth columns, after the id and severity.
std::string wrapped(const std::string& text, size_t indent) {
  std::istringstream words(text);
  std::string out, line, word;
  while (words >> word) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > kLineWidth) {
      out += line + "\n" + std::string(indent, ' ');
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + line;
}

std::string padded(std::string text, size_t width) {
  text.resize(std::max(text.size() + 1, width), ' ');
  return text;
}

}  // namespace

int checks_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << kHelp;
    return 0;
  }
  const bool json = args.flag("--json");
  if (!args.positionals().empty()) throw UsageError("unexpected argument " + args.positionals().front());
  if (json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& row : harness::check_table())
      list.push_back({{"id", row.id},
                      {"severity", harness::to_string(row.severity)},
                      {"reported_as", reports::to_string(harness::reported_severity(row.severity))},
                      {"requirement", row.requirement}});
    std::cout << nlohmann::ordered_json{{"checks", list}}.dump(2) << "\n";
    return 0;
  }
  std::cout << padded("ID", kIdWidth) << padded("SEVERITY", kSeverityWidth) << "REQUIREMENT\n";
  for (const auto& row : harness::check_table())
    std::cout << padded(row.id, kIdWidth) << padded(std::string(harness::to_string(row.severity)), kSeverityWidth)
              << wrapped(row.requirement, kIdWidth + kSeverityWidth) << "\n";
  return 0;
}

}  // namespace midstream::cli
