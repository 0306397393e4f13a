#pragma once
// A fault is an immutable value: a protocol position plus an action (SPEC section 3). Parsed
// once from config; unknown positions and actions are rejected with the JSON pointer.
#include <cstdint>
#include <string>

#include "wire/json_reader.h"

namespace midstream::fakes {

enum class FaultPosition {
  Unknown,
  OnConnect,      // accepted, nothing read or written
  BeforeStatus,   // request read, nothing written
  AfterHeaders,   // 200 and SSE headers sent, no event
  AfterPreamble,  // role chunk / response.created / message_start sent, no content
  AfterDeltas,    // N content deltas sent
  MidEvent,       // inside the bytes of content delta N+1
  BeforeTerminal, // all content sent; no finish, usage or terminator
  AfterUsage,     // usage sent; terminator missing
};

enum class FaultAction {
  Unknown,
  Reset,          // TCP RST (SO_LINGER 0, close)
  Close,          // FIN without the chunked terminator
  Stall,          // silence for ms (released early at shutdown), then carry on
  Status,         // an HTTP error status with a provider-shaped body
  ErrorEvent,     // the dialect's in-band error, then a clean HTTP end
  Truncate,       // a clean HTTP end without the dialect's terminator
  Malformed,      // one event of invalid JSON, then carry on
  DuplicateEvent, // the next event twice, then carry on
  Slow,           // ms between events from here on
  Drip,           // events in writes of `bytes` bytes from here on
};

struct FaultSpec {
  FaultPosition position = FaultPosition::Unknown;
  int deltas = 0;            // AfterDeltas: N; MidEvent: cut inside delta N+1
  FaultAction action = FaultAction::Unknown;
  int64_t ms = 0;            // Stall: duration; Slow: per event
  int status = 0;            // Status
  std::string retry_after;   // Status: Retry-After header value, empty for none
  std::string error_type;    // Status and ErrorEvent: provider error type ("" = dialect default)
  std::string error_code;
  std::string error_message;
  int bytes = 0;             // Drip

  // "after_deltas:3 reset", "before_status status:503 retry-after:1", ...
  std::string describe() const;
};

const char* to_string(FaultPosition position);
const char* to_string(FaultAction action);

// Reads {"at": POSITION, "n": N, "action": ACTION, ...}. Throws wire::ConfigError.
FaultSpec parse_fault(wire::ObjectReader& reader);

}  // namespace midstream::fakes
