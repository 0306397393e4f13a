#pragma once
// Provider-shaped error bodies, as each real API sends them with an HTTP error status.
#include <string>

#include "wire/events.h"

namespace midstream::fakes {

// OpenAI (chat and Responses): {"error":{"message","type","param":null,"code"}}.
// Anthropic: {"type":"error","error":{"type","message"}}.
// Empty type/code/message get the provider's usual values for the status.
std::string provider_error_body(wire::Dialect dialect, int status, const std::string& type,
                                const std::string& code, const std::string& message);

// The in-band error a dialect sends mid-stream, with the same defaults.
wire::ErrorInfo default_stream_error(wire::Dialect dialect, const std::string& type,
                                     const std::string& code, const std::string& message);

}  // namespace midstream::fakes
