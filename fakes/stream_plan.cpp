#include "fakes/stream_plan.h"

#include <string_view>

#include "fakes/error_defaults.h"
#include "wire/sse.h"

namespace midstream::fakes {
namespace {

// After corrupting the stream the fake holds the rest back a moment: a router that abandons the
// attempt hangs up first, so the journal's usage is what the router could really have read.
constexpr int64_t kHoldAfterCorruption = 250;

struct Frame {
  wire::EventKind kind;
  std::string bytes;  // whole SSE frames for one canonical event (may be empty)
};

std::string id_prefix(wire::Dialect dialect) {
  switch (dialect) {
    case wire::Dialect::OpenAIResponses: return "resp_fake";
    case wire::Dialect::Anthropic: return "msg_fake";
    default: return "chatcmpl-fake";
  }
}

// One event whose data is cut-off JSON, framed the way the dialect frames its content events.
std::string malformed_frame(wire::Dialect dialect) {
  switch (dialect) {
    case wire::Dialect::OpenAIResponses:
      return wire::sse_frame("response.output_text.delta",
                             "{\"type\": \"response.output_text.delta\", \"delta\": \"");
    case wire::Dialect::Anthropic:
      return wire::sse_frame("content_block_delta",
                             "{\"type\": \"content_block_delta\", \"delta\": {");
    default: return wire::sse_frame("", "{\"choices\": [{\"delta\": {\"content\": \"");
  }
}

// Like a real provider, a stream leaves the connection open for the client's next request unless
// the client asked otherwise. The head never depends on the script: a provider cannot know it is
// about to fail, and a client that reads `Connection: close` as a hint would be graded on the
// fake's tell instead of its own behaviour.
std::string stream_head(bool keep_alive) {
  return std::string(
             "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
             "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n") +
         (keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
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

// Appends steps, keeping the pace (a pause before every event) and the drip (chunk size) that
// the model's config and the slow and drip faults set.
class StepList {
 public:
  StepList(std::vector<StreamStep>& steps, int64_t pace_ms) : steps_(steps), pace_ms_(pace_ms) {}

  void chunk(std::string_view bytes) {
    if (!bytes.empty()) steps_.push_back(StreamStep::chunk(std::string(bytes)));
  }
  void pause(int64_t ms) {
    if (ms > 0) steps_.push_back(StreamStep::pause(ms));
  }
  void add(StreamStep::Kind kind) { steps_.push_back(StreamStep::of(kind)); }
  void add(const std::vector<StreamStep>& steps) {
    steps_.insert(steps_.end(), steps.begin(), steps.end());
  }
  void end(ExchangeEnd how) { steps_.push_back(StreamStep::finish(how)); }

  // One event's frames as the model sends them: its pace (even when the dialect has no bytes for
  // the event), then the bytes in one chunk, or in chunks of the drip size.
  void frame(const std::string& bytes) {
    pause(pace_ms_);
    if (drip_ <= 0) return chunk(bytes);
    for (size_t i = 0; i < bytes.size(); i += static_cast<size_t>(drip_))
      chunk(std::string_view(bytes).substr(i, static_cast<size_t>(drip_)));
  }
  void set_pace(int64_t ms) { pace_ms_ = ms; }
  void set_drip(int bytes) { drip_ = bytes; }

 private:
  std::vector<StreamStep>& steps_;
  int64_t pace_ms_;
  int drip_ = 0;
};

// The in-band error as the dialect sends it in place of frame i: a fresh encoder replays the
// events before i, so the error continues the stream (Responses sequence_number and all) instead
// of coming from an encoder that already wrote the whole answer.
std::string error_frame_at(wire::Dialect dialect, const wire::EncoderOptions& options,
                           const std::vector<wire::StreamEvent>& events, size_t i,
                           const wire::ErrorInfo& error) {
  auto replay = wire::make_encoder(dialect, options);
  std::string discarded, bytes;
  for (size_t j = 0; j < i; ++j) replay->encode(events[j], discarded);
  replay->encode(wire::StreamEvent::error_event(error), bytes);
  return bytes;
}

// The fault's action where it fires, before `frame` (the event at its position; error_frame is
// the in-band error in its place). Returns false when the stream ends there.
bool plan_fault(StepList& out, const FaultSpec& fault, wire::Dialect dialect,
                const std::string& frame, const std::string& error_frame) {
  switch (fault.action) {
    case FaultAction::Reset:
    case FaultAction::Close:
    case FaultAction::Stall:
      out.add(interruption_steps(fault));
      return fault.action == FaultAction::Stall;
    case FaultAction::ErrorEvent:
      out.add(StreamStep::Kind::Fire);
      // A cut event is closed first, so the error arrives as an event of its own.
      out.chunk((fault.position == FaultPosition::MidEvent ? "\n\n" : "") + error_frame);
      out.end(ExchangeEnd::ErrorEvent);  // the HTTP exchange itself ends cleanly
      return false;
    case FaultAction::Truncate:
      out.add(StreamStep::Kind::Fire);
      out.end(ExchangeEnd::Truncated);
      return false;
    case FaultAction::Malformed:
      out.add(StreamStep::Kind::Fire);
      out.chunk(malformed_frame(dialect));
      out.pause(kHoldAfterCorruption);
      return true;
    case FaultAction::DuplicateEvent:
      out.add(StreamStep::Kind::Fire);
      out.frame(frame);
      out.pause(kHoldAfterCorruption);
      return true;
    case FaultAction::Slow:
      out.add(StreamStep::Kind::Fire);
      out.set_pace(fault.ms);
      return true;
    case FaultAction::Drip:
      out.add(StreamStep::Kind::Fire);
      out.set_drip(fault.bytes);
      return true;
    default: return true;
  }
}

}  // namespace

std::string answer_id(const ProviderConfig& config, int entry) {
  return id_prefix(config.dialect) + "-" + config.name + "-" + std::to_string(entry);
}

wire::EncoderOptions stream_options(const ProviderConfig& config,
                                    const wire::CanonicalRequest& request, int entry) {
  wire::EncoderOptions options;
  options.id = answer_id(config, entry);
  options.model = config.model;
  options.created = 1'700'000'000;
  options.include_usage = request.include_usage || config.dialect != wire::Dialect::OpenAIChat;
  return options;
}

std::vector<wire::StreamEvent> reply_events(const ProviderConfig& config,
                                            const wire::EncoderOptions& options,
                                            const ModelReply& reply) {
  std::vector<wire::StreamEvent> events;
  auto preamble = wire::StreamEvent::preamble(options.id, options.model);
  preamble.usage = {reply.usage.input_tokens, 1};  // Anthropic's message_start reports output 1
  events.push_back(preamble);
  for (const auto& delta : split_deltas(reply.text, config.words_per_delta))
    events.push_back(wire::StreamEvent::text_delta(delta));
  const bool tool_call = config.tool_call && !reply.mismatch;
  if (tool_call) {
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
      events.push_back(wire::StreamEvent::tool_delta(tool));
    }
  }
  events.push_back(wire::StreamEvent::finish(tool_call ? "tool_calls" : "stop"));
  events.push_back(wire::StreamEvent::usage_report(reply.usage));
  events.push_back(wire::StreamEvent::end());
  return events;
}

std::vector<StreamStep> interruption_steps(const FaultSpec& fault) {
  std::vector<StreamStep> steps;
  // What the stream wrote reaches the client before the reset, as the script says; the fault's
  // time is when the RST goes.
  if (fault.action == FaultAction::Reset) steps.push_back(StreamStep::of(StreamStep::Kind::Drain));
  steps.push_back(StreamStep::of(StreamStep::Kind::Fire));
  switch (fault.action) {
    case FaultAction::Reset: steps.push_back(StreamStep::of(StreamStep::Kind::Reset)); break;
    case FaultAction::Close: steps.push_back(StreamStep::of(StreamStep::Kind::Close)); break;
    case FaultAction::Stall:
      if (fault.ms > 0) steps.push_back(StreamStep::pause(fault.ms));
      break;
    default: break;
  }
  return steps;
}

StreamPlan plan_stream(const ProviderConfig& config, const wire::EncoderOptions& options,
                       const ModelReply& reply, const std::optional<FaultSpec>& fault,
                       bool keep_alive) {
  StreamPlan plan;
  plan.head = stream_head(keep_alive);
  const std::vector<wire::StreamEvent> events = reply_events(config, options, reply);
  auto encoder = wire::make_encoder(config.dialect, options);
  std::vector<Frame> frames;
  int content = 0;
  for (const auto& event : events) {
    Frame frame{event.kind, {}};
    encoder->encode(event, frame.bytes);
    frames.push_back(std::move(frame));
    if (event.kind == wire::EventKind::TextDelta || event.kind == wire::EventKind::ToolDelta)
      ++content;
  }

  StepList out(plan.steps, config.event_delay_ms);
  const int at = fault ? fire_index(*fault, frames, content) : -1;
  for (size_t i = 0; i < frames.size(); ++i) {
    const std::string& bytes = frames[i].bytes;
    if (static_cast<int>(i) != at) {
      out.frame(bytes);
      continue;
    }
    const bool cut = fault->position == FaultPosition::MidEvent;
    if (cut) out.chunk(std::string_view(bytes).substr(0, bytes.size() / 2));
    const std::string error_frame =
        fault->action == FaultAction::ErrorEvent
            ? error_frame_at(config.dialect, options, events, i,
                             stream_error(config.dialect, fault->error_type, fault->error_code,
                                          fault->error_message))
            : "";
    if (!plan_fault(out, *fault, config.dialect, bytes, error_frame)) return plan;
    // A stall inside an event resumes with the rest of that event's bytes.
    if (cut)
      out.chunk(std::string_view(bytes).substr(bytes.size() / 2));
    else
      out.frame(bytes);
  }
  out.end(ExchangeEnd::Completed);
  return plan;
}

}  // namespace midstream::fakes
