// usage.exact: the usage the client got against what the fakes reported, under the policy.
#include <algorithm>

#include "harness/checks/check_functions.h"

namespace midstream::harness::checks {
namespace {

using MaybeUsage = std::optional<wire::Usage>;

MaybeUsage plus(const MaybeUsage& a, const MaybeUsage& b) {
  if (!a) return b;
  if (!b) return a;
  return wire::Usage{a->input_tokens + b->input_tokens, a->output_tokens + b->output_tokens};
}

// What the router may have read of an attempt's usage (docs/contract.md, "Usage of abandoned
// attempts"). An exchange the fake ended (completed, reset, closed, status...) was read whole:
// its last usage. One the router abandoned (the fake saw the router close first: its own
// timeout, a client hang-up) may have had usage in flight: the router counts what it read, and
// that is the last usage written before a stall the router then waited out, or any later one,
// or none, depending on a race no journal can settle. All of those are accepted, and said.
std::vector<MaybeUsage> readable_usage(const fakes::JournalEntry& e) {
  if (e.ended != fakes::ExchangeEnd::PeerClosed || e.usage_trail.empty()) return {e.usage_sent};
  const bool stalled = e.fault_fired && e.fault && e.fault->action == fakes::FaultAction::Stall;
  MaybeUsage settled;
  size_t first_open = 0;
  for (; first_open < e.usage_trail.size(); ++first_open) {
    if (!stalled || e.usage_trail[first_open].ms > e.fault_ms) break;
    settled = e.usage_trail[first_open].usage;
  }
  std::vector<MaybeUsage> options{settled};
  for (size_t i = first_open; i < e.usage_trail.size(); ++i) options.push_back(e.usage_trail[i].usage);
  return options;
}

struct ExpectedUsage {
  std::vector<MaybeUsage> accepted;      // the first is every attempt's usage counted in full
  std::vector<std::string> in_flight;    // "primary #1": attempts whose count is ambiguous
};

ExpectedUsage expected_usage(const Observation& o) {
  ExpectedUsage out{{std::nullopt}, {}};
  const fakes::JournalEntry* serving = nullptr;
  for (const auto& [name, entries] : o.journals)
    for (const auto& e : entries) {
      if (!e.text_sent.empty() && e.usage_sent && (!serving || e.received_ms > serving->received_ms))
        serving = &e;
      auto options = readable_usage(e);
      // The full count first, so the first accepted total is the unambiguous reading.
      std::rotate(options.begin(), options.end() - 1, options.end());
      if (options.size() > 1) out.in_flight.push_back(name + " #" + std::to_string(e.index));
      std::vector<MaybeUsage> next;
      for (const auto& total : out.accepted)
        for (const auto& option : options) {
          const MaybeUsage sum = plus(total, option);
          if (std::find(next.begin(), next.end(), sum) == next.end()) next.push_back(sum);
        }
      out.accepted = std::move(next);
    }
  if (o.usage_policy == router::UsagePolicy::Served) return {{serving ? serving->usage_sent : std::nullopt}, {}};
  return out;
}

std::string expected_usage_text(const ExpectedUsage& expected, router::UsagePolicy policy) {
  std::string text = usage_text(expected.accepted.front());
  for (size_t i = 1; i < expected.accepted.size(); ++i) text += "; or " + usage_text(expected.accepted[i]);
  text += " (" + std::string(router::to_string(policy));
  if (!expected.in_flight.empty()) {
    text += "; the router abandoned";
    for (size_t i = 0; i < expected.in_flight.size(); ++i) text += (i ? ", " : " ") + expected.in_flight[i];
    text += " with usage in flight, so what it read of that usage cannot be known: each count is accepted";
  }
  return text + ")";
}

}  // namespace

// Reads the client's usage and every journaled usage trail, under the observation's policy. Applies
// when expect.usage says so, else when a whole answer is expected and the client asked for usage
// (a non-streamed answer and the Responses front always carry it).
void usage(const Observation& o, CheckSink& sink) {
  const Scenario& s = o.scenario;
  const bool wants_usage = s.expect.usage.value_or(
      expects_whole_answer(o) &&
      (!s.client.stream || s.client.request.include_usage || s.client.front == Front::Responses));
  if (!wants_usage) return;
  const ExpectedUsage expected = expected_usage(o);
  const bool ok = std::find(expected.accepted.begin(), expected.accepted.end(), o.front.usage) !=
                  expected.accepted.end();
  sink.add(ok, expected_usage_text(expected, o.usage_policy), usage_text(o.front.usage),
           "computed from what each fake reported");
}

}  // namespace midstream::harness::checks
