#pragma once
// The load run's client side: one streamed chat answer as a client thread sees it (timed per
// text delta), client threads over a count of streams, and the percentiles of the samples.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "harness/scenario.h"
#include "net/http_client.h"
#include "reports/load_results.h"

namespace midstream::stress {

using Clock = net::Clock;
using Progress = std::function<void(const std::string&)>;

inline constexpr int64_t kLoadStreamTimeoutMs = 15'000;  // one stream, at most (never past the run's bound)
inline constexpr size_t kMaxProblems = 8;                // problems a report lists

double ms_between(Clock::time_point from, Clock::time_point to);

// What every phase of a run shares: one epoch for the journals and the clients, the bounds,
// and the markers that tell the streams apart in a fake's journal.
struct LoadClock {
  Clock::time_point epoch;
  Clock::time_point paths_bound;   // the direct and router paths end by it
  Clock::time_point bound;         // the whole run ends by it
  Clock::duration stagger{};       // client threads start spread over this (one event interval)
  std::atomic<int> next_id{0};
};

// What one client saw of one streamed answer.
struct StreamSample {
  bool ran = false;
  bool cut = false;                 // the run's time bound ended it: neither a success nor a failure
  bool ok = false;                  // 200, the whole answer, the terminator, a complete body
  bool truncated = false;           // a complete body (a clean end) with only a prefix of the answer
  double start_ms = 0;              // before connecting, relative to the run's epoch
  double first_text_ms = -1;
  std::vector<double> delta_ms;     // arrival of every text delta
  std::vector<std::pair<double, size_t>> growth;  // (arrival, text bytes so far) per read with text
  std::string problem;
};

// The request every load stream sends (a marker in its message tells the journals apart).
harness::ClientSpec load_client_spec();

// The id of the "[load-ID]" marker in a request body, -1 when there is none.
int marker_id(const std::string& body);

// Streams the answer from 127.0.0.1:port with the marker of `id`, checking it against `answer`.
StreamSample run_stream(uint16_t port, const net::HeaderList& extra_headers, int id, const std::string& answer,
                        Clock::time_point epoch, Clock::time_point phase_deadline);

// Runs one(i) for i in [0, count) on min(count, concurrency) threads; no new i after deadline.
// Thread w starts w/threads of `stagger` late: paced streams that all started at once would tick
// in step, and every one of them would reach the router (or fail over) in the same instant.
template <typename F>
void run_parallel(int count, int concurrency, Clock::time_point deadline, Clock::duration stagger, F&& one) {
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  const int threads = std::min(count, concurrency);
  workers.reserve(static_cast<size_t>(threads));
  const auto start = Clock::now();
  for (int w = 0; w < threads; ++w)
    workers.emplace_back([&, w]() {
      if (!net::sleep_until(std::min(deadline, start + stagger * w / threads), nullptr)) return;
      while (Clock::now() < deadline) {
        const int i = next.fetch_add(1);
        if (i >= count) return;
        one(i);
      }
    });
  for (auto& worker : workers) worker.join();
}

// p50 (nearest rank), p99, mean and max of samples in microseconds.
reports::LatencySummary summarize(std::vector<double> us);

}  // namespace midstream::stress
