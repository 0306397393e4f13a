// What each fake was asked: how many requests, the continuation, the replayed conversation.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/checks/check_functions.h"
#include "wire/request.h"

namespace midstream::harness::checks {
namespace {

wire::Dialect dialect_of(const Scenario& s, const std::string& provider) {
  const auto* p = s.provider(provider);
  return p ? p->dialect : wire::Dialect::OpenAIChat;
}

// What the client had of earlier attempts when a fresh request served it: its text before the
// text that request's fake sent. Read from the text, not from times: a delta the router forwarded
// just before the failure may reach the client after the fallback request reached the fake.
// nullopt when the client's text does not end with what that fake sent.
std::optional<std::string> client_text_before(const Observation& o,
                                              const fakes::JournalEntry& served) {
  const std::string& text = o.front.text;
  const std::string& sent = served.text_sent;
  if (sent.size() > text.size() || text.compare(text.size() - sent.size(), sent.size(), sent) != 0)
    return std::nullopt;
  return text.substr(0, text.size() - sent.size());
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

// Reads, for each provider in expect.continuation, its last continuation request's partial; with
// none, its last request, a plain replay, which is right when the client had no text to continue.
void continuation(const Observation& o, CheckSink& sink) {
  const std::string& answer = o.scenario.answer();
  for (const auto& name : o.scenario.expect.continuation) {
    const std::string expected = name + " gets a continuation carrying the partial the client "
                                        "already has (a plain replay when it has none)";
    const fakes::JournalEntry* found = nullptr;
    const fakes::JournalEntry* last = nullptr;
    for (const auto& entry : o.journals.at(name)) {
      if (entry.continuation) found = &entry;
      if (entry.has_request) last = &entry;
    }
    if (found) {
      const std::string& partial = found->partial;
      const bool ok = !found->mismatch && !partial.empty() && starts_with(answer, partial) &&
                      starts_with(o.front.text, partial);
      sink.add(ok, expected,
               "partial " + quote(partial) + (found->mismatch ? " (not a prefix of the answer)" : ""));
    } else if (!last) {
      sink.add(false, expected, "no continuation request at " + name);
    } else {
      const auto had = client_text_before(o, *last);
      std::string actual = "a plain replay at " + name;
      if (!had) actual += ", and the client's text does not end with what it sent";
      else if (had->empty()) actual += "; the client had no text to continue";
      else actual += " although the client had " + quote(*had);
      sink.add(had && had->empty(), expected, actual);
    }
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
