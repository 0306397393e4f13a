// Continuation building (router/continuation.h) for a long partial answer, per upstream dialect,
// beside a baseline that only copies the original request and appends the partial as one
// message: the copy every continuation needs, whatever its shape.
#include <benchmark/benchmark.h>

#include <string>

#include "bench/bench_data.h"
#include "bench/register.h"
#include "router/continuation.h"
#include "wire/request.h"

namespace midstream::bench {
namespace {

wire::CanonicalRequest original_request() {
  wire::CanonicalRequest request;
  request.model = "gpt-4o";
  request.stream = true;
  request.include_usage = true;
  request.messages = {{"system", "You are a careful assistant."},
                      {"user", "Tell me a long story about a fox, a dog and a router."}};
  request.extra = {{"temperature", 0.2}, {"top_p", 1}};
  return request;
}

struct Case {
  const char* name;
  wire::Dialect dialect;
  bool prefill;
};

}  // namespace

void register_router_benchmarks() {
  const Case cases[] = {{"openai-chat", wire::Dialect::OpenAIChat, false},
                        {"openai-responses", wire::Dialect::OpenAIResponses, false},
                        {"anthropic-prefill", wire::Dialect::Anthropic, true},
                        {"anthropic", wire::Dialect::Anthropic, false}};
  for (int deltas : {1'000, 10'000}) {
    // A partial cut mid-answer ends in a space-led word; add trailing whitespace so the
    // prefill case has a seam to strip.
    const std::string partial = synthetic_text(deltas) + " ";
    const auto original = original_request();
    const std::string size = std::to_string(deltas) + "-deltas";
    for (const auto& c : cases) {
      benchmark::RegisterBenchmark(
          ("BM_BuildContinuation/" + std::string(c.name) + "/" + size).c_str(),
          [original, partial, c](benchmark::State& state) {
            for (auto _ : state) {
              auto plan = router::build_continuation(original, partial, c.dialect, c.prefill);
              benchmark::DoNotOptimize(plan.request.messages.data());
            }
            state.SetItemsProcessed(state.iterations());
            state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(partial.size()));
          });
    }
    benchmark::RegisterBenchmark(("BM_ContinuationBaselineCopy/" + size).c_str(),
                                 [original, partial](benchmark::State& state) {
                                   for (auto _ : state) {
                                     wire::CanonicalRequest copy = original;
                                     copy.messages.push_back({"assistant", partial});
                                     benchmark::DoNotOptimize(copy.messages.data());
                                   }
                                   state.SetItemsProcessed(state.iterations());
                                   state.SetBytesProcessed(state.iterations() *
                                                           static_cast<int64_t>(partial.size()));
                                 });
    // What the router does next with the plan: the upstream request body.
    benchmark::RegisterBenchmark(
        ("BM_BuildContinuationAndEncode/openai-chat/" + size).c_str(),
        [original, partial](benchmark::State& state) {
          for (auto _ : state) {
            auto plan = router::build_continuation(original, partial, wire::Dialect::OpenAIChat, false);
            auto body = wire::encode_request(wire::Dialect::OpenAIChat, plan.request).dump();
            benchmark::DoNotOptimize(body.data());
          }
          state.SetItemsProcessed(state.iterations());
          state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(partial.size()));
        });
  }
}

}  // namespace midstream::bench
