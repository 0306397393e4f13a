// What each fake was asked: how many requests, the continuation, the replayed conversation.
#include <nlohmann/json.hpp>

#include "harness/checks/check_functions.h"
#include "wire/request.h"

namespace midstream::harness::checks {
namespace {

wire::Dialect dialect_of(const Scenario& s, const std::string& provider) {
  const auto* p = s.provider(provider);
  return p ? p->dialect : wire::Dialect::OpenAIChat;
}

}  // namespace

// Reads how many requests each fake named in expect.attempts received.
void attempts(const Observation& o, CheckSink& sink) {
  const auto& expected_attempts = o.scenario.expect.attempts;
  if (expected_attempts.empty()) return;
  bool ok = true;
  std::string expected, actual;
  for (const auto& [name, count] : expected_attempts) {
    auto it = o.journals.find(name);
    const int seen = it == o.journals.end() ? 0 : static_cast<int>(it->second.size());
    ok = ok && seen == count;
    expected += (expected.empty() ? "" : ", ") + name + " " + std::to_string(count);
    actual += (actual.empty() ? "" : ", ") + name + " " + std::to_string(seen);
  }
  sink.add(ok, expected, actual, "requests each fake received");
}

// Reads, for each provider in expect.continuation, its last continuation request's partial.
void continuation(const Observation& o, CheckSink& sink) {
  const std::string& answer = o.scenario.answer();
  for (const auto& name : o.scenario.expect.continuation) {
    const fakes::JournalEntry* found = nullptr;
    for (const auto& entry : o.journals.at(name))
      if (entry.continuation) found = &entry;
    const bool ok = found && !found->mismatch && !found->partial.empty() &&
                    starts_with(answer, found->partial) && starts_with(o.front.text, found->partial);
    sink.add(ok, name + " gets a continuation carrying the partial the client already has",
             found ? "partial " + quote(found->partial) + (found->mismatch ? " (not a prefix of the answer)" : "")
                   : "no continuation request at " + name);
  }
}

// Reads every journaled request that is not a continuation, decoded in its provider's dialect.
void replay(const Observation& o, CheckSink& sink) {
  const Scenario& s = o.scenario;
  std::vector<std::string> problems;
  for (const auto& [name, entries] : o.journals)
    for (const auto& entry : entries) {
      if (!entry.has_request || entry.continuation) continue;
      auto body = nlohmann::json::parse(entry.body, nullptr, false);
      wire::RequestError error;
      std::optional<wire::CanonicalRequest> request;
      if (!body.is_discarded()) request = wire::decode_request(dialect_of(s, name), body, &error);
      if (!request) {
        problems.push_back(name + " request " + std::to_string(entry.index) + " unreadable: " + error.message);
      } else if (request->messages != s.client.request.messages) {
        problems.push_back(name + " request " + std::to_string(entry.index) + " changed the conversation");
      }
    }
  const std::string actual = joined(problems);
  sink.add(problems.empty(), "every fresh upstream request carries the client's messages unchanged",
           actual.empty() ? "unchanged" : actual);
}

}  // namespace midstream::harness::checks
