// `midstream load`: a bounded load run of one or more routers (the reference router in-process
// or as a process, the Portkey gateway) side by side against a baseline measured in the same run
// (docs/performance.md).
#include <iostream>
#include <stdexcept>

#include "cli/args.h"
#include "cli/commands.h"
#include "reports/load_reporter.h"
#include "stress/load.h"

namespace midstream::cli {

int load_command(int argc, char** argv);  // midstream load (belongs in cli/commands.h)

namespace {

constexpr const char* kLoadHelp = R"(usage: midstream load [--target NAME]... [--streams N] [--concurrency C] [--seconds S]
                      [--json] [--quiet] [--event-delay-ms D] [--router-threads T]
                      [--switchover-streams M] [--reset-after K] [--rounds R]

Measures what routers add, on this machine, against a baseline taken in the same run, all on
127.0.0.1: a fake openai-chat provider (23-word answer, one word per delta), each router under
test in front of that same fake, and C client threads in this process.

  1. direct   N streamed answers straight from the fake
  2. each --target: N streamed answers from the same fake through that router
     (the paths run in rounds, the order rotating each round, so machine noise hits all alike)
  3. switchover, per target: the primary resets after --reset-after deltas on every request and
     a fallback continues; switchover latency is the time from the fault firing at the fake
     (its journal's fault_ms) to the first byte of the fallback's text at the client

targets (--target, repeatable; one column each; the first one's figures are also the JSON's
top-level figures):
  embedded, reference  the reference router in this process (the default)
  process, process=PATH  `midstream router` as its own process (PATH: the midstream binary,
                       default this one); it serves with as many threads as the embedded one
  portkey              the Portkey AI gateway (node, peers/portkey; npm ci on first use). It
                       cannot switch over after the first byte: its switchover is reported as not
                       applicable, and the streams it ended cleanly with part of the answer are
                       counted as truncated (they do not make the exit status 1)

Reported per path: time to first token (connect to the first text delta) and inter-chunk gaps
(between text deltas as they arrive; deltas in one read count 0), p50 and p99; streams/s; CPU
seconds per 1000 streams of this process (getrusage during that path's rounds). Per target: the
overhead (target minus direct, per percentile), throughput_ratio (its streams/s / direct
streams/s), the router's CPU per 1000 streams and its peak RSS. For process and portkey these
are the router process's own (/proc/PID/stat utime + stime, /proc/PID/status VmHWM); for embedded
the CPU is the router path minus the direct path and the RSS is this whole process's peak
(router, fakes and clients share it, so an upper bound for the router).

Every stream is checked: status 200, the whole canonical answer, [DONE] and a complete body.
Failures are counted and the first few printed, and the exit status is then 1. On a busy or
small machine compare the ratios, not the absolute figures.

options:
  --target NAME        a router to measure (repeatable; default embedded)
  --streams N          streams per path (default 2000; the switchover phase runs N/4 per target)
  --concurrency C      streams in flight at once (default 64)
  --seconds S          hard bound on the whole run (default 120): the paths share 3/4 of it in
                       equal slices per round, the switchover phases the rest; a stream still
                       running at its slice's end is cut and not counted, and the report says
                       the bound was hit
  --switchover-streams M  streams of each switchover phase (default N/4; 0 skips it)
  --reset-after K      deltas the primary sends before its reset (default 5, at most 22)
  --event-delay-ms D   the fakes' pause before every event (default 0: as fast as they can);
                       a pace like a real model's keeps the CPU from saturating, so TTFT and
                       inter-chunk figures show the router rather than a queue for the CPU.
                       The switchover phase's fallback never pauses: switchover latency is the
                       router's own, not a slow model's time to first token
  --rounds R           rounds per path (default 4)
  --router-threads T   the reference router's serving threads, in-process and as a process
                       (default C + 16, at least 32); a streaming response holds one for its
                       whole answer, so with fewer threads than concurrent streams the rest wait
                       for a free thread
  --json               print one JSON object (ttft_overhead_p50_us, ttft_overhead_p99_us,
                       switchover_p50_us, switchover_p99_us, throughput_ratio,
                       router_peak_rss_mb, concurrency, streams, and the details, for the first
                       target; "targets": the same keys per target) instead of the table;
                       progress goes to stderr unless --quiet
  --quiet              no progress lines

examples:
  midstream load                                   # 2000 streams per path, 64 concurrent
  midstream load --streams 200 --concurrency 8     # a quick look
  midstream load --target embedded --target process --target portkey   # side by side
  midstream load --json --quiet > load.json
  midstream load --event-delay-ms 10              # paced like a model: latency, not CPU queueing

What the figures mean, and one run's worth of them: docs/performance.md.
)";

}  // namespace

int load_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << kLoadHelp;
    return 0;
  }
  stress::LoadOptions options;
  options.streams = static_cast<int>(args.integer("--streams", options.streams, 1, 1'000'000));
  options.concurrency = static_cast<int>(args.integer("--concurrency", options.concurrency, 1, 1024));
  options.seconds = static_cast<double>(args.integer("--seconds", 120, 1, 3600));
  options.switchover_streams = static_cast<int>(args.integer("--switchover-streams", -1, -1, 1'000'000));
  options.reset_after_deltas = static_cast<int>(args.integer("--reset-after", options.reset_after_deltas, 1, 22));
  options.event_delay_ms = args.integer("--event-delay-ms", 0, 0, 1000);
  options.rounds = static_cast<int>(args.integer("--rounds", options.rounds, 1, 100));
  options.router_threads = static_cast<int>(args.integer("--router-threads", 0, 1, 4096));
  if (auto targets = args.values("--target"); !targets.empty()) options.targets = targets;
  const bool json = args.flag("--json");
  const bool quiet = args.flag("--quiet");
  if (!args.positionals().empty()) throw UsageError("unexpected argument " + args.positionals().front());

  stress::LoadReport report;
  try {
    report = stress::run_load(options, [quiet](const std::string& line) {
      if (!quiet) std::cerr << "load: " << line << std::endl;
    });
  } catch (const std::invalid_argument& error) {
    throw UsageError(error.what());
  }
  if (json) std::cout << reports::to_json(report).dump(2) << "\n";
  else std::cout << reports::format_load_report(report);
  // Failed streams mean the figures describe something other than the routers working: exit 1.
  return stress::load_failed(report) ? 1 : 0;
}

}  // namespace midstream::cli
