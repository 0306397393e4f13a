#include "fakes/fault.h"

#include <array>
#include <utility>

namespace midstream::fakes {
namespace {

constexpr std::array<std::pair<FaultPosition, const char*>, 8> kPositions{{
    {FaultPosition::OnConnect, "on_connect"},
    {FaultPosition::BeforeStatus, "before_status"},
    {FaultPosition::AfterHeaders, "after_headers"},
    {FaultPosition::AfterPreamble, "after_preamble"},
    {FaultPosition::AfterDeltas, "after_deltas"},
    {FaultPosition::MidEvent, "mid_event"},
    {FaultPosition::BeforeTerminal, "before_terminal"},
    {FaultPosition::AfterUsage, "after_usage"},
}};

constexpr std::array<std::pair<FaultAction, const char*>, 10> kActions{{
    {FaultAction::Reset, "reset"},
    {FaultAction::Close, "close"},
    {FaultAction::Stall, "stall"},
    {FaultAction::Status, "status"},
    {FaultAction::ErrorEvent, "error_event"},
    {FaultAction::Truncate, "truncate"},
    {FaultAction::Malformed, "malformed"},
    {FaultAction::DuplicateEvent, "duplicate_event"},
    {FaultAction::Slow, "slow"},
    {FaultAction::Drip, "drip"},
}};

template <typename Table>
std::vector<std::string> names_of(const Table& table) {
  std::vector<std::string> names;
  for (const auto& [value, name] : table) names.emplace_back(name);
  return names;
}

}  // namespace

const char* to_string(FaultPosition position) {
  for (const auto& [value, name] : kPositions)
    if (value == position) return name;
  return "unknown";
}

const char* to_string(FaultAction action) {
  for (const auto& [value, name] : kActions)
    if (value == action) return name;
  return "unknown";
}

std::string FaultSpec::describe() const {
  std::string text = to_string(position);
  if (position == FaultPosition::AfterDeltas || position == FaultPosition::MidEvent)
    text += ":" + std::to_string(deltas);
  text += " ";
  text += to_string(action);
  switch (action) {
    case FaultAction::Stall:
    case FaultAction::Slow:
      text += ":" + std::to_string(ms) + "ms";
      break;
    case FaultAction::Status:
      text += ":" + std::to_string(status);
      if (!retry_after.empty()) text += " retry-after:" + retry_after;
      break;
    case FaultAction::Drip:
      text += ":" + std::to_string(bytes) + "B";
      break;
    default:
      break;
  }
  return text;
}

FaultSpec parse_fault(wire::ObjectReader& reader) {
  // Which keys apply depends on "at" and "action": a misspelt key is named before either is read.
  reader.only_keys({"action", "at", "bytes", "error_code", "error_type", "message", "ms", "n", "retry_after",
                    "status"});
  FaultSpec spec;
  const std::string at = reader.enum_or("at", "", names_of(kPositions));
  if (at.empty()) reader.fail("at", "a fault position (one of on_connect, before_status, "
                                    "after_headers, after_preamble, after_deltas, mid_event, "
                                    "before_terminal, after_usage)");
  for (const auto& [value, name] : kPositions)
    if (at == name) spec.position = value;
  const std::string action = reader.enum_or("action", "", names_of(kActions));
  if (action.empty()) reader.fail("action", "a fault action");
  for (const auto& [value, name] : kActions)
    if (action == name) spec.action = value;

  if (spec.position == FaultPosition::AfterDeltas)
    spec.deltas = static_cast<int>(reader.int_in("n", -1, 0, 1'000'000));
  else if (spec.position == FaultPosition::MidEvent)
    spec.deltas = static_cast<int>(reader.int_in("n", 0, 0, 1'000'000));
  if (spec.position == FaultPosition::AfterDeltas && spec.deltas < 0)
    reader.fail("n", "the number of content deltas to send before the fault (after_deltas needs \"n\")");

  switch (spec.action) {
    case FaultAction::Stall:
    case FaultAction::Slow:
      spec.ms = reader.int_in("ms", -1, 0, 3'600'000);
      if (spec.ms < 0) reader.fail("ms", "milliseconds (an integer >= 0)");
      break;
    case FaultAction::Status:
      spec.status = static_cast<int>(reader.int_in("status", 0, 100, 599));
      if (spec.status < 400) reader.fail("status", "an HTTP error status between 400 and 599");
      if (reader.has("retry_after")) {
        const auto& value = reader.raw("retry_after");
        if (value.is_number_integer()) spec.retry_after = std::to_string(value.get<int64_t>());
        else if (value.is_string()) spec.retry_after = value.get<std::string>();
        else reader.fail("retry_after", "seconds (integer) or an HTTP date (string)");
      }
      break;
    case FaultAction::Drip:
      spec.bytes = static_cast<int>(reader.int_in("bytes", 1, 1, 65536));
      break;
    default:
      break;
  }
  if (spec.action == FaultAction::Status || spec.action == FaultAction::ErrorEvent) {
    spec.error_type = reader.string_or("error_type", "");
    spec.error_code = reader.string_or("error_code", "");
    spec.error_message = reader.string_or("message", "");
  }

  // Combinations that do not exist on the wire are config errors, not silent no-ops.
  const bool before_headers =
      spec.position == FaultPosition::OnConnect || spec.position == FaultPosition::BeforeStatus;
  if (spec.action == FaultAction::Status && spec.position != FaultPosition::BeforeStatus)
    reader.fail("at", "before_status (an HTTP status can only be sent before any other byte)");
  if (before_headers && spec.action != FaultAction::Status && spec.action != FaultAction::Reset &&
      spec.action != FaultAction::Close && spec.action != FaultAction::Stall)
    reader.fail("action", std::string("reset, close or stall at ") + to_string(spec.position));
  if (spec.position == FaultPosition::OnConnect && spec.action == FaultAction::Status)
    reader.fail("action", "reset, close or stall at on_connect");
  if (spec.position == FaultPosition::MidEvent &&
      (spec.action == FaultAction::Slow || spec.action == FaultAction::Drip ||
       spec.action == FaultAction::DuplicateEvent || spec.action == FaultAction::Malformed))
    reader.fail("action", "reset, close, stall, truncate or error_event at mid_event");
  reader.finish();
  return spec;
}

}  // namespace midstream::fakes
