// SSE framing throughput: wire::SseFramer over every fixture and over a long synthetic chat
// stream, each beside a plain memchr scan for "\n\n" over the same bytes (the least any framer
// has to do: find the event boundaries).
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_data.h"
#include "bench/register.h"

namespace midstream::bench {
namespace {

constexpr int kLongStreamChunks = 10'000;
constexpr size_t kTcpRead = 1460;  // one Ethernet-sized read at a time, as the router gets them

size_t count_blank_lines(std::string_view bytes) {
  size_t events = 0;
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  while (p < end) {
    const auto* hit = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (hit == nullptr) break;
    if (hit + 1 < end && hit[1] == '\n') {
      ++events;
      p = hit + 2;
    } else {
      p = hit + 1;
    }
  }
  return events;
}

// piece == 0: all bytes in one feed; otherwise feeds of `piece` bytes.
size_t frame_all(const std::string& bytes, size_t piece) {
  wire::SseFramer framer;
  size_t events = 0;
  const wire::SseFramer::Sink sink = [&events](const wire::SseEvent&) { ++events; };
  if (piece == 0) {
    framer.feed(bytes, sink);
  } else {
    for (size_t at = 0; at < bytes.size(); at += piece)
      framer.feed(std::string_view(bytes).substr(at, piece), sink);
  }
  framer.finish(sink);
  return events;
}

void register_pair(const std::string& source, const std::string& bytes, size_t piece) {
  const std::string suffix = piece == 0 ? "" : "/reads-of-" + std::to_string(piece);
  benchmark::RegisterBenchmark(("BM_SseFramer/" + source + suffix).c_str(),
                               [bytes, piece](benchmark::State& state) {
                                 size_t events = 0;
                                 for (auto _ : state) {
                                   events = frame_all(bytes, piece);
                                   benchmark::DoNotOptimize(events);
                                 }
                                 state.SetBytesProcessed(state.iterations() *
                                                         static_cast<int64_t>(bytes.size()));
                                 state.counters["events"] = static_cast<double>(events);
                               });
  benchmark::RegisterBenchmark(("BM_SseBaselineMemchr/" + source + suffix).c_str(),
                               [bytes](benchmark::State& state) {
                                 size_t events = 0;
                                 for (auto _ : state) {
                                   benchmark::DoNotOptimize(bytes.data());
                                   events = count_blank_lines(bytes);
                                   benchmark::DoNotOptimize(events);
                                 }
                                 state.SetBytesProcessed(state.iterations() *
                                                         static_cast<int64_t>(bytes.size()));
                                 state.counters["events"] = static_cast<double>(events);
                               });
}

}  // namespace

void register_sse_benchmarks() {
  for (const auto& fixture : fixtures()) register_pair(fixture.name, fixture.bytes, 0);
  const std::string long_chat = synthetic_stream(wire::Dialect::OpenAIChat, kLongStreamChunks);
  const std::string name = "synthetic/openai-chat-" + std::to_string(kLongStreamChunks) + "-chunks";
  register_pair(name, long_chat, 0);
  register_pair(name, long_chat, kTcpRead);
}

}  // namespace midstream::bench
