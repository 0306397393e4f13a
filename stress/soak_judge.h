#pragma once
// Judging one soak stream (pure): what the client saw and what the fakes journaled, through
// the checks `midstream run` grades with (harness/checks.*, harness/front_view.*), sorted into
// the soak's counters.
#include <map>
#include <string>
#include <vector>

#include "fakes/journal.h"
#include "fakes/provider_config.h"
#include "harness/client.h"
#include "harness/scenario.h"
#include "harness/time_scale.h"
#include "router/config.h"
#include "stress/soak_plan.h"

namespace midstream::stress {

using harness::ClientSpec;
using harness::ClientTranscript;

enum class SoakEnding { Completed, CleanError, Violation };

struct SoakStreamResult {
  int index = 0;
  SoakEnding ending = SoakEnding::Violation;
  bool lost_text = false;          // the text has a gap or garbled words (not a mere prefix)
  bool duplicated_text = false;    // some word arrives more often than the answer has it
  bool truncated_success = false;  // a clean end with only a prefix of the answer
  bool usage_mismatch = false;
  bool hung = false;               // the client's timeout fired or the stream outlived its bound
  bool upstream_left_open = false; // a fake's exchange still open after the settle wait
  std::vector<std::string> other;  // ids of any other failed check (stream.well_formed, ...)
  bool healthy_fallback = false;   // the chain had a deployment with no fault at all
  int faults_fired = 0;
  std::map<std::string, int> fired_kinds;  // fault_kind -> fires in this stream
  int faults_unreached = 0;        // planned for a request that ended before the position
  std::string detail;              // the failed checks, expected vs actual (violations only)
  double duration_ms = 0;
  std::string client_text;         // what the client assembled
};

// `journals` maps each chain deployment's fake name to its entries; `providers` are those
// fakes' configs (the canonical answer, dialects); `left_open` names fakes whose exchange had
// not ended at the settle deadline.
SoakStreamResult judge_stream(const SoakStreamPlan& plan, const ClientSpec& spec,
                              const ClientTranscript& transcript,
                              const std::vector<fakes::ProviderConfig>& providers,
                              const std::map<std::string, std::vector<fakes::JournalEntry>>& journals,
                              const std::vector<std::string>& left_open,
                              router::UsagePolicy usage_policy, const TimeScale& scale = {});

// "duplicated_text, usage_mismatch": the violations of a result, as the report lists them.
std::string violation_kinds(const SoakStreamResult& result);

}  // namespace midstream::stress
