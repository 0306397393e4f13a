// `midstream soak`: random faults across many streams through the reference router (in this
// process or as its own), every stream checked, then a leak check (docs/reliability.md).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/time_scale_option.h"
#include "reports/soak_reporter.h"
#include "stress/soak.h"

namespace midstream::cli {
namespace {

constexpr const char* kSoakHelp = R"(usage: midstream soak [--seed S] [--streams N] [--concurrency C] [--fault-rate R]
                      [--duration-limit SEC] [--only-stream K] [--defect NAME]... [--target NAME]
                      [--time-scale X] [--json] [--quiet]

Drives N streamed answers through the reference router (in this process unless --target says
otherwise; 127.0.0.1 only), C at a time, with faults drawn at random from the fakes' vocabulary:
a position (on_connect, before_status, after_headers, after_preamble, after_deltas:N,
mid_event:N, before_terminal, after_usage) and an action (reset, close, stall, status,
error_event, truncate, malformed, duplicate_event, slow, drip). Each stream gets a front (chat
or responses, streamed) and a fallback chain of 2 or 3 deployments of random upstream dialects
(openai-chat, openai-responses, anthropic with or without prefill) across provider prefixes. A
share R of the streams is faulted: the primary always, a fallback sometimes, once or on every
request. The router runs with one retry and short timeouts (400 ms to headers and to first
content, 300 ms idle, 6 s per request), so stalls resolve in a few hundred milliseconds; on a
slow or busy machine every timeout, stall and bound is multiplied by the time scale
(--time-scale).

The plan is a pure function of the seed and the stream index: the same seed gives every stream
the same front, chain and faults, whatever --streams and --concurrency are, so any stream can be
replayed alone with --only-stream.

Every stream is checked with the same checks `midstream run` grades scenarios with:
  completed          the text equals the canonical answer exactly, with the terminator, or
  clean error        an HTTP error status with an OpenAI-shaped body, or the front's in-band
                     error with no terminator, after at most a prefix of the answer
and never:
  lost_text          a gap or garbled words
  duplicated_text    a word more often than the answer has it (a repeat at the seam)
  truncated_success  a clean end after only part of the answer
  usage_mismatches   usage other than the sum of what each fake reported (policy billed)
  hung               a stream past 8 s (the router's deadline is 6 s), or no end at all
  and every wire-shape check (one preamble, one finish, the Responses lifecycle, ...).
After the run, with the router idle, open file descriptors (/proc/self/fd) and threads
(/proc/self/task) must come back to their count after start-up within 5 s, and again to the
count before start-up once everything stopped; RSS may grow at most 256 MB. With --target
process these are this process's (the fakes' and the clients'), not the router process's.

Exit status: 0 when every stream held every check and nothing leaked, 1 otherwise, 2 for bad
flags. Each violation is printed with its seed, stream index, plan, the failed checks and the
command that replays it.

options:
  --seed S             the plan's seed (default 1)
  --streams N          streams to run (default 2000)
  --concurrency C      streams in flight at once, 1..64 (default 16); each runs in a lane of
                       its own fakes (9 per lane), so streams never share a fake's script
  --fault-rate R       share of streams with at least one fault, 0..1 (default 0.3)
  --duration-limit SEC no stream starts after SEC seconds (default 600); a stream already
                       running has its own 10 s bound, and the leak check up to 10 s more
  --only-stream K      run only stream K of the seed's plan and print what the client received
  --defect NAME        switch on a reference-router defect (midstream defects), to watch the
                       checks catch it; repeatable
  --target NAME        the router under test: embedded (alias reference; the default), or
                       process, process=PATH (`midstream router` as its own process; PATH: the
                       midstream executable, default this one). Other targets cannot serve the
                       soak's generated config and are refused
%s  --json               print one JSON object: seed, streams, faults_fired, completed,
                       clean_errors, lost_text, duplicated_text, truncated_success,
                       usage_mismatches, hung, fd_leak, thread_leak, duration_s, peak_rss_mb,
                       streams_per_s, faults_by_kind, violations (with replay commands), ...
  --quiet              no progress lines (otherwise every 3 s on stderr)

examples:
  midstream soak --seed 1 --streams 2000 --concurrency 16 --fault-rate 0.3 --json   # CI
  midstream soak --seed 7 --streams 100000 --duration-limit 3600                    # a long soak
  midstream soak --streams 300 --defect resend-partial     # duplicated_text, exit 1
  midstream soak --seed 7 --only-stream 4182               # replay one stream
  midstream soak --streams 500 --target process            # across a process boundary
)";

double parse_rate(const std::optional<std::string>& text, double fallback) {
  if (!text) return fallback;
  char* end = nullptr;
  const double value = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0' || !std::isfinite(value) || value < 0 || value > 1)
    throw UsageError("--fault-rate expects a number between 0 and 1, got '" + *text + "'");
  return value;
}

uint64_t parse_seed(const std::optional<std::string>& text, uint64_t fallback) {
  if (!text) return fallback;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || (*text)[0] == '-')
    throw UsageError("--seed expects a non-negative integer, got '" + *text + "'");
  return static_cast<uint64_t>(value);
}

}  // namespace

int soak_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::printf(kSoakHelp, kTimeScaleHelp);
    return 0;
  }
  stress::SoakOptions options;
  options.seed = parse_seed(args.value("--seed"), options.seed);
  options.streams = static_cast<int>(args.integer("--streams", options.streams, 1, 10'000'000));
  options.concurrency = static_cast<int>(args.integer("--concurrency", options.concurrency, 1, 64));
  options.fault_rate = parse_rate(args.value("--fault-rate"), options.fault_rate);
  options.duration_limit_s = static_cast<double>(args.integer("--duration-limit", 600, 1, 24 * 3600));
  options.only_stream = static_cast<int>(args.integer("--only-stream", -1, 0, 10'000'000 - 1));
  options.defects = args.values("--defect");
  if (auto target = args.value("--target")) options.target = *target;
  options.time_scale = time_scale_option(args);
  const bool json = args.flag("--json");
  const bool quiet = args.flag("--quiet");
  if (!args.positionals().empty()) throw UsageError("unexpected argument " + args.positionals().front());

  stress::SoakReport report;
  try {
    report = stress::run_soak(options, [quiet](const std::string& line) {
      if (!quiet) std::cerr << "soak: " << line << std::endl;
    });
  } catch (const std::invalid_argument& error) {
    throw UsageError(error.what());
  }
  if (json) std::cout << reports::to_json(report).dump(2) << "\n";
  else std::cout << reports::format_soak_report(report);
  return report.passed() ? 0 : 1;
}

}  // namespace midstream::cli
