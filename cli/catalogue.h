#pragma once
// The scenario files a command reads when it is given none, and the --catalogue option.
#include <string>
#include <vector>

#include "cli/args.h"

namespace midstream::cli {

// Reads --catalogue and the positionals, so call it after every other option: the PATHS when
// given, else --catalogue DIR, else the default catalogue (harness::data_paths()). Throws
// UsageError for PATHS together with --catalogue, or a catalogue that is not a directory.
std::vector<std::string> scenario_paths(Args& args);

}  // namespace midstream::cli
