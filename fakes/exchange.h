#pragma once
// Answers one HTTP request on a fake provider's socket: the deterministic reply, shaped by the
// provider's dialect, with the planned fault fired at its exact protocol position.
#include <atomic>
#include <string>

#include "fakes/journal.h"
#include "fakes/provider_config.h"
#include "net/http1.h"
#include "net/socket.h"

namespace midstream::fakes {

struct Exchange {
  net::Fd& fd;
  const ProviderConfig& config;
  Journal& journal;
  int entry;                       // journal index of this request
  const std::atomic<bool>& stop;
};

// Returns true when the connection may serve another request (keep-alive).
bool answer_exchange(Exchange& exchange, const net::RequestHead& head, const std::string& body,
                     const ScriptEntry& plan);

// Fires an on_connect fault on a connection that sent nothing yet.
void fire_on_connect(Exchange& exchange, const FaultSpec& fault);

}  // namespace midstream::fakes
