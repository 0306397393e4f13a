// Each dialect's decoder and encoder, in events per second, beside nlohmann::json on the same
// data lines: parsing each data line once is the least a decoder does; an encoder is put beside
// both parsing and dumping the JSON it writes. Sources: that dialect's fixtures, and a synthetic
// answer of 10,000 deltas. A subject and its baselines report items for the same stream (SSE
// events fed to the decoder; canonical events given to the encoder), so items/s compare directly.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_data.h"
#include "bench/register.h"

namespace midstream::bench {
namespace {

constexpr int kSyntheticDeltas = 10'000;

struct Source {
  std::string name;                                  // "fixtures" or "synthetic-10000"
  std::vector<std::vector<wire::SseEvent>> streams;  // SSE events of each stream
  std::vector<std::vector<wire::StreamEvent>> canonical;  // decoded, what an encoder is given
};

Source make_source(wire::Dialect dialect, bool synthetic) {
  Source source;
  if (synthetic) {
    source.name = "synthetic-" + std::to_string(kSyntheticDeltas);
    source.streams.push_back(frame_events(synthetic_stream(dialect, kSyntheticDeltas)));
    source.canonical.push_back(synthetic_events(kSyntheticDeltas));
    return source;
  }
  source.name = "fixtures";
  for (const auto& fixture : fixtures()) {
    if (fixture.dialect != dialect) continue;
    source.streams.push_back(frame_events(fixture.bytes));
    source.canonical.push_back(wire::decode_stream(dialect, fixture.bytes));
  }
  return source;
}

int64_t total(const std::vector<std::vector<wire::SseEvent>>& streams) {
  int64_t n = 0;
  for (const auto& s : streams) n += static_cast<int64_t>(s.size());
  return n;
}

int64_t total(const std::vector<std::vector<wire::StreamEvent>>& streams) {
  int64_t n = 0;
  for (const auto& s : streams) n += static_cast<int64_t>(s.size());
  return n;
}

wire::EncoderOptions encoder_options() {
  wire::EncoderOptions options;
  options.id = "bench";
  options.model = "bench-model";
  options.created = 1'700'000'000;
  options.include_usage = true;
  return options;
}

void register_decode(wire::Dialect dialect, const Source& source) {
  const std::string tail = dialect_name(dialect) + "/" + source.name;
  const auto streams = source.streams;
  const int64_t items = total(streams);
  benchmark::RegisterBenchmark(("BM_Decode/" + tail).c_str(), [dialect, streams, items](benchmark::State& state) {
    std::vector<wire::StreamEvent> out;
    for (auto _ : state) {
      for (const auto& stream : streams) {
        auto decoder = wire::make_decoder(dialect);
        for (const auto& event : stream) {
          out.clear();
          decoder->decode(event, out);
          benchmark::DoNotOptimize(out.data());
        }
      }
    }
    state.SetItemsProcessed(state.iterations() * items);
  });
  benchmark::RegisterBenchmark(("BM_DecodeBaselineJsonParse/" + tail).c_str(),
                               [streams, items](benchmark::State& state) {
                                 for (auto _ : state) {
                                   for (const auto& stream : streams)
                                     for (const auto& event : stream) {
                                       auto json = nlohmann::json::parse(event.data, nullptr, false);
                                       benchmark::DoNotOptimize(json);
                                     }
                                 }
                                 state.SetItemsProcessed(state.iterations() * items);
                               });
}

void register_encode(wire::Dialect dialect, const Source& source) {
  const std::string tail = dialect_name(dialect) + "/" + source.name;
  const auto canonical = source.canonical;
  const int64_t items = total(canonical);
  // The data lines the encoder writes for these events, for the JSON baselines.
  std::vector<std::string> lines;
  std::vector<nlohmann::json> values;
  for (const auto& events : canonical)
    for (const auto& sse : frame_events(wire::encode_stream(dialect, encoder_options(), events))) {
      lines.push_back(sse.data);
      values.push_back(nlohmann::json::parse(sse.data, nullptr, false));
    }
  benchmark::RegisterBenchmark(("BM_Encode/" + tail).c_str(), [dialect, canonical, items](benchmark::State& state) {
    std::string out;
    for (auto _ : state) {
      for (const auto& events : canonical) {
        auto encoder = wire::make_encoder(dialect, encoder_options());
        out.clear();
        for (const auto& event : events) encoder->encode(event, out);
        benchmark::DoNotOptimize(out.data());
      }
    }
    state.SetItemsProcessed(state.iterations() * items);
    state.counters["bytes_out"] = static_cast<double>(out.size());
  });
  benchmark::RegisterBenchmark(("BM_EncodeBaselineJsonParse/" + tail).c_str(),
                               [lines, items](benchmark::State& state) {
                                 for (auto _ : state)
                                   for (const auto& line : lines) {
                                     auto json = nlohmann::json::parse(line, nullptr, false);
                                     benchmark::DoNotOptimize(json);
                                   }
                                 state.SetItemsProcessed(state.iterations() * items);
                               });
  benchmark::RegisterBenchmark(("BM_EncodeBaselineJsonDump/" + tail).c_str(),
                               [values, items](benchmark::State& state) {
                                 for (auto _ : state)
                                   for (const auto& value : values) {
                                     auto text = value.dump();
                                     benchmark::DoNotOptimize(text.data());
                                   }
                                 state.SetItemsProcessed(state.iterations() * items);
                               });
}

}  // namespace

void register_codec_benchmarks() {
  for (auto dialect : all_dialects())
    for (bool synthetic : {false, true}) register_decode(dialect, make_source(dialect, synthetic));
  for (auto dialect : all_dialects())
    for (bool synthetic : {false, true}) register_encode(dialect, make_source(dialect, synthetic));
}

}  // namespace midstream::bench
