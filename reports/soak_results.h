#pragma once
// What a soak (`midstream soak`, stress/soak.h) found: plain values, filled by stress/ and only
// formatted by reports/soak_reporter.h.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace midstream::reports {

// The options the soak ran with, as the report and its replay commands repeat them.
struct SoakSettings {
  uint64_t seed = 1;
  int streams = 0;                   // streams asked for
  int concurrency = 0;               // lanes asked for
  double fault_rate = 0;
  std::vector<std::string> defects;  // the reference router's defect switches
  int only_stream = -1;              // >= 0: a replay of this one stream
  std::string target = "embedded";   // the --target value the router was made from
  std::string target_description;    // what ran, as the target describes itself
  double time_scale = 1.0;           // every timeout, stall and bound multiplied by it
  std::string time_scale_source = "fixed";
  int64_t stream_bound_ms = 0;       // a stream longer than this is "hung" (dilated)
  double max_rss_growth_mb = 0;      // the RSS bound
};

struct SoakViolation {
  int stream = 0;
  std::string kinds;                // "duplicated_text, usage_mismatch"
  std::string plan;                 // the stream's plan in words
  std::string detail;
};

// One request a fake of a replayed stream journaled, as the replay lists it.
struct SoakUpstreamRequest {
  std::string provider;             // the fake's name
  int index = 0;                    // 1-based request number at that fake
  double received_ms = 0;
  std::string fault;                // the planned fault in words, "" when none
  bool fault_fired = false;
  bool continuation = false;
  size_t partial_bytes = 0;         // the continuation's partial text
  bool mismatch = false;            // that partial was not a prefix of the answer
  int status = 0;
  std::string text_sent;
  std::optional<int64_t> usage_input, usage_output;  // the last usage written, if any
  std::string ended;                // how the exchange ended ("completed", "peer_closed", ...)
  double ended_ms = 0;
};

// --only-stream: the one stream, what the client received and what the fakes saw.
struct SoakReplay {
  int stream = 0;
  std::string plan;                 // the stream's plan in words
  std::string client_text;
  std::string client_body;
  double duration_ms = 0;
  int faults_fired = 0;
  std::vector<SoakUpstreamRequest> requests;  // every fake's requests, in the order they came
  nlohmann::json journals = nlohmann::json::object();  // fake -> its journal entries as the fakes write them
};

struct SoakReport {
  SoakSettings settings;
  int streams_run = 0;
  int faulted_streams = 0;          // planned with at least one fault
  int faults_planned = 0;
  int faults_fired = 0;
  int faults_unreached = 0;
  std::map<std::string, int> fired_kinds;
  int completed = 0;
  int clean_errors = 0;
  int clean_errors_with_healthy_fallback = 0;  // informational: a rescue was possible
  std::vector<SoakViolation> unrescued;          // the first kMaxListed of those (not violations)
  int lost_text = 0;
  int duplicated_text = 0;
  int truncated_success = 0;
  int usage_mismatches = 0;
  int hung = 0;
  int upstream_left_open = 0;
  std::map<std::string, int> other_violations;  // check id -> streams
  int violating_streams = 0;
  std::vector<SoakViolation> violations;        // the first kMaxListed
  static constexpr size_t kMaxListed = 100;
  double max_stream_ms = 0;
  // Leaks: /proc/self/fd and /proc/self/task once the fakes and router were up, after the run
  // (given time to come back), and after everything was stopped against before start-up.
  int fd_baseline = 0, fd_after = 0, fd_leak = 0;
  int thread_baseline = 0, thread_after = 0, thread_leak = 0;
  int fd_before_start = 0, fd_after_stop = 0;
  int thread_before_start = 0, thread_after_stop = 0;
  // Threads a sanitizer's runtime starts for itself (ThreadSanitizer: 1), allowed after stop.
  int runtime_threads = 0;
  double rss_start_mb = 0, rss_end_mb = 0, peak_rss_mb = 0;
  bool rss_judged = true;           // false under AddressSanitizer, whose quarantine fills RSS
  bool rss_unbounded = false;
  bool bounded_by_time = false;     // --duration-limit stopped new streams
  double duration_s = 0;
  double streams_per_s = 0;
  std::optional<SoakReplay> replayed;

  // Every per-stream check held and nothing leaked.
  bool passed() const;
  bool fds_leaked() const { return fd_leak > 0 || fd_after_stop > fd_before_start; }
  bool threads_leaked() const { return thread_leak > 0 || thread_after_stop > thread_before_start + runtime_threads; }
};

}  // namespace midstream::reports
