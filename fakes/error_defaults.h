#pragma once
// What a fake provider says when it fails: the error type, code and message each real API gives
// for an HTTP status or mid-stream, wherever the fault leaves them empty. wire/ encodes them
// (wire::encode_error_body for HTTP error bodies, the dialect's encoder for in-band errors).
#include <string>

#include "wire/events.h"

namespace midstream::fakes {

// The error of an HTTP error status. OpenAI dialects: type and code by status (401
// invalid_api_key, 404 model_not_found, 429 rate_limit_exceeded, else no code); Anthropic: its
// type by status (no code).
wire::ErrorInfo status_error(wire::Dialect dialect, int status, const std::string& type,
                             const std::string& code, const std::string& message);

// The in-band error a dialect sends mid-stream: Anthropic overloaded_error, OpenAI server_error.
wire::ErrorInfo stream_error(wire::Dialect dialect, const std::string& type,
                             const std::string& code, const std::string& message);

}  // namespace midstream::fakes
