// `midstream run` and `midstream list`: the catalogue against a target, with live progress.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/catalogue.h"
#include "cli/commands.h"
#include "cli/time_scale_option.h"
#include "targets/config_formats.h"
#include "harness/runner.h"
#include "harness/selector.h"
#include "harness/scenario.h"
#include "harness/target.h"
#include "targets/registry.h"
#include "reports/reporter.h"
#include "router/defects.h"

namespace midstream::cli {
namespace {

constexpr const char* kRunHelp = R"(usage: midstream run [PATHS...] [options]

Runs scenarios against a router and grades each one PASS, NON-STRICT, SAFE, UNSUPPORTED, FAIL
or ERROR. PATHS are scenario files or directories (default: the catalogue, see --catalogue).
Writes results.json (schema midstream.report.v1), junit.xml, scorecard.md and a static HTML
report (index.html with a page per case under cases/) into --out. Exits 0 only when nothing is
FAIL or ERROR.

options:
  --filter SEL      only the selected scenarios: an id (3.1.1), every id below a prefix on dot
                    boundaries (3.1 or 3: never 3.10 or 13), a glob over ids ('3.*',
                    '7.?.10'), or, with a letter, a glob over file names ('*reset*', or
                    'stall' anywhere in the name); `midstream list --filter SEL` shows the pick
  --shard I/N       only every N-th scenario of the sorted selection, starting at index I
                    (0-based): shards 0/N ... N-1/N partition it exactly; put their
                    results.json back together with `midstream merge`
  --jobs N          scenarios run at once (default: 4)
  --catalogue DIR   the catalogue to read when no PATHS are given (default: the installed
                    one, PREFIX/share/midstream/scenarios, else the source tree's scenarios/)
  --out DIR         where the reports go (default: midstream-report)
  --target NAME     the router under test (default: embedded); repeatable: the catalogue runs
                    against each target in turn, into one report with a column per target
                      embedded     the reference router in-process (alias: reference)
                      process      the reference router as its own process per scenario
                                   (`midstream router --config TMPFILE --port 0`, this binary)
                      process=PATH the same with another midstream binary
                      url=http://127.0.0.1:PORT
                                   a router you run and configure yourself (loopback only);
                                   needs --fakes-port-base; its scenarios run one at a time
                      portkey      the Portkey AI gateway pinned by peers/portkey (Node.js 20+;
                                   `npm ci` into the build tree on first use), one process
                                   for the run; each scenario's config goes in its
                                   x-portkey-config header, what Portkey cannot express is
                                   UNSUPPORTED with the reason
                      cmd=COMMAND  any router that reads a config file and listens on a port,
                                   started by midstream: COMMAND is split into words like a
                                   shell would (no shell runs it) with {config} (the file
                                   midstream writes, see --config-format), {port} (a free
                                   loopback port) and {dir} (a folder of the launch's own).
                                   Ready when --ready-path answers 2xx, else when the port
                                   accepts a connection; refused if it listens off 127.0.0.1.
                                   Scenarios share launches; the run says how many it needed
                      litellm      the LiteLLM proxy at the newest version pinned by
                                   peers/litellm, installed by pip (hash-locked) into the build
                                   tree on first use; run offline, on 127.0.0.1, no database
                      litellm@V    another pinned version (peers/litellm/requirements-V.txt)
                      litellm=PATH a LiteLLM you installed (its litellm executable)
                      nginx        Debian's nginx as a reverse proxy (peers/nginx):
                                   proxy_next_upstream, proxy_buffering off (nginx=PATH: another
                                   nginx binary)
  --config-format F cmd target: what {config} holds: json (default; the router config as
                    deployments.json has it, for `midstream router --config`), litellm (LiteLLM's
                    config.yaml), nginx (peers/nginx/nginx.conf.in filled), or template=FILE:
                    FILE with its placeholders filled:
%s  --ready-path PATH cmd target: ready once GET PATH answers 2xx (default: a TCP connect)
  --ready-timeout S cmd, litellm, nginx: seconds to wait for the router to be ready (default:
                    cmd 60, litellm 120, nginx 15); a router that never is: ERROR with its output
  --fakes-port-base N
                    url target: the fakes listen on fixed ports, per scenario its providers
                    in name order on N, N+1, ...; the deployments to configure are printed
                    and written to DIR/deployments.json before the run
  --deployments-only
                    url target: print and write deployments.json, then exit without running
  --defect NAME     turn on a defect switch of the reference router (embedded, process;
                    repeatable; see `midstream defects`), to see which scenarios catch it
  --seed N          the reference router's jitter seed (embedded, process; default: 1): its
                    router_settings.seed, unless a scenario sets its own; it also numbers the
                    router's response ids. Written into results.json
%s  --verbose         print every failed check of every non-PASS result

examples:
  midstream run                                  # whole catalogue, embedded reference router
  midstream run scenarios/3-mid-stream --jobs 8   # one category
  midstream run --filter '3.1.*' --defect resend-partial
  midstream run --target embedded --target process --jobs 8   # two columns in one scorecard
  midstream run --shard 0/2 --out s0 && midstream run --shard 1/2 --out s1 &&
    midstream merge s0/results.json s1/results.json --out merged
  midstream run --target url=http://127.0.0.1:4000 --fakes-port-base 9100 --filter 3.1.1
  midstream run --target litellm                 # LiteLLM, installed on first use
  midstream run --target litellm@1.85.0 --filter '8.*' --out litellm-1.85.0
  midstream run --target nginx
  midstream run --target 'cmd=midstream router --config {config} --port {port}' --ready-path /health
  midstream run --target 'cmd=/opt/venv/bin/litellm --config {config} --port {port} --host 127.0.0.1' \
                --config-format litellm --ready-path /health/liveliness
)";

// Each line of `text` indented by `width` spaces.
std::string indented(const std::string& text, size_t width) {
  std::string out;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    out += std::string(width, ' ') + text.substr(start, end + 1 - start);
  return out;
}

constexpr const char* kListHelp = R"(usage: midstream list [PATHS...] [--filter SEL] [--shard I/N] [--catalogue DIR]

Lists scenarios with id, front, stream mode, upstream dialects and title. PATHS are scenario
files or directories; without them, the catalogue: --catalogue DIR, else the installed one
(PREFIX/share/midstream/scenarios), else the source tree's scenarios/. --shard I/N lists what
`midstream run --shard I/N` would run, --filter SEL what `midstream run --filter SEL` would run
(an id, an id prefix on dot boundaries, a glob over ids, or a glob over file names: see `run
--help`). A scenario file that does not load is reported with its path, the JSON pointer and what
was expected, and the command exits 2.
)";

std::vector<harness::Scenario> load_selected(Args& args, std::string* shard_text = nullptr) {
  auto filter = args.value("--filter");
  auto shard = args.value("--shard");
  if (shard && shard_text) *shard_text = *shard;
  const auto paths = scenario_paths(args);
  std::vector<harness::Scenario> scenarios;
  for (const auto& file : harness::find_scenario_files(paths)) {
    auto scenario = harness::load_scenario(file);
    if (filter && !harness::selects(*filter, scenario.id, file)) continue;
    scenarios.push_back(std::move(scenario));
  }
  if (shard) {
    try {
      scenarios = harness::select_shard(scenarios, harness::parse_shard(*shard));
    } catch (const std::invalid_argument& error) {
      throw UsageError(error.what());
    }
  }
  return scenarios;
}

// Prints the deployments a url target's router must be configured with, and how many distinct
// router configs the selection needs (a router holds one at a time).
void print_deployments(const nlohmann::ordered_json& sheet, const std::string& path) {
  std::cout << "deployments for the router at " << sheet["router_url"].get<std::string>() << " (fakes from port "
            << sheet["fakes_port_base"].get<int>() << "; each scenario's full router config is \"config\" in "
            << path << "):\n";
  std::set<std::string> distinct;
  for (const auto& entry : sheet["scenarios"]) {
    std::cout << "  " << entry["scenario"].get<std::string>() << "  " << entry["title"].get<std::string>() << "\n";
    std::map<std::string, std::string> fake_of;
    for (const auto& [name, provider] : entry["providers"].items())
      fake_of[provider["api_base"].get<std::string>()] = name + ", " + provider["dialect"].get<std::string>();
    for (const auto& deployment : entry["config"].value("model_list", nlohmann::ordered_json::array())) {
      const auto params = deployment.value("litellm_params", nlohmann::ordered_json::object());
      const std::string base = params.value("api_base", "");
      std::cout << "      " << std::left << std::setw(14) << deployment.value("model_name", "?") << " -> "
                << params.value("model", "?") << " at " << base;
      if (fake_of.count(base)) std::cout << " (fake " << fake_of[base] << ")";
      std::cout << "\n";
    }
    std::cout << "      router_settings " << entry["config"].value("router_settings", nlohmann::ordered_json::object()).dump()
              << "\n";
    distinct.insert(entry["config"].dump());
  }
  std::cout << sheet["scenarios"].size() << " scenarios need " << distinct.size()
            << (distinct.size() == 1 ? " router config" : " distinct router configs")
            << (distinct.size() > 1 ? ": a router holds one at a time, so run the scenarios of one config per router "
                                      "start (e.g. --filter ID)"
                                    : "")
            << "\n\n";
}

// What `midstream run` was asked to do, its options read and checked against each other.
struct RunRequest {
  harness::RunOptions options;  // jobs, seed, time scale
  std::string out_dir;
  std::vector<std::string> target_specs;  // --target values, in order
  targets::TargetOptions target_options;
  bool deployments_only = false;
  bool verbose = false;
  bool scale_given = false;  // --time-scale or MIDSTREAM_TIME_SCALE, not measured
  bool seed_given = false;
};

RunRequest parse_run_options(Args& args) {
  RunRequest request;
  auto& options = request.options;
  options.jobs = static_cast<int>(args.integer("--jobs", 4, 1, 256));
  request.seed_given = args.has("--seed");
  options.seed = static_cast<uint64_t>(args.integer("--seed", targets::kDefaultRouterSeed, 0, 1L << 62));
  request.out_dir = args.value("--out").value_or("midstream-report");
  request.target_specs = args.values("--target");
  if (request.target_specs.empty()) request.target_specs.push_back("embedded");
  auto& target_options = request.target_options;
  target_options.fakes_port_base = static_cast<uint16_t>(args.integer("--fakes-port-base", 0, 1, 65535));
  request.deployments_only = args.flag("--deployments-only");
  target_options.defects = args.values("--defect");
  request.verbose = args.flag("--verbose");
  request.scale_given = args.has("--time-scale") || std::getenv("MIDSTREAM_TIME_SCALE") != nullptr;
  options.time_scale = time_scale_option(args);
  for (const auto& d : target_options.defects)
    if (!router::is_known_defect(d)) throw UsageError("unknown defect '" + d + "' (see `midstream defects`)");
  target_options.seed = options.seed;
  target_options.config_format = args.value("--config-format").value_or("");
  target_options.ready_path = args.value("--ready-path").value_or("");
  target_options.ready_timeout = std::chrono::seconds(args.integer("--ready-timeout", 0, 1, 3600));
  const auto& specs = request.target_specs;
  const bool any_cmd =
      std::any_of(specs.begin(), specs.end(), [](const std::string& spec) { return spec.rfind("cmd=", 0) == 0; });
  if (!any_cmd && (!target_options.config_format.empty() || !target_options.ready_path.empty()))
    throw UsageError("--config-format and --ready-path are for a cmd= target (--target 'cmd=COMMAND')");
  return request;
}

// The routers under test: a factory per --target, its kind, and the url= targets' addresses.
struct RunTargets {
  std::vector<harness::TargetFactory> factories;
  std::vector<const targets::TargetKind*> kinds;
  std::vector<std::string> urls;
};

// A --target value the registry refuses is a usage error.
template <typename Build>
auto from_registry(Build build) {
  try {
    return build();
  } catch (const std::runtime_error& error) {
    throw UsageError(error.what());
  }
}

// Checks the targets against the options before building any (a target may install its router
// on first use).
RunTargets set_up_targets(const RunRequest& request) {
  RunTargets run;
  for (const auto& spec : request.target_specs) {
    run.kinds.push_back(from_registry([&] { return &targets::target_kind(spec); }));
    for (size_t i = 0; i + 1 < run.kinds.size(); ++i)
      if (run.kinds[i]->name == run.kinds.back()->name)
        throw UsageError("two targets named '" + run.kinds.back()->name + "': a run holds one column per target name");
    if (run.kinds.back()->name == "url") run.urls.push_back(spec.substr(spec.find('=') + 1));
  }
  const bool any_reference = std::any_of(run.kinds.begin(), run.kinds.end(),
                                         [](const targets::TargetKind* kind) { return kind->reference_router; });
  if (request.seed_given && !any_reference)
    throw UsageError("--seed seeds the reference router's jitter (targets embedded, process); no target here is it");
  if (request.target_options.fakes_port_base != 0 && run.urls.empty())
    throw UsageError("--fakes-port-base is for a url target (--target url=http://127.0.0.1:PORT)");
  if (request.deployments_only && run.urls.empty())
    throw UsageError("--deployments-only is for a url target (--target url=http://127.0.0.1:PORT)");
  for (const auto& spec : request.target_specs)
    run.factories.push_back(from_registry([&] { return targets::make_target_factory(spec, request.target_options); }));
  return run;
}

// A url target's router is configured by the user: writes and prints its deployments sheet.
// False when that was all that was asked (--deployments-only).
bool write_url_sheets(const RunTargets& run, const RunRequest& request, const std::vector<harness::Scenario>& scenarios) {
  const uint16_t port_base = request.target_options.fakes_port_base;
  for (const auto& url : run.urls) {
    std::vector<harness::Scenario> dilated;
    for (const auto& s : scenarios) dilated.push_back(harness::dilate(s, request.options.time_scale));
    targets::UrlRunSheet written;
    try {
      written = targets::write_url_sheet(url, dilated, port_base, request.out_dir);
    } catch (const std::runtime_error& error) {
      throw UsageError(error.what());
    }
    print_deployments(written.sheet, written.path);
    if (request.deployments_only) {
      std::cout << "wrote " << written.path << "\n";
      return false;
    }
    if (request.options.jobs > 1)
      std::cerr << "midstream: note: scenarios against url=" << url << " run one at a time (--jobs "
                << request.options.jobs << " ignored for it): their fakes share ports " << port_base << ".."
                << port_base + written.most_providers - 1 << "\n";
  }
  return true;
}

// What the reporters hear before the first result: each target as `--target` names it.
reports::RunInfo run_info(const RunRequest& request, const RunTargets& run, size_t scenarios, const std::string& shard) {
  reports::RunInfo info;
  info.scenarios = scenarios;
  info.shard = shard;
  for (const auto* kind : run.kinds)
    info.targets.push_back({{kind->name, kind->summary,
                             kind->reference_router ? request.target_options.defects : std::vector<std::string>{}},
                            kind->max_jobs});
  info.jobs = request.options.jobs;
  info.seed = request.options.seed;
  info.time_scale = request.options.time_scale.factor;
  info.time_scale_source = request.options.time_scale.source;
  return info;
}

// "PROG run --filter ID --target T": how to run one case again.
std::string replay_command(const char* program, const std::vector<std::string>& target_specs) {
  return std::string(program) + " run --filter ID" +
         (target_specs.size() == 1 ? " --target " + target_specs.front() : std::string(" --target T"));
}

// Runs the scenarios against every target, handing the runner's data to each reporter: start,
// every result and target note as they come, finish with the whole run.
reports::RunResults run_reported(const std::vector<harness::Scenario>& scenarios, const RunTargets& run,
                                 harness::RunOptions options, const reports::RunInfo& info,
                                 const std::vector<reports::Reporter*>& reporters) {
  for (auto* reporter : reporters) reporter->start(info);
  options.on_result = [&reporters](const reports::ScenarioResult& result, size_t, size_t) {
    for (auto* reporter : reporters) reporter->on_result(result);
  };
  options.on_note = [&reporters](const reports::TargetInfo& target, const std::string& note) {
    for (auto* reporter : reporters) reporter->on_note(target, note);
  };
  auto results = harness::run_targets(scenarios, run.factories, options);
  for (auto* reporter : reporters) reporter->finish(results);
  return results;
}

}  // namespace

int run_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::printf(kRunHelp, indented(targets::kTemplatePlaceholdersHelp, 22).c_str(), kTimeScaleHelp);
    return 0;
  }
  RunRequest request = parse_run_options(args);
  const RunTargets run = set_up_targets(request);
  if (!run.urls.empty() && !request.scale_given) {
    // A router configured once from the deployments sheet cannot follow a factor measured anew
    // on every run: url runs are undilated unless the factor is given (and the sheet has it).
    request.options.time_scale = {1.0, "fixed for a url target (give --time-scale to dilate; the sheet carries it)"};
  }
  std::string shard;
  const auto scenarios = load_selected(args, &shard);
  if (scenarios.empty()) throw UsageError("no scenario matched");
  if (!write_url_sheets(run, request, scenarios)) return 0;

  reports::ConsoleReporter console(std::cout, std::cerr,
                                   {isatty(STDERR_FILENO) != 0, request.verbose,
                                    replay_command(argc > 0 ? argv[0] : "midstream", request.target_specs)});
  reports::DirectoryReporter files(request.out_dir, &std::cout);
  const auto results = run_reported(scenarios, run, request.options, run_info(request, run, scenarios.size(), shard),
                                    {&console, &files});
  return results.ok() ? 0 : 1;
}

int list_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << kListHelp;
    return 0;
  }
  auto scenarios = load_selected(args);
  for (const auto& s : scenarios) {
    std::string upstreams;
    for (const auto& d : s.upstream_dialects()) upstreams += (upstreams.empty() ? "" : ",") + d;
    std::cout << std::left << std::setw(9) << s.id << std::setw(10) << to_string(s.client.front)
              << std::setw(8) << (s.client.stream ? "stream" : "whole") << std::setw(36) << upstreams
              << s.title << "\n";
  }
  std::cout << scenarios.size() << " scenarios\n";
  return 0;
}

}  // namespace midstream::cli
