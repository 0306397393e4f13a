#pragma once
// A fake provider's journal: every request it saw, how each exchange ended and every fault it
// fired, with times relative to a shared epoch. Thread-safe; waits take a deadline.
#include <chrono>
#include <condition_variable>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/fault.h"
#include "net/http1.h"
#include "wire/events.h"

namespace midstream::fakes {

using Clock = std::chrono::steady_clock;

// How a fake's exchange ended. Its name (to_string) is what the journal's JSON and the admin
// API say; a new way to end is a value here and its row in journal.cpp's table.
enum class ExchangeEnd {
  Open,        // not ended yet
  Completed,   // the whole answer was written
  Reset,       // a reset fault: the connection was reset
  Closed,      // a close fault, or a connection faulted before its request: closed
  Truncated,   // a truncate fault: the stream stopped short of its terminator
  Status,      // a status fault: an HTTP error answer
  ErrorEvent,  // an error_event fault: the dialect's in-band error
  PeerClosed,  // the router closed the connection first
  Stopped,     // the fake was stopped mid-exchange
  Rejected,    // a prefill continuation the fake refuses (400)
  BadRequest,  // a request the fake could not read, or a wrong path (400 or 404)
};

std::string_view to_string(ExchangeEnd end);
// The value a name stands for; nullopt for a name no value has.
std::optional<ExchangeEnd> exchange_end_from_string(std::string_view name);
std::ostream& operator<<(std::ostream& out, ExchangeEnd end);  // the name: readable test failures

struct JournalEntry {
  int index = 0;              // 1-based request number at this provider
  double received_ms = 0;     // when the request (or, for on_connect faults, the connection) came
  bool has_request = false;   // false when the connection was faulted before a request was read
  std::string method;
  std::string path;
  net::HeaderList headers;    // secrets redacted
  std::string body;           // as received (secrets in it are not expected: keys go in headers)
  bool stream = false;
  std::optional<FaultSpec> fault;  // what the script planned for this request
  bool fault_fired = false;
  double fault_ms = 0;
  bool continuation = false;
  std::string partial;        // the continuation's P
  bool mismatch = false;      // P was not a prefix of the canonical answer
  int status = 0;             // the HTTP status sent, 0 when none
  std::string text_sent;      // text of the content events actually written
  std::optional<wire::Usage> usage_sent;  // the last usage actually written
  struct SentUsage {
    double ms = 0;  // when the write that carried it returned
    wire::Usage usage;
  };
  std::vector<SentUsage> usage_trail;     // every usage written, in order (usage_sent is the last)
  std::string response_bytes; // what was written after the head, capped
  ExchangeEnd ended = ExchangeEnd::Open;
  double ended_ms = 0;
};

nlohmann::json to_json(const JournalEntry& entry);

// Replaces the values of authorization, x-api-key, api-key and proxy-authorization headers.
net::HeaderList redact_headers(const net::HeaderList& headers);

class Journal {
 public:
  explicit Journal(Clock::time_point epoch = Clock::now()) : epoch_(epoch) {}

  void set_epoch(Clock::time_point epoch);
  double now_ms() const;

  // Opens an entry and returns its index.
  int open(JournalEntry entry);
  // Updates an entry under the lock.
  // Updates an entry under the lock; an entry cleared away since it was opened is left alone.
  template <typename F>
  void update(int index, F&& change) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (index <= cleared_ || static_cast<size_t>(index - cleared_) > entries_.size()) return;
      change(entries_[static_cast<size_t>(index - cleared_ - 1)]);
    }
    changed_.notify_all();
  }
  void close(int index, ExchangeEnd how);

  std::vector<JournalEntry> entries() const;
  size_t size() const;
  // Forgets the entries so far; request numbers go on from where they were.
  void clear();
  // Waits until at least n entries exist. False at the deadline.
  bool wait_for_requests(size_t n, Clock::time_point deadline) const;
  // Waits until every entry has ended. False at the deadline.
  bool wait_until_idle(Clock::time_point deadline) const;

 private:
  Clock::time_point epoch_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<JournalEntry> entries_;
  int cleared_ = 0;  // entries cleared so far: numbering goes on after a clear
};

}  // namespace midstream::fakes
