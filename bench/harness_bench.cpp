// The harness reading a long transcript: read_front over a 10,000-delta streamed answer (one
// arrival per SSE event, the worst case), beside the framer and decoder alone on the same reads;
// and the whole grading step (read_front, run_checks, grade) for a scenario whose primary reset
// halfway and whose fallback continued.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/bench_data.h"
#include "bench/register.h"
#include "fakes/fault.h"
#include "harness/checks.h"
#include "harness/client.h"
#include "harness/front_view.h"
#include "harness/scenario.h"

namespace midstream::bench {
namespace {

constexpr int kDeltas = 10'000;

// The transcript a client records for `bytes`, one read per SSE event.
harness::ClientTranscript transcript_of(const std::string& bytes) {
  harness::ClientTranscript t;
  t.status = 200;
  t.headers = {{"Content-Type", "text/event-stream"}};
  t.body = bytes;
  double ms = 0;
  for (size_t at = bytes.find("\n\n"); at != std::string::npos; at = bytes.find("\n\n", at + 2))
    t.arrivals.push_back({ms += 0.01, at + 2});
  t.end = net::StreamEnd::Complete;
  t.ended_ms = ms + 0.01;
  return t;
}

harness::ClientSpec spec_for(wire::Dialect front) {
  harness::ClientSpec spec;
  spec.front = front == wire::Dialect::OpenAIResponses ? harness::Front::Responses : harness::Front::Chat;
  spec.request.model = "gpt-4o";
  spec.request.include_usage = true;
  spec.request.messages = {{"user", "Say the answer."}};
  return spec;
}

// A continued answer: the primary reset after half the deltas, the backup sent the rest.
struct GradedCase {
  harness::Scenario scenario;
  harness::ClientTranscript transcript;
  std::map<std::string, std::vector<fakes::JournalEntry>> journals;
};

GradedCase continued_case() {
  const std::string answer = synthetic_text(kDeltas);
  const std::string partial = synthetic_text(kDeltas / 2);
  nlohmann::json json = {
      {"id", "9.9.9"},
      {"title", "bench: reset halfway, continued at the fallback"},
      {"requirement", "A router MUST continue a stream dropped mid-answer."},
      {"providers",
       {{"primary",
         {{"dialect", "openai-chat"},
          {"answer", answer},
          {"script", {{{"at", "after_deltas"}, {"n", kDeltas / 2}, {"action", "reset"}}}}}},
        {"backup", {{"dialect", "openai-chat"}, {"answer", answer}}}}},
      {"router",
       {{"model_list",
         {{{"model_name", "gpt-4o"},
           {"litellm_params", {{"model", "openai/gpt-4o"}, {"api_base", "{{primary}}"}, {"api_key", "sk-p"}}}},
          {{"model_name", "backup"},
           {"litellm_params", {{"model", "openai/gpt-4o-mini"}, {"api_base", "{{backup}}"}, {"api_key", "sk-b"}}}}}},
        {"router_settings", {{"fallbacks", {{{"gpt-4o", {"backup"}}}}}}}}},
      {"request", {{"front", "chat"}, {"stream", true}}},
      {"expect",
       {{"outcome", "complete"}, {"attempts", {{"primary", 1}, {"backup", 1}}}, {"continuation", {"backup"}}}}};
  GradedCase c{harness::parse_scenario(json, "bench"), {}, {}};
  c.transcript = transcript_of(synthetic_stream(wire::Dialect::OpenAIChat, kDeltas));

  fakes::JournalEntry primary;
  primary.index = 1;
  primary.has_request = true;
  primary.method = "POST";
  primary.path = "/v1/chat/completions";
  primary.body = harness::client_request_body(c.scenario.client);
  primary.stream = true;
  primary.fault = c.scenario.provider("primary")->script.front().fault;
  primary.fault_fired = true;
  primary.text_sent = partial;
  primary.status = 200;
  primary.ended = fakes::ExchangeEnd::Reset;
  fakes::JournalEntry backup = primary;
  backup.fault.reset();
  backup.fault_fired = false;
  backup.continuation = true;
  backup.partial = partial;
  backup.text_sent = answer.substr(partial.size());
  backup.usage_sent = wire::Usage{12, kDeltas};
  backup.ended = fakes::ExchangeEnd::Completed;
  c.journals["primary"] = {primary};
  c.journals["backup"] = {backup};
  return c;
}

void register_read_front(wire::Dialect front) {
  const std::string name = dialect_name(front) + "-" + std::to_string(kDeltas) + "-deltas";
  const auto transcript = transcript_of(synthetic_stream(front, kDeltas));
  const auto spec = spec_for(front);
  const auto events = static_cast<int64_t>(transcript.arrivals.size());
  benchmark::RegisterBenchmark(("BM_ReadFront/" + name).c_str(),
                               [transcript, spec, events](benchmark::State& state) {
                                 for (auto _ : state) {
                                   auto view = harness::read_front(spec, transcript);
                                   benchmark::DoNotOptimize(view.text.data());
                                 }
                                 state.SetItemsProcessed(state.iterations() * events);
                               });
  benchmark::RegisterBenchmark(("BM_ReadFrontBaselineDecode/" + name).c_str(),
                               [transcript, front, events](benchmark::State& state) {
                                 for (auto _ : state) {
                                   auto decoder = wire::make_decoder(front);
                                   wire::SseFramer framer;
                                   std::vector<wire::StreamEvent> out;
                                   const wire::SseFramer::Sink sink = [&](const wire::SseEvent& sse) {
                                     decoder->decode(sse, out);
                                   };
                                   size_t fed = 0;
                                   for (const auto& arrival : transcript.arrivals) {
                                     framer.feed(std::string_view(transcript.body).substr(fed, arrival.offset - fed), sink);
                                     fed = arrival.offset;
                                   }
                                   benchmark::DoNotOptimize(out.data());
                                 }
                                 state.SetItemsProcessed(state.iterations() * events);
                               });
}

}  // namespace

void register_harness_benchmarks() {
  register_read_front(wire::Dialect::OpenAIChat);
  register_read_front(wire::Dialect::OpenAIResponses);

  auto graded = std::make_shared<GradedCase>(continued_case());
  {
    // The case must grade PASS, or the benchmark would time an early exit.
    const auto view = harness::read_front(graded->scenario.client, graded->transcript);
    harness::Observation o{graded->scenario, graded->transcript, view, graded->journals, true, "", router::UsagePolicy::Billed};
    const auto verdict = harness::grade(graded->scenario, harness::run_checks(o), o);
    if (verdict.verdict != reports::Verdict::Pass)
      throw std::runtime_error("BM_HarnessChecks: the bench case grades " +
                               std::string(reports::to_string(verdict.verdict)) + ": " + verdict.reason);
  }
  const auto events = static_cast<int64_t>(graded->transcript.arrivals.size());
  benchmark::RegisterBenchmark(
      ("BM_HarnessChecks/openai-chat-" + std::to_string(kDeltas) + "-deltas-continued").c_str(),
      [graded, events](benchmark::State& state) {
        for (auto _ : state) {
          const auto view = harness::read_front(graded->scenario.client, graded->transcript);
          harness::Observation o{graded->scenario, graded->transcript, view, graded->journals, true, "", router::UsagePolicy::Billed};
          auto checks = harness::run_checks(o);
          auto verdict = harness::grade(graded->scenario, checks, o);
          benchmark::DoNotOptimize(verdict.verdict);
        }
        state.SetItemsProcessed(state.iterations() * events);
      });
}

}  // namespace midstream::bench
