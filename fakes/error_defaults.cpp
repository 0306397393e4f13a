#include "fakes/error_defaults.h"

namespace midstream::fakes {
namespace {

std::string openai_type(int status) {
  switch (status) {
    case 401: return "invalid_request_error";
    case 403: return "permission_error";
    case 404: return "invalid_request_error";
    case 429: return "rate_limit_exceeded";
    default: return status < 500 ? "invalid_request_error" : "server_error";
  }
}

std::string openai_code(int status) {
  switch (status) {
    case 401: return "invalid_api_key";
    case 404: return "model_not_found";
    case 429: return "rate_limit_exceeded";
    default: return "";
  }
}

std::string anthropic_type(int status) {
  switch (status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 529: return "overloaded_error";
    default: return status < 500 ? "invalid_request_error" : "api_error";
  }
}

std::string default_message(int status) {
  switch (status) {
    case 400: return "Invalid request (midstream fault).";
    case 401: return "Incorrect API key provided (midstream fault).";
    case 403: return "Permission denied (midstream fault).";
    case 404: return "The model does not exist (midstream fault).";
    case 429: return "Rate limit reached (midstream fault).";
    case 529: return "Overloaded (midstream fault).";
    default: return "The server had an error while processing your request (midstream fault).";
  }
}

}  // namespace

wire::ErrorInfo status_error(wire::Dialect dialect, int status, const std::string& type,
                             const std::string& code, const std::string& message) {
  wire::ErrorInfo error;
  error.http_status = status;
  error.message = message.empty() ? default_message(status) : message;
  if (dialect == wire::Dialect::Anthropic) {
    error.type = type.empty() ? anthropic_type(status) : type;
  } else {
    error.type = type.empty() ? openai_type(status) : type;
    error.code = code.empty() ? openai_code(status) : code;
  }
  return error;
}

wire::ErrorInfo stream_error(wire::Dialect dialect, const std::string& type,
                             const std::string& code, const std::string& message) {
  wire::ErrorInfo error;
  if (dialect == wire::Dialect::Anthropic) {
    error.type = type.empty() ? "overloaded_error" : type;
    error.message = message.empty() ? "Overloaded" : message;
  } else {
    error.type = type.empty() ? "server_error" : type;
    error.code = code;
    error.message = message.empty()
                        ? "The server had an error while processing your request (midstream fault)."
                        : message;
  }
  return error;
}

}  // namespace midstream::fakes
