#pragma once
// The checks as one table, in the order run_checks reports them. A row is a check's id, its
// severity, the requirement it checks in one sentence and the function that judges an
// Observation. Adding a check is adding one function (harness/checks/) and one row
// (check_table.cpp); `midstream checks` lists the table.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/checks.h"
#include "reports/results.h"

namespace midstream::harness {

// MUST and SHOULD are the router's; a harness check judges the run itself (a fault that did not
// fire), and its failure grades ERROR. Results carry MUST for a harness check.
enum class CheckSeverity { Must, Should, Harness };

std::string_view to_string(CheckSeverity severity);  // "MUST", "SHOULD", "harness"
reports::Severity reported_severity(CheckSeverity severity);

struct CheckRow;

// Where a check function puts what it judged: add() once per result (several for a check that
// judges each named provider, none when the check does not apply to the scenario). The id and
// severity of every result are the row's.
class CheckSink {
 public:
  CheckSink(const CheckRow& row, std::vector<reports::CheckResult>& out) : row_(row), out_(out) {}
  void add(bool passed, std::string expected, std::string actual, std::string note = "");

 private:
  const CheckRow& row_;
  std::vector<reports::CheckResult>& out_;
};

using CheckFunction = void (*)(const Observation& observation, CheckSink& sink);

struct CheckRow {
  const char* id;
  CheckSeverity severity;
  const char* requirement;  // what the check asks, in one sentence
  CheckFunction judge;
};

// Every check, in report order.
std::span<const CheckRow> check_table();
// The row of an id; nullptr for an id the table does not have.
const CheckRow* find_check_row(std::string_view id);

}  // namespace midstream::harness
