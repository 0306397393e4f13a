#pragma once
// The soak's report (reports/soak_results.h) as JSON and as text for people.
#include <string>

#include <nlohmann/json.hpp>

#include "reports/soak_results.h"

namespace midstream::reports {

// The command that runs stream `stream` of the soak alone: seed, fault rate, defects, target
// and time scale as the soak had them.
std::string soak_replay_command(const SoakSettings& settings, int stream);

// One JSON object: the settings, every counter, the leak figures, the violations (each with its
// replay command), the clean errors with a healthy deployment, "passed", and for a replay the
// stream's client body and the fakes' journals.
nlohmann::json to_json(const SoakReport& report);
// The counters, the leak figures and every violation with its replay command; for a replay,
// the stream's plan, its upstream requests in order and the body the client received.
std::string format_soak_report(const SoakReport& report);

}  // namespace midstream::reports
