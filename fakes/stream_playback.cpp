#include "fakes/stream_playback.h"

#include <algorithm>

#include "fakes/exchange.h"

namespace midstream::fakes {
namespace {

constexpr auto kWriteTimeout = std::chrono::seconds(30);
// The longest a reset waits for the stream's written bytes to leave (a client that reads nothing
// can hold them back for ever).
constexpr auto kResetDrainBound = std::chrono::seconds(1);

}  // namespace

ExchangeOutput::ExchangeOutput(Exchange& exchange)
    : ex_(exchange), decoder_(wire::make_decoder(exchange.config.dialect)) {}

ExchangeOutput::~ExchangeOutput() = default;

bool ExchangeOutput::write_raw(std::string_view bytes) {
  auto status = net::write_all(ex_.fd.get(), bytes, net::Clock::now() + kWriteTimeout, &ex_.stop);
  if (status == net::IoStatus::Ok) return true;
  finish(status == net::IoStatus::Stopped ? ExchangeEnd::Stopped : ExchangeEnd::PeerClosed);
  return false;
}

bool ExchangeOutput::write_chunk(std::string_view sse) {
  if (sse.empty()) return true;
  if (!write_raw(net::encode_chunk(sse))) return false;
  observe(sse);
  return true;
}

bool ExchangeOutput::pause(int64_t ms) {
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

void ExchangeOutput::fired() {
  const double at = ex_.journal.now_ms();
  ex_.journal.update(ex_.entry, [&](JournalEntry& e) {
    e.fault_fired = true;
    e.fault_ms = at;
  });
}

void ExchangeOutput::finish(ExchangeEnd how) {
  if (ended_) return;
  ended_ = true;
  ex_.journal.close(ex_.entry, how);
}

void ExchangeOutput::drain() {
  net::wait_sent(ex_.fd.get(), net::Clock::now() + kResetDrainBound, &ex_.stop);
}

void ExchangeOutput::reset() {
  finish(ExchangeEnd::Reset);
  net::close_with_reset(ex_.fd);
}

void ExchangeOutput::close() {
  finish(ExchangeEnd::Closed);
  net::close_with_fin(ex_.fd);
}

void ExchangeOutput::observe(std::string_view sse) {
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

Played play_steps(ExchangeOutput& out, const std::vector<StreamStep>& steps) {
  using Kind = StreamStep::Kind;
  for (const StreamStep& step : steps) {
    switch (step.kind) {
      case Kind::Chunk:
        if (!out.write_chunk(step.bytes)) return Played::Cut;
        break;
      case Kind::Pause:
        if (!out.pause(step.ms)) return Played::Cut;
        break;
      case Kind::Fire: out.fired(); break;
      case Kind::Drain: out.drain(); break;
      case Kind::Reset: out.reset(); return Played::Cut;
      case Kind::Close: out.close(); return Played::Cut;
      case Kind::End:
        if (!out.write_raw(net::kLastChunk)) return Played::Cut;
        out.finish(step.end);
        return Played::Ended;
    }
  }
  return Played::CarriedOn;
}

bool play_stream(Exchange& exchange, ExchangeOutput& out, const StreamPlan& plan, bool keep_alive) {
  exchange.journal.update(exchange.entry, [](JournalEntry& e) { e.status = 200; });
  if (!out.write_raw(plan.head)) return false;
  return play_steps(out, plan.steps) == Played::Ended && keep_alive;
}

}  // namespace midstream::fakes
