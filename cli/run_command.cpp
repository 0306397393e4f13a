// `midstream run` and `midstream list`: the catalogue against a target, with live progress.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

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
#include "reports/format.h"
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
  --seed N          seed for the router's jitter (default: 1)
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

std::string one_line(const std::string& text, size_t max) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  return out;
}

void print_failures(const reports::ScenarioResult& r, bool verbose, bool with_target) {
  std::cout << "  " << std::left << std::setw(11) << reports::to_string(r.verdict) << r.scenario;
  if (with_target) std::cout << "  [" << r.target << "]";
  std::cout << "  " << r.title << "\n      " << r.reason << "\n";
  int shown = 0;
  for (const auto& c : r.checks) {
    if (c.passed) continue;
    if (!verbose && shown == 2) {
      std::cout << "      (more failed checks in results.json; --verbose shows all)\n";
      break;
    }
    ++shown;
    std::cout << "      " << c.id << " (" << reports::to_string(c.severity) << ")\n"
              << "        expected: " << one_line(c.expected, 300) << "\n"
              << "        actual:   " << one_line(c.actual, 300) << "\n";
  }
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

}  // namespace

int run_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::printf(kRunHelp, indented(targets::kTemplatePlaceholdersHelp, 22).c_str(), kTimeScaleHelp);
    return 0;
  }
  harness::RunOptions options;
  options.jobs = static_cast<int>(args.integer("--jobs", 4, 1, 256));
  options.seed = static_cast<uint64_t>(args.integer("--seed", 1, 0, 1L << 62));
  const std::string out_dir = args.value("--out").value_or("midstream-report");
  auto target_specs = args.values("--target");
  if (target_specs.empty()) target_specs.push_back("embedded");
  const auto fakes_port_base = static_cast<uint16_t>(args.integer("--fakes-port-base", 0, 1, 65535));
  const bool deployments_only = args.flag("--deployments-only");
  const auto defects = args.values("--defect");
  const bool verbose = args.flag("--verbose");
  const bool scale_given = args.has("--time-scale") || std::getenv("MIDSTREAM_TIME_SCALE") != nullptr;
  options.time_scale = time_scale_option(args);
  for (const auto& d : defects)
    if (!router::is_known_defect(d)) throw UsageError("unknown defect '" + d + "' (see `midstream defects`)");

  targets::TargetOptions target_options;
  target_options.defects = defects;
  target_options.fakes_port_base = fakes_port_base;
  target_options.config_format = args.value("--config-format").value_or("");
  target_options.ready_path = args.value("--ready-path").value_or("");
  target_options.ready_timeout = std::chrono::seconds(args.integer("--ready-timeout", 0, 1, 3600));
  const bool any_cmd = std::any_of(target_specs.begin(), target_specs.end(),
                                   [](const std::string& spec) { return spec.rfind("cmd=", 0) == 0; });
  if (!any_cmd && (!target_options.config_format.empty() || !target_options.ready_path.empty()))
    throw UsageError("--config-format and --ready-path are for a cmd= target (--target 'cmd=COMMAND')");
  std::vector<harness::TargetFactory> factories;
  std::vector<const targets::TargetKind*> kinds;
  std::vector<std::string> url_specs;
  for (const auto& spec : target_specs) {
    try {
      kinds.push_back(&targets::target_kind(spec));
      factories.push_back(targets::make_target_factory(spec, target_options));
    } catch (const std::runtime_error& error) {
      throw UsageError(error.what());
    }
    for (size_t i = 0; i + 1 < kinds.size(); ++i)
      if (kinds[i]->name == kinds.back()->name)
        throw UsageError("two targets named '" + kinds.back()->name + "': a run holds one column per target name");
    if (kinds.back()->name == "url") url_specs.push_back(spec.substr(spec.find('=') + 1));
  }
  if (!url_specs.empty() && !scale_given) {
    // A router configured once from the deployments sheet cannot follow a factor measured anew
    // on every run: url runs are undilated unless the factor is given (and the sheet has it).
    options.time_scale = {1.0, "fixed for a url target (give --time-scale to dilate; the sheet carries it)"};
  }
  if (fakes_port_base != 0 && url_specs.empty())
    throw UsageError("--fakes-port-base is for a url target (--target url=http://127.0.0.1:PORT)");
  if (deployments_only && url_specs.empty())
    throw UsageError("--deployments-only is for a url target (--target url=http://127.0.0.1:PORT)");
  std::string shard;
  auto scenarios = load_selected(args, &shard);
  if (scenarios.empty()) throw UsageError("no scenario matched");

  for (const auto& url : url_specs) {
    std::vector<harness::Scenario> dilated;
    for (const auto& s : scenarios) dilated.push_back(harness::dilate(s, options.time_scale));
    targets::UrlRunSheet written;
    try {
      written = targets::write_url_sheet(url, dilated, fakes_port_base, out_dir);
    } catch (const std::runtime_error& error) {
      throw UsageError(error.what());
    }
    const auto& sheet = written.sheet;
    const auto& path = written.path;
    const size_t most = written.most_providers;
    print_deployments(sheet, path);
    if (deployments_only) {
      std::cout << "wrote " << path << "\n";
      return 0;
    }
    if (options.jobs > 1)
      std::cerr << "midstream: note: scenarios against url=" << url
                << " run one at a time (--jobs " << options.jobs << " ignored for it): their fakes share ports "
                << fakes_port_base << ".." << fakes_port_base + most - 1 << "\n";
  }

  const bool tty = isatty(STDERR_FILENO) != 0;
  std::cerr << "midstream " << MIDSTREAM_VERSION << ": " << scenarios.size() << " scenarios";
  if (!shard.empty()) std::cerr << " (shard " << shard << ")";
  std::cerr << " against ";
  for (size_t i = 0; i < kinds.size(); ++i)
    std::cerr << (i ? "; " : "") << harness::describe({kinds[i]->name, kinds[i]->summary,
                                                      kinds[i]->takes_defects ? defects : std::vector<std::string>{}});
  std::cerr << ", " << options.jobs << " at a time";
  for (const auto* kind : kinds)
    if (kind->max_jobs > 0 && kind->max_jobs < options.jobs) std::cerr << " (" << kind->name << ": " << kind->max_jobs << ")";
  std::cerr << ", time scale x" << reports::format_factor(options.time_scale.factor) << " ("
            << options.time_scale.source << ")\n";
  size_t name_width = 0;
  for (const auto* kind : kinds) name_width = std::max(name_width, kind->name.size());
  options.on_result = [tty, name_width](const reports::ScenarioResult& r, size_t done, size_t total) {
    std::ostringstream line;
    line << "[" << std::setw(3) << done << "/" << total << "] " << std::left
         << std::setw(static_cast<int>(name_width) + 1) << r.target << std::setw(11)
         << reports::to_string(r.verdict) << std::setw(8) << r.scenario << " " << one_line(r.title, 60) << " ("
         << static_cast<long>(r.duration_ms) << " ms)";
    if (tty) std::cerr << "\r\033[K" << line.str() << std::flush;
    else std::cerr << line.str() << "\n";
  };
  std::vector<std::string> notes;  // what a target says about the run: a launch-command target's launches
  options.on_note = [&notes](const reports::TargetInfo& info, const std::string& note) {
    notes.push_back(info.name + ": " + note);
  };
  auto results = harness::run_targets(scenarios, factories, options);
  if (tty) std::cerr << "\r\033[K";

  const auto verdicts = {reports::Verdict::Pass, reports::Verdict::NonStrict, reports::Verdict::Safe,
                         reports::Verdict::Unsupported, reports::Verdict::Fail, reports::Verdict::Error};
  std::cout << "\n" << scenarios.size() << " scenarios against ";
  for (size_t i = 0; i < results.targets.size(); ++i) std::cout << (i ? "; " : "") << harness::describe(results.targets[i]);
  std::cout << " in " << std::fixed << std::setprecision(2) << results.wall_ms / 1000.0 << " s wall time\n";
  for (const auto& info : results.targets) {
    std::map<reports::Verdict, int> counts;
    for (const auto& r : results.results)
      if (r.target == info.name) ++counts[r.verdict];
    if (results.targets.size() > 1) std::cout << "  " << std::left << std::setw(static_cast<int>(name_width) + 1) << info.name;
    for (auto verdict : verdicts) std::cout << "  " << reports::to_string(verdict) << " " << counts[verdict];
    std::cout << "\n";
  }
  for (const auto& note : notes) std::cout << note << "\n";
  bool header = false;
  for (const auto& r : results.results) {
    if (r.verdict == reports::Verdict::Pass) continue;
    if (!header) std::cout << "\nnot PASS:\n";
    header = true;
    print_failures(r, verbose, results.targets.size() > 1);
  }
  if (header)
    std::cout << "\nreplay one case: " << (argc > 0 ? argv[0] : "midstream") << " run --filter ID"
              << (target_specs.size() == 1 ? " --target " + target_specs.front() : std::string(" --target T"))
              << " --time-scale " << reports::format_factor(options.time_scale.factor) << "\n";
  auto written = reports::write_all(results, out_dir);
  std::cout << "\nreports:";
  for (const auto& path : written) std::cout << " " << path;
  std::cout << "\n";
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
