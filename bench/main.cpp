// midstream_bench: Google Benchmark microbenchmarks, each subject beside its baseline.
// Run: midstream_bench [--benchmark_filter=REGEX] [--benchmark_min_time=S] (docs/performance.md).
#include <benchmark/benchmark.h>

#include <exception>
#include <iostream>

#include "bench/register.h"

int main(int argc, char** argv) {
  try {
    midstream::bench::register_sse_benchmarks();
    midstream::bench::register_codec_benchmarks();
    midstream::bench::register_router_benchmarks();
    midstream::bench::register_harness_benchmarks();
  } catch (const std::exception& error) {
    std::cerr << "midstream_bench: " << error.what() << "\n";
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
