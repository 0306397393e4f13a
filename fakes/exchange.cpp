#include "fakes/exchange.h"

#include <algorithm>

#include "fakes/error_body.h"
#include "fakes/fake_model.h"
#include "wire/codec.h"
#include "wire/request.h"
#include "wire/sse.h"

namespace midstream::fakes {
namespace {

constexpr size_t kResponseCapture = 64 * 1024;
constexpr auto kWriteTimeout = std::chrono::seconds(30);
// After corrupting the stream the fake holds the rest back a moment: a router that abandons the
// attempt hangs up first, so the journal's usage is what the router could really have read.
constexpr int64_t kHoldAfterCorruption = 250;
// The longest a reset waits for the stream's written bytes to leave (a client that reads nothing
// can hold them back for ever).
constexpr auto kResetDrainBound = std::chrono::seconds(1);

struct Frame {
  wire::EventKind kind;
  std::string bytes;  // whole SSE frames for one canonical event (may be empty)
};

// Writes to the socket and keeps the journal's view of what the client could have read.
class Wire {
 public:
  explicit Wire(Exchange& ex)
      : ex_(ex), decoder_(wire::make_decoder(ex.config.dialect)) {}

  // Returns false when the peer is gone or the fake is stopping (the journal is closed then).
  bool write_raw(std::string_view bytes) {
    auto status = net::write_all(ex_.fd.get(), bytes, net::Clock::now() + kWriteTimeout, &ex_.stop);
    if (status == net::IoStatus::Ok) return true;
    finish(status == net::IoStatus::Stopped ? ExchangeEnd::Stopped : ExchangeEnd::PeerClosed);
    return false;
  }

  // One piece of SSE bytes as one HTTP chunk.
  bool write_chunk(std::string_view sse) {
    if (sse.empty()) return true;
    if (!write_raw(net::encode_chunk(sse))) return false;
    observe(sse);
    return true;
  }

  // Waits ms, watching for shutdown and for the peer going away. False when the exchange ended.
  bool pause(int64_t ms) {
    if (ms <= 0) return true;
    const auto until = net::Clock::now() + std::chrono::milliseconds(ms);
    while (net::Clock::now() < until) {
      auto slice = std::min(until, net::Clock::now() + std::chrono::milliseconds(5));
      if (!net::sleep_until(slice, &ex_.stop)) {
        finish(ExchangeEnd::Stopped);
        return false;
      }
      if (net::peer_closed(ex_.fd.get())) {
        finish(ExchangeEnd::PeerClosed);
        return false;
      }
    }
    return true;
  }

  void fired() {
    const double at = ex_.journal.now_ms();
    ex_.journal.update(ex_.entry, [&](JournalEntry& e) {
      e.fault_fired = true;
      e.fault_ms = at;
    });
  }

  void finish(ExchangeEnd how) {
    if (ended_) return;
    ended_ = true;
    ex_.journal.close(ex_.entry, how);
  }
  bool ended() const { return ended_; }
  const std::atomic<bool>* stop() const { return &ex_.stop; }

 private:
  void observe(std::string_view sse) {
    std::vector<wire::StreamEvent> events;
    framer_.feed(sse, [&](const wire::SseEvent& event) { decoder_->decode(event, events); });
    std::string capture(sse.substr(0, kResponseCapture));
    const double written_ms = ex_.journal.now_ms();
    ex_.journal.update(ex_.entry, [&](JournalEntry& e) {
      for (const auto& event : events) {
        if (event.kind == wire::EventKind::TextDelta) e.text_sent += event.text;
        if (event.kind == wire::EventKind::Usage) {
          e.usage_sent = event.usage;
          e.usage_trail.push_back({written_ms, event.usage});
        }
      }
      if (e.response_bytes.size() < kResponseCapture) e.response_bytes += capture;
    });
  }

