#include "harness/client.h"

#include <strings.h>

#include "wire/codec.h"
#include "wire/sse.h"

namespace midstream::harness {
namespace {

double ms_since(net::TimePoint epoch) {
  return std::chrono::duration<double, std::milli>(net::Clock::now() - epoch).count();
}

}  // namespace

std::string client_path(const ClientSpec& spec) {
  return std::string(wire::request_path(front_dialect(spec.front)));
}

std::string client_request_body(const ClientSpec& spec) {
  wire::CanonicalRequest request = spec.request;
  request.stream = spec.stream;
  auto body = wire::encode_request(front_dialect(spec.front), request);
  // disable_fallbacks is a router extension: encode_request leaves it to the router, so the
  // client adds it itself.
  if (spec.request.disable_fallbacks) body["disable_fallbacks"] = true;
  return body.dump();
}

ClientTranscript run_client(const ClientSpec& spec, uint16_t port, net::TimePoint epoch,
                            const std::atomic<bool>* stop, const net::HeaderList& extra_headers) {
  ClientTranscript t;
  t.started_ms = ms_since(epoch);
  const auto deadline = net::Clock::now() + std::chrono::milliseconds(spec.timeout_ms);
  net::ClientRequest request;
  request.port = port;
  request.target = client_path(spec);
  request.headers = {{"Content-Type", "application/json"},
                     {"Authorization", "Bearer sk-midstream-client"}};
  if (spec.stream) request.headers.emplace_back("Accept", "text/event-stream");
  for (const auto& extra : extra_headers) {  // a target's header replaces a default one
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const std::string& name = extra.first;
    std::erase_if(request.headers, [&](const auto& header) { return ::strcasecmp(header.first.c_str(), name.c_str()) == 0; });
    request.headers.emplace_back(name, extra.second);
  }
  request.body = client_request_body(spec);

  net::HttpStream stream(stop);
  auto finish = [&]() {
    t.end = stream.end();
    t.detail = stream.detail();
    t.timed_out = t.end == net::StreamEnd::Timeout;
    t.ended_ms = ms_since(epoch);
    return t;
  };
  if (!stream.start(request, deadline) || !stream.read_head(deadline)) return finish();
  t.status = stream.head().status;
  t.headers = stream.head().headers;

  // Counts text deltas on the fly, for a client that hangs up mid-stream.
  auto decoder = wire::make_decoder(front_dialect(spec.front));
  wire::SseFramer framer;
  int deltas = 0;
  std::vector<wire::StreamEvent> events;
  std::string chunk;
  for (;;) {
    chunk.clear();
    if (!stream.read_some(&chunk, deadline)) break;
    t.body += chunk;
    t.arrivals.push_back({ms_since(epoch), t.body.size()});
    if (spec.disconnect_after_deltas >= 0 && t.status == 200) {
      events.clear();
      framer.feed(chunk, [&](const wire::SseEvent& e) { decoder->decode(e, events); });
      for (const auto& e : events) deltas += e.kind == wire::EventKind::TextDelta ? 1 : 0;
      if (deltas >= spec.disconnect_after_deltas) {
        t.disconnected = true;
        t.disconnect_ms = ms_since(epoch);
        stream.close();
        t.end = net::StreamEnd::Stopped;
        t.ended_ms = t.disconnect_ms;
        return t;
      }
    }
    if (spec.read_delay_ms > 0 &&
        !net::sleep_until(net::Clock::now() + std::chrono::milliseconds(spec.read_delay_ms), stop))
      break;
  }
  return finish();
}

}  // namespace midstream::harness
