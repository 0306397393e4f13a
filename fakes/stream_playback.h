#pragma once
// Plays what a fake planned (stream_plan.h) on an exchange's socket, with its timing, and keeps
// the journal's view of it: what the client could read (text, usage, bytes), when the fault
// fired and how the exchange ended.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/journal.h"
#include "fakes/stream_plan.h"
#include "wire/codec.h"
#include "wire/sse.h"

namespace midstream::fakes {

struct Exchange;  // fakes/exchange.h

// The journal keeps at most this much of what an exchange wrote after its head.
inline constexpr size_t kResponseCapture = 64 * 1024;

// The socket side of one exchange. Every write and pause ends the exchange in the journal
// (peer_closed or stopped) when it fails; after that the output only answers false.
class ExchangeOutput {
 public:
  explicit ExchangeOutput(Exchange& exchange);
  ~ExchangeOutput();
  ExchangeOutput(const ExchangeOutput&) = delete;
  ExchangeOutput& operator=(const ExchangeOutput&) = delete;

  // Raw bytes (a head, a whole body, the chunked terminator). False when the peer is gone or
  // the fake is stopping.
  bool write_raw(std::string_view bytes);
  // SSE bytes as one HTTP chunk, journaled as text and usage the client could read.
  bool write_chunk(std::string_view sse);
  // Waits ms, watching for shutdown and for the peer going away. False when the exchange ended.
  bool pause(int64_t ms);
  // Journals the planned fault as fired, now.
  void fired();
  // Journals how the exchange ended (the first call wins).
  void finish(ExchangeEnd how);
  // Waits (at most 1 s) until what was written left the send queue.
  void drain();
  // Ends the exchange with a TCP RST (journaled `reset`) or a FIN (journaled `closed`).
  void reset();
  void close();

 private:
  void observe(std::string_view sse);

  Exchange& ex_;
  std::unique_ptr<wire::StreamDecoder> decoder_;
  wire::SseFramer framer_;
  bool ended_ = false;
};

enum class Played {
  CarriedOn,  // every step ran and none ended the exchange
  Ended,      // an End step: the HTTP exchange ended cleanly
  Cut,  // the connection is gone (reset, close) or the exchange ended early (client left, fake
        // stopped)
};

// Plays steps in order, stopping at the first that ends the exchange.
Played play_steps(ExchangeOutput& out, const std::vector<StreamStep>& steps);

// Plays a streamed answer: journals status 200, writes the head, then plays the steps. True when
// the connection may serve another request (the stream ended cleanly and keep_alive).
bool play_stream(Exchange& exchange, ExchangeOutput& out, const StreamPlan& plan, bool keep_alive);

}  // namespace midstream::fakes
