#pragma once
// The routers a load run measures, and the fakes and configs it puts them in front of.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "fakes/provider_config.h"
#include "harness/target.h"
#include "stress/load.h"

namespace midstream::stress {

// One --target of a load run: how to make it, and what it can be measured for.
struct LoadTargetSpec {
  std::string name;                  // targets::target_kind(...).name
  harness::TargetFactory factory;
  bool own_process = false;          // the router runs as its own process (its /proc/PID is read)
  bool switchover_applicable = true;
  std::string switchover_note;
};

// Throws std::invalid_argument for a target the load run cannot measure (it must start and
// configure the router itself), naming those it can.
void validate_load_target(const std::string& spec);

// The target's factory (the portkey target installs the gateway here, by npm ci).
LoadTargetSpec make_load_target(const std::string& spec, const LoadOptions& options);

// The reference router's serving threads: router_threads, or concurrency + 16 (at least 32).
int embedded_router_threads(const LoadOptions& options);

// The router config of a phase: one deployment in front of `primary`, and with `backup` a
// fallback group behind it.
nlohmann::json load_router_config(const std::string& primary, const std::string& backup);

// A fake openai-chat provider pausing `event_delay_ms` before every event.
fakes::ProviderConfig load_provider(const std::string& name, int64_t event_delay_ms);

// The peak resident set (VmHWM) of the target's router process in MB; 0 without one.
double router_peak_mb(const harness::Target& target);

}  // namespace midstream::stress
