#pragma once
// The harness's client: a real HTTP client on its own socket that sends the scenario's request
// to the router under test and records the transcript with timestamps, exactly as the wire
// delivered it (status, headers, body bytes, how the connection ended).
#include <atomic>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "net/http_client.h"

namespace midstream::harness {

struct ClientTranscript {
  int status = 0;
  net::HeaderList headers;
  std::string body;                 // de-chunked body bytes
  struct Arrival {
    double ms;                      // relative to the scenario epoch
    size_t offset;                  // body size after this read
  };
  std::vector<Arrival> arrivals;
  net::StreamEnd end = net::StreamEnd::Open;
  std::string detail;
  bool disconnected = false;        // the client hung up on purpose (disconnect_after_deltas)
  double disconnect_ms = 0;
  double started_ms = 0;
  double ended_ms = 0;
  bool timed_out = false;           // the client's own timeout fired
};

// Sends the request to 127.0.0.1:port and reads the response until it ends, the client's
// timeout passes, or (disconnect_after_deltas) enough text deltas arrived. `extra_headers` are
// the target's (Target::request_headers), e.g. a gateway's per-request routing config; one
// replaces the client's default of the same name (Authorization: a router's own key).
ClientTranscript run_client(const ClientSpec& spec, uint16_t port, net::TimePoint epoch,
                            const std::atomic<bool>* stop, const net::HeaderList& extra_headers = {});

// The request body the client sends for a spec (front shape).
std::string client_request_body(const ClientSpec& spec);
// "/v1/chat/completions" or "/v1/responses".
std::string client_path(const ClientSpec& spec);

}  // namespace midstream::harness
