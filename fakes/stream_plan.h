#pragma once
// What a fake writes for one streamed answer, planned before the first byte: the response head
// and the steps after it (SSE bytes as HTTP chunks, pauses, and the planned fault's action at its
// exact protocol position). Pure: no sockets, no clock; stream_playback.h plays a plan.
//
// The whole answer is planned up front, but nothing of the fault shows before it fires: the head
// is the same for every fault (a provider cannot know it is about to fail), and the steps before
// the fault's position are the clean answer's steps.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fakes/fake_model.h"
#include "fakes/fault.h"
#include "fakes/journal.h"
#include "fakes/provider_config.h"
#include "wire/codec.h"
#include "wire/request.h"

namespace midstream::fakes {

struct StreamStep {
  enum class Kind {
    Chunk,  // `bytes` (SSE bytes, never empty) written as one HTTP chunk
    Pause,  // `ms` (> 0) of silence; the exchange ends early if the client leaves or the fake stops
    Fire,   // the planned fault fires here (journaled with its time)
    Drain,  // wait (at most 1 s) until every written byte left the send queue: an RST drops them
    Reset,  // TCP RST: the exchange ends "reset"
    Close,  // FIN without the chunked terminator: the exchange ends "closed"
    End,    // the chunked terminator (0\r\n\r\n): the exchange ends `end` (completed, truncated or
            // error_event) and the connection may serve another request
  };
  Kind kind = Kind::Chunk;
  std::string bytes;
  int64_t ms = 0;
  ExchangeEnd end = ExchangeEnd::Completed;

  static StreamStep chunk(std::string bytes) { return {Kind::Chunk, std::move(bytes), 0, {}}; }
  static StreamStep pause(int64_t ms) { return {Kind::Pause, {}, ms, {}}; }
  static StreamStep of(Kind kind) { return {kind, {}, 0, {}}; }
  static StreamStep finish(ExchangeEnd end) { return {Kind::End, {}, 0, end}; }
  bool operator==(const StreamStep&) const = default;
};

struct StreamPlan {
  std::string head;  // status line and headers; never depends on the fault
  std::vector<StreamStep> steps;
};

// The response id a fake gives request `entry`: "chatcmpl-fake-NAME-3", "resp_fake-...",
// "msg_fake-...".
std::string answer_id(const ProviderConfig& config, int entry);

// The encoder options of request `entry`'s streamed answer (chat reports usage only when asked).
wire::EncoderOptions stream_options(const ProviderConfig& config,
                                    const wire::CanonicalRequest& request, int entry);

// The canonical events of a streamed reply: the preamble, the text deltas (config's
// words_per_delta), the tool call's argument fragments (unless the reply is a mismatch), the
// finish, the usage and the end.
std::vector<wire::StreamEvent> reply_events(const ProviderConfig& config,
                                            const wire::EncoderOptions& options,
                                            const ModelReply& reply);

// The steps of a fault action that ends or pauses an exchange, fired where it stands: reset
// [Drain, Fire, Reset], close [Fire, Close], stall [Fire, Pause]. Any other action only fires.
std::vector<StreamStep> interruption_steps(const FaultSpec& fault);

// The plan of one streamed answer: `reply` as the dialect's stream (config.dialect, `options`),
// paced by config.event_delay_ms, with `fault` (if any) at its position. `keep_alive` is the
// client's wish only: it picks the head's Connection header.
StreamPlan plan_stream(const ProviderConfig& config, const wire::EncoderOptions& options,
                       const ModelReply& reply, const std::optional<FaultSpec>& fault,
                       bool keep_alive);

}  // namespace midstream::fakes
