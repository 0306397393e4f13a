#pragma once
// The subcommands of `midstream`. Each returns the process exit status.
namespace midstream::cli {

int run_command(int argc, char** argv);     // midstream run
int list_command(int argc, char** argv);    // midstream list
int router_command(int argc, char** argv);  // midstream router
int fakes_command(int argc, char** argv);   // midstream fakes
int defects_command(int argc, char** argv); // midstream defects
int selftest_command(int argc, char** argv); // midstream selftest
int report_command(int argc, char** argv);  // midstream report
int merge_command(int argc, char** argv);   // midstream merge
int diff_command(int argc, char** argv);    // midstream diff
int load_command(int argc, char** argv);    // midstream load
int soak_command(int argc, char** argv);    // midstream soak
int new_scenario_command(int argc, char** argv);  // midstream new-scenario
int checks_command(int argc, char** argv);  // midstream checks

// Blocks SIGINT and SIGTERM in every thread started afterwards, then waits for one.
void block_stop_signals();
int wait_for_stop_signal();

}  // namespace midstream::cli