  Exchange& ex_;
  std::unique_ptr<wire::StreamDecoder> decoder_;
  wire::SseFramer framer_;
  bool ended_ = false;
};

std::string status_response(int status, const std::string& body, const std::string& retry_after,
                            bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                    std::string(net::reason_phrase(status)) + "\r\n";
  out += "Content-Type: application/json\r\n";
  if (!retry_after.empty()) out += "Retry-After: " + retry_after + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  out += "\r\n" + body;
  return out;
}

// An error answer that is not a fault (bad request, wrong path, rejected prefill).
bool send_plain_error(Exchange& ex, Wire& out, int status, const std::string& message,
                      ExchangeEnd how, bool keep_alive) {
  const std::string body = provider_error_body(ex.config.dialect, status, "", "", message);
  ex.journal.update(ex.entry, [&](JournalEntry& e) {
    e.status = status;
    e.response_bytes = body;
  });
  if (!out.write_raw(status_response(status, body, "", keep_alive))) return false;
  out.finish(how);
  return keep_alive;
}

// Acts on a fault that ends or pauses the exchange. Returns true to carry on with the answer.
bool fire_terminal(Wire& out, net::Fd& fd, const FaultSpec& fault) {
  // What the stream wrote reaches the client before the reset, as the script says; the fault's
  // time is when the RST goes.
  if (fault.action == FaultAction::Reset)
    net::wait_sent(fd.get(), net::Clock::now() + kResetDrainBound, out.stop());
  out.fired();
  switch (fault.action) {
    case FaultAction::Reset:
      out.finish(ExchangeEnd::Reset);
      net::close_with_reset(fd);
      return false;
    case FaultAction::Close:
      out.finish(ExchangeEnd::Closed);
      net::close_with_fin(fd);
      return false;
    case FaultAction::Stall:
      return out.pause(fault.ms);
    default:
      return true;
  }
}

// One event whose data is cut-off JSON, framed the way the dialect frames its content events.
std::string malformed_frame(wire::Dialect dialect) {
  switch (dialect) {
    case wire::Dialect::OpenAIResponses:
      return wire::sse_frame("response.output_text.delta",
                             "{\"type\": \"response.output_text.delta\", \"delta\": \"");
    case wire::Dialect::Anthropic:
      return wire::sse_frame("content_block_delta", "{\"type\": \"content_block_delta\", \"delta\": {");
    default:
      return wire::sse_frame("", "{\"choices\": [{\"delta\": {\"content\": \"");
  }
}

std::string id_prefix(wire::Dialect dialect) {
  switch (dialect) {
    case wire::Dialect::OpenAIResponses: return "resp_fake";
    case wire::Dialect::Anthropic: return "msg_fake";
    default: return "chatcmpl-fake";
  }
}

// Where a fault fires: the index of the frame it comes before. -1 when the stream never gets there.
int fire_index(const FaultSpec& fault, const std::vector<Frame>& frames, int deltas) {
  switch (fault.position) {
    case FaultPosition::AfterHeaders: return 0;
    case FaultPosition::AfterPreamble: return 1;
    case FaultPosition::AfterDeltas: return fault.deltas <= deltas ? 1 + fault.deltas : -1;
    case FaultPosition::MidEvent: return fault.deltas < deltas ? 1 + fault.deltas : -1;
    case FaultPosition::BeforeTerminal: return 1 + deltas;
    case FaultPosition::AfterUsage:
      for (size_t i = 0; i < frames.size(); ++i)
        if (frames[i].kind == wire::EventKind::Usage)
          return frames[i].bytes.empty() ? -1 : static_cast<int>(i) + 1;
      return -1;
    default: return -1;
  }
}

bool answer_stream(Exchange& ex, Wire& out, const wire::CanonicalRequest& request,
                   const ModelReply& reply, const std::optional<FaultSpec>& fault,
                   bool keep_alive) {
  const auto& config = ex.config;
  wire::EncoderOptions options;
  options.id = id_prefix(config.dialect) + "-" + config.name + "-" + std::to_string(ex.entry);
  options.model = config.model;
  options.created = 1'700'000'000;
  options.include_usage = request.include_usage || config.dialect != wire::Dialect::OpenAIChat;
  auto encoder = wire::make_encoder(config.dialect, options);

  std::vector<Frame> frames;
  std::vector<wire::StreamEvent> events;
  auto add = [&](const wire::StreamEvent& event) {
    Frame frame{event.kind, {}};
    encoder->encode(event, frame.bytes);
    frames.push_back(std::move(frame));
    events.push_back(event);
  };
  // The in-band error as the dialect sends it at frame i: a fresh encoder replays the events
  // before i, so the error continues the stream (Responses sequence_number and all) instead of
  // coming from an encoder that already wrote the whole answer.
  auto error_frame_at = [&](size_t i, const wire::ErrorInfo& error) {
    auto replay = wire::make_encoder(config.dialect, options);
    std::string discarded, bytes;
    for (size_t j = 0; j < i; ++j) replay->encode(events[j], discarded);
    replay->encode(wire::StreamEvent::error_event(error), bytes);
    return bytes;
  };
  auto preamble = wire::StreamEvent::preamble(options.id, options.model);
  preamble.usage = {reply.usage.input_tokens, 1};  // Anthropic's message_start reports output 1
  add(preamble);
  const auto deltas = split_deltas(reply.text, config.words_per_delta);
  for (const auto& delta : deltas) add(wire::StreamEvent::text_delta(delta));
  int content = static_cast<int>(deltas.size());
  if (config.tool_call && !reply.mismatch) {
    // The tool call follows the text: its fragments count as content deltas for fault positions.
    bool first = true;
    for (const auto& fragment : split_fragments(config.tool_call->arguments)) {
      wire::ToolDelta tool;
      if (first) {
        tool.id = config.tool_call->id;
        tool.name = config.tool_call->name;
      }
      first = false;
      tool.arguments = fragment;
      add(wire::StreamEvent::tool_delta(tool));
      ++content;
    }
  }
  add(wire::StreamEvent::finish(config.tool_call && !reply.mismatch ? "tool_calls" : "stop"));
  add(wire::StreamEvent::usage_report(reply.usage));
  add(wire::StreamEvent::end());

  // Like a real provider, a stream leaves the connection open for the client's next request
  // unless the client asked otherwise. The head never depends on the script: a provider cannot
  // know it is about to fail, and a client that reads `Connection: close` as a hint would be
  // graded on the fake's tell instead of its own behaviour.
  std::string head =
      std::string("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                  "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n") +
      (keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
  ex.journal.update(ex.entry, [](JournalEntry& e) { e.status = 200; });
  if (!out.write_raw(head)) return false;

  const int at = fault ? fire_index(*fault, frames, content) : -1;
  int64_t pace_ms = config.event_delay_ms;
  int drip = 0;
  auto write_frame = [&](const std::string& bytes) {
    if (!out.pause(pace_ms)) return false;
    if (drip <= 0) return out.write_chunk(bytes);
    for (size_t i = 0; i < bytes.size(); i += static_cast<size_t>(drip))
      if (!out.write_chunk(std::string_view(bytes).substr(i, static_cast<size_t>(drip))))
        return false;
    return true;
  };

  for (size_t i = 0; i < frames.size(); ++i) {
    if (static_cast<int>(i) == at) {
      const FaultSpec& f = *fault;
      if (f.position == FaultPosition::MidEvent) {
        const std::string& bytes = frames[i].bytes;
        if (!out.write_chunk(std::string_view(bytes).substr(0, bytes.size() / 2))) return false;
      }
      switch (f.action) {
        case FaultAction::Reset:
        case FaultAction::Close:
        case FaultAction::Stall:
          if (!fire_terminal(out, ex.fd, f)) return false;
          break;
        case FaultAction::ErrorEvent: {
          out.fired();
          // A cut event is closed first, so the error arrives as an event of its own.
          std::string bytes = f.position == FaultPosition::MidEvent ? "\n\n" : "";
          bytes += error_frame_at(i, default_stream_error(config.dialect, f.error_type, f.error_code,
                                                          f.error_message));
          if (!out.write_chunk(bytes) || !out.write_raw(net::kLastChunk)) return false;
          out.finish(ExchangeEnd::ErrorEvent);
          return keep_alive;  // the HTTP exchange itself ended cleanly
        }
        case FaultAction::Truncate:
          out.fired();
          if (!out.write_raw(net::kLastChunk)) return false;
          out.finish(ExchangeEnd::Truncated);
          return keep_alive;
        case FaultAction::Malformed: {
          out.fired();
          if (!out.write_chunk(malformed_frame(config.dialect)) || !out.pause(kHoldAfterCorruption))
            return false;
          break;
        }
        case FaultAction::DuplicateEvent:
          out.fired();
          if (!write_frame(frames[i].bytes) || !out.pause(kHoldAfterCorruption)) return false;
          break;
        case FaultAction::Slow:
          out.fired();
          pace_ms = f.ms;
          break;
        case FaultAction::Drip:
          out.fired();
          drip = f.bytes;
          break;
        default:
          break;
      }
      if (f.position == FaultPosition::MidEvent) {
        // A stall inside an event resumes with the rest of that event's bytes.
        const std::string& bytes = frames[i].bytes;
        if (!out.write_chunk(std::string_view(bytes).substr(bytes.size() / 2))) return false;
        continue;
      }
    }
    if (!write_frame(frames[i].bytes)) return false;
  }
  if (!out.write_raw(net::kLastChunk)) return false;
  out.finish(ExchangeEnd::Completed);
  return keep_alive;
}

bool answer_whole(Exchange& ex, Wire& out, const ModelReply& reply,
                  const std::optional<FaultSpec>& fault, bool keep_alive) {
  const auto& config = ex.config;
  wire::Completion completion;
  completion.id = id_prefix(config.dialect) + "-" + config.name + "-" + std::to_string(ex.entry);
  completion.model = config.model;
  completion.text = reply.text;
  completion.finish_reason = "stop";
  completion.usage = reply.usage;
  if (config.tool_call && !reply.mismatch) {
    completion.finish_reason = "tool_calls";
    completion.tool_calls.push_back({0, config.tool_call->id, config.tool_call->name, config.tool_call->arguments});
  }
  const std::string body = wire::encode_completion(config.dialect, completion);
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n" +
                     (keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n") + "\r\n";
  ex.journal.update(ex.entry, [&](JournalEntry& e) { e.status = 200; });
  // A non-streamed body has no events: any position after the headers cuts the body in half.
  size_t cut = body.size();
  if (fault && fault->position != FaultPosition::OnConnect &&
      fault->position != FaultPosition::BeforeStatus &&
      (fault->action == FaultAction::Reset || fault->action == FaultAction::Close ||
       fault->action == FaultAction::Stall))
    cut = fault->position == FaultPosition::AfterHeaders ? 0 : body.size() / 2;
  if (!out.write_raw(head + body.substr(0, cut))) return false;
  if (cut < body.size()) {
    if (!fire_terminal(out, ex.fd, *fault)) return false;
    if (!out.write_raw(std::string_view(body).substr(cut))) return false;
  }
  const double written_ms = ex.journal.now_ms();  // not inside update(): it holds the lock
  ex.journal.update(ex.entry, [&](JournalEntry& e) {
    e.text_sent = reply.text;
    e.usage_sent = reply.usage;
    e.usage_trail.push_back({written_ms, reply.usage});
    e.response_bytes = body.substr(0, kResponseCapture);
  });
  out.finish(ExchangeEnd::Completed);
  return keep_alive;
}

}  // namespace

void fire_on_connect(Exchange& exchange, const FaultSpec& fault) {
  Wire out(exchange);
  if (fire_terminal(out, exchange.fd, fault)) {
    // A stall at on_connect ends with a FIN once it is over: the connection never answers.
    out.finish(ExchangeEnd::Closed);
    net::close_with_fin(exchange.fd);
  }
}

bool answer_exchange(Exchange& ex, const net::RequestHead& head, const std::string& body,
                     const ScriptEntry& plan) {
  Wire out(ex);
  // HTTP/1.1 keeps the connection unless the client says close; HTTP/1.0 only if it asks.
  const bool keep_alive =
      !net::header_has_token(head.headers, "connection", "close") &&
      (head.version != "HTTP/1.0" || net::header_has_token(head.headers, "connection", "keep-alive"));
  const auto& fault = plan.fault;

  std::string path = head.target.substr(0, head.target.find('?'));
  if (head.method != "POST" || path != wire::request_path(ex.config.dialect))
    return send_plain_error(ex, out, 404,
                            "midstream fake '" + ex.config.name + "' serves POST " +
                                std::string(wire::request_path(ex.config.dialect)) + " only",
                            ExchangeEnd::BadRequest, keep_alive);

  auto json = nlohmann::json::parse(body, nullptr, false);
  wire::RequestError error;
  std::optional<wire::CanonicalRequest> request;
  if (!json.is_discarded()) request = wire::decode_request(ex.config.dialect, json, &error);
  else error.message = "the body is not valid JSON";
  if (!request)
    return send_plain_error(ex, out, 400,
                            "Invalid request" + (error.pointer.empty() ? "" : " at " + error.pointer) +
                                ": " + error.message,
                            ExchangeEnd::BadRequest, keep_alive);
  // What the request is (a continuation, and of which partial) is journaled before any fault
  // fires, so a continuation that meets a fault before its status line still reads as one.
  ModelReply reply = answer_request(*request, ex.config.answer);
  ex.journal.update(ex.entry, [&](JournalEntry& e) {
    e.stream = request->stream;
    e.continuation = reply.continuation;
    e.partial = reply.partial;
    e.mismatch = reply.mismatch;
  });

  if (fault && fault->position == FaultPosition::BeforeStatus) {
    if (fault->action == FaultAction::Status) {
      out.fired();
      const std::string error_body = provider_error_body(
          ex.config.dialect, fault->status, fault->error_type, fault->error_code, fault->error_message);
      ex.journal.update(ex.entry, [&](JournalEntry& e) {
        e.status = fault->status;
        e.response_bytes = error_body;
      });
      if (!out.write_raw(status_response(fault->status, error_body, fault->retry_after, keep_alive)))
        return false;
      out.finish(ExchangeEnd::Status);
      return keep_alive;
    }
    if (!fire_terminal(out, ex.fd, *fault)) return false;
  }

  if (ex.config.dialect == wire::Dialect::Anthropic || ex.config.reject_prefill) {
    auto verdict = check_prefill(*request, ex.config.reject_prefill);
    if (verdict.rejected) return send_plain_error(ex, out, 400, verdict.message, ExchangeEnd::Rejected, keep_alive);
  }

  if (ex.config.tool_call && !reply.mismatch)
    reply.usage.output_tokens += wire::count_tokens(ex.config.tool_call->arguments);
  return request->stream ? answer_stream(ex, out, *request, reply, fault, keep_alive)
                         : answer_whole(ex, out, reply, fault, keep_alive);
}

}  // namespace midstream::fakes
