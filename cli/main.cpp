// midstream: a fault-injection conformance suite for LLM routers and gateways.
#include <cstring>
#include <iostream>
#include <string>

#include "cli/args.h"
#include "cli/build_info.h"
#include "cli/commands.h"
#include "wire/json_reader.h"

namespace {

constexpr const char* kUsage = R"(midstream: fault-injection conformance suite for LLM routers and gateways

usage: midstream <command> [options]

commands:
  run [PATHS...]      run scenarios against a router and grade it (default: the whole catalogue
                      against the embedded reference router); writes results.json, junit.xml,
                      scorecard.md and an HTML report (index.html, cases/)
  list [PATHS...]     list the scenarios with their id, front, upstream dialects and title
  router --config F   serve the reference router on 127.0.0.1
  fakes --config F    run fake providers standalone, with a loopback admin API
  defects             list the reference router's defect switches
  checks              list every check the harness runs: id, severity, requirement
  selftest            prove the suite can fail: the catalogue against every defect switch
  report RESULTS      regenerate every report format from a results.json
  merge A B ...       merge several results.json (shards, targets) into one report
  diff OLD NEW        regressions, fixes, added/removed scenarios and timing changes; exit 1 on
                      a regression
  load                the router's added latency and throughput against a direct baseline
                      (bounded, 127.0.0.1)
  soak                random faults across many streams through the router: exact text or a
                      clean error, exact usage, no hang, no leak (seeded, replayable)
  new-scenario        write a starting scenario file for a front, upstream dialects and a fault
  version             print the version and the source commit (also: --version)

Run `midstream <command> --help` for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace midstream::cli;
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  try {
    if (command == "run") return run_command(argc, argv);
    if (command == "list") return list_command(argc, argv);
    if (command == "router") return router_command(argc, argv);
    if (command == "fakes") return fakes_command(argc, argv);
    if (command == "defects") return defects_command(argc, argv);
    if (command == "checks") return checks_command(argc, argv);
    if (command == "selftest") return selftest_command(argc, argv);
    if (command == "report") return report_command(argc, argv);
    if (command == "merge") return merge_command(argc, argv);
    if (command == "diff") return diff_command(argc, argv);
    if (command == "load") return load_command(argc, argv);
    if (command == "soak") return soak_command(argc, argv);
    if (command == "new-scenario") return new_scenario_command(argc, argv);
    if (command == "version" || command == "--version") {
      std::cout << "midstream " << build_version() << " (commit " << build_commit() << ")\n";
      return 0;
    }
    std::cerr << "midstream: unknown command '" << command << "'\n\n" << kUsage;
    return 2;
  } catch (const UsageError& error) {
    std::cerr << "midstream " << command << ": " << error.what() << "\n"
              << "Run `midstream " << command << " --help` for the options.\n";
    return 2;
  } catch (const midstream::wire::ConfigError& error) {
    std::cerr << "midstream " << command << ": " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "midstream " << command << ": " << error.what() << "\n";
    return 1;
  }
}
