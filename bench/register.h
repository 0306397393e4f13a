#pragma once
// Each benchmark file registers its benchmarks at run time (their names come from the fixtures
// found on disk); main() calls these in order, so a subject and its baseline sit side by side.
namespace midstream::bench {

void register_sse_benchmarks();
void register_codec_benchmarks();
void register_router_benchmarks();
void register_harness_benchmarks();

}  // namespace midstream::bench
