// The load run's client side (load_client.h).
#include "stress/load_client.h"

#include <cmath>
#include <string_view>

#include "harness/client.h"
#include "wire/codec.h"
#include "wire/sse.h"

namespace midstream::stress {
namespace {

constexpr std::string_view kMarker = "[load-";  // tags each request so journals match clients

std::string marker(int id) { return std::string(kMarker) + std::to_string(id) + "]"; }

net::ClientRequest load_request(uint16_t port, const net::HeaderList& extra_headers, int id) {
  harness::ClientSpec spec = load_client_spec();
  spec.request.messages = {{"user", "Say the answer. " + marker(id)}};
  net::ClientRequest request;
  request.port = port;
  request.target = harness::client_path(spec);
  request.headers = {{"Content-Type", "application/json"},
                     {"Authorization", "Bearer sk-midstream-load"},
                     {"Accept", "text/event-stream"}};
  for (const auto& header : extra_headers) request.headers.push_back(header);
  request.body = harness::client_request_body(spec);
  return request;
}

// Reads the body as it arrives: the text deltas with their arrival times into `s`; returns the
// text and whether the terminator came.
std::pair<std::string, bool> read_answer(net::HttpStream& stream, Clock::time_point epoch, Clock::time_point deadline,
                                         StreamSample& s) {
  auto decoder = wire::make_decoder(wire::Dialect::OpenAIChat);
  wire::SseFramer framer;
  std::vector<wire::StreamEvent> events;
  const wire::SseFramer::Sink sink = [&](const wire::SseEvent& e) { decoder->decode(e, events); };
  std::string text, chunk;
  bool terminator = false;
  for (;;) {
    chunk.clear();
    if (!stream.read_some(&chunk, deadline)) break;
    const double at = ms_between(epoch, Clock::now());
    events.clear();
    framer.feed(chunk, sink);
    const size_t before = text.size();
    for (const auto& event : events) {
      if (event.kind == wire::EventKind::TextDelta) {
        text += event.text;
        s.delta_ms.push_back(at);
        if (s.first_text_ms < 0) s.first_text_ms = at;
      } else if (event.kind == wire::EventKind::End) {
        terminator = true;
      } else if ((event.kind == wire::EventKind::Error || event.kind == wire::EventKind::Malformed) &&
                 s.problem.empty()) {
        s.problem = wire::describe(event);
      }
    }
    if (text.size() > before) s.growth.emplace_back(at, text.size());
  }
  return {text, terminator};
}

std::string how_it_ended(const net::HttpStream& stream) {
  std::string text(net::to_string(stream.end()));
  if (!stream.detail().empty()) text += " (" + stream.detail() + ")";
  return text;
}

}  // namespace

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

harness::ClientSpec load_client_spec() {
  harness::ClientSpec spec;
  spec.front = harness::Front::Chat;
  spec.stream = true;
  spec.request.model = "gpt-4o";
  spec.request.include_usage = true;
  spec.request.messages = {{"user", "Say the answer."}};
  return spec;
}

int marker_id(const std::string& body) {
  size_t at = body.find(kMarker);
  if (at == std::string::npos) return -1;
  at += kMarker.size();
  int id = 0;
  const size_t first = at;
  while (at < body.size() && body[at] >= '0' && body[at] <= '9' && at - first < 9)
    id = id * 10 + (body[at++] - '0');
  return at > first && at < body.size() && body[at] == ']' ? id : -1;
}

StreamSample run_stream(uint16_t port, const net::HeaderList& extra_headers, int id, const std::string& answer,
                        Clock::time_point epoch, Clock::time_point phase_deadline) {
  StreamSample s;
  s.ran = true;
  const net::ClientRequest request = load_request(port, extra_headers, id);
  const auto start = Clock::now();
  s.start_ms = ms_between(epoch, start);
  const auto deadline = std::min(phase_deadline, start + std::chrono::milliseconds(kLoadStreamTimeoutMs));
  net::HttpStream stream;
  if (!stream.start(request, deadline) || !stream.read_head(deadline)) {
    s.problem = "no response head: " + how_it_ended(stream);
    s.cut = stream.end() == net::StreamEnd::Timeout && Clock::now() >= phase_deadline;
    return s;
  }
  if (stream.head().status != 200) {
    s.problem = "status " + std::to_string(stream.head().status);
    return s;
  }
  const auto [text, terminator] = read_answer(stream, epoch, deadline, s);
  if (!s.problem.empty()) return s;
  if (stream.end() == net::StreamEnd::Timeout && Clock::now() >= phase_deadline) s.cut = true;
  s.truncated = stream.end() == net::StreamEnd::Complete && text.size() < answer.size() &&
                answer.compare(0, text.size(), text) == 0;
  if (stream.end() != net::StreamEnd::Complete) s.problem = "the body ended " + how_it_ended(stream);
  else if (!terminator) s.problem = "no [DONE]";
  else if (text != answer) s.problem = "text differs from the canonical answer (" + std::to_string(text.size()) + " bytes)";
  else s.ok = true;
  return s;
}

reports::LatencySummary summarize(std::vector<double> us) {
  reports::LatencySummary s;
  s.count = us.size();
  if (us.empty()) return s;
  std::sort(us.begin(), us.end());
  auto rank = [&](double q) {  // nearest rank
    const auto r = static_cast<size_t>(std::ceil(q * static_cast<double>(us.size())));
    return us[std::min(us.size() - 1, r == 0 ? 0 : r - 1)];
  };
  s.p50_us = rank(0.50);
  s.p99_us = rank(0.99);
  double sum = 0;
  for (double v : us) sum += v;
  s.mean_us = sum / static_cast<double>(us.size());
  s.max_us = us.back();
  return s;
}

}  // namespace midstream::stress
