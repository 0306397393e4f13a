#include "fakes/journal.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ostream>
#include <utility>

namespace midstream::fakes {
namespace {

constexpr std::array<std::pair<ExchangeEnd, std::string_view>, 11> kEnds{{
    {ExchangeEnd::Open, "open"},
    {ExchangeEnd::Completed, "completed"},
    {ExchangeEnd::Reset, "reset"},
    {ExchangeEnd::Closed, "closed"},
    {ExchangeEnd::Truncated, "truncated"},
    {ExchangeEnd::Status, "status"},
    {ExchangeEnd::ErrorEvent, "error_event"},
    {ExchangeEnd::PeerClosed, "peer_closed"},
    {ExchangeEnd::Stopped, "stopped"},
    {ExchangeEnd::Rejected, "rejected"},
    {ExchangeEnd::BadRequest, "bad_request"},
}};

bool is_secret_header(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name == "authorization" || name == "x-api-key" || name == "api-key" ||
         name == "proxy-authorization";
}

}  // namespace

std::string_view to_string(ExchangeEnd end) {
  for (const auto& [value, name] : kEnds)
    if (value == end) return name;
  return "unknown";
}

std::optional<ExchangeEnd> exchange_end_from_string(std::string_view name) {
  for (const auto& [value, known] : kEnds)
    if (known == name) return value;
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& out, ExchangeEnd end) { return out << to_string(end); }

net::HeaderList redact_headers(const net::HeaderList& headers) {
  net::HeaderList out = headers;
  for (auto& [name, value] : out)
    if (is_secret_header(name)) value = "[redacted]";
  return out;
}

namespace {
nlohmann::json usage_trail_json(const std::vector<JournalEntry::SentUsage>& trail) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& sent : trail)
    out.push_back({{"ms", sent.ms},
                   {"input_tokens", sent.usage.input_tokens},
                   {"output_tokens", sent.usage.output_tokens}});
  return out;
}
}  // namespace

nlohmann::json to_json(const JournalEntry& e) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : e.headers) headers[name] = value;
  nlohmann::json j = {
      {"index", e.index},
      {"received_ms", e.received_ms},
      {"has_request", e.has_request},
      {"method", e.method},
      {"path", e.path},
      {"headers", headers},
      {"body", e.body},
      {"stream", e.stream},
      {"fault", e.fault ? nlohmann::json(e.fault->describe()) : nlohmann::json(nullptr)},
      {"fault_fired", e.fault_fired},
      {"fault_ms", e.fault_ms},
      {"continuation", e.continuation},
      {"partial", e.partial},
      {"mismatch", e.mismatch},
      {"status", e.status},
      {"text_sent", e.text_sent},
      {"usage_sent", e.usage_sent ? nlohmann::json{{"input_tokens", e.usage_sent->input_tokens},
                                                   {"output_tokens", e.usage_sent->output_tokens}}
                                  : nlohmann::json(nullptr)},
      {"usage_trail", usage_trail_json(e.usage_trail)},
      {"ended", to_string(e.ended)},
      {"ended_ms", e.ended_ms},
  };
  return j;
}

void Journal::set_epoch(Clock::time_point epoch) {
  std::lock_guard<std::mutex> lock(mutex_);
  epoch_ = epoch;
}

double Journal::now_ms() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::chrono::duration<double, std::milli>(Clock::now() - epoch_).count();
}

int Journal::open(JournalEntry entry) {
  int index;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    entry.index = cleared_ + static_cast<int>(entries_.size()) + 1;
    index = entry.index;
    entries_.push_back(std::move(entry));
  }
  changed_.notify_all();
  return index;
}

void Journal::close(int index, ExchangeEnd how) {
  const double at = now_ms();
  update(index, [&](JournalEntry& e) {
    if (e.ended == ExchangeEnd::Open) {
      e.ended = how;
      e.ended_ms = at;
    }
  });
}

std::vector<JournalEntry> Journal::entries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_;
}

size_t Journal::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

void Journal::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  cleared_ += static_cast<int>(entries_.size());
  entries_.clear();
}

bool Journal::wait_for_requests(size_t n, Clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_until(lock, deadline, [&] { return entries_.size() >= n; });
}

bool Journal::wait_until_idle(Clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_until(lock, deadline, [&] {
    return std::all_of(entries_.begin(), entries_.end(),
                       [](const JournalEntry& e) { return e.ended != ExchangeEnd::Open; });
  });
}

}  // namespace midstream::fakes
