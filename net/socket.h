#pragma once
// Small POSIX socket helpers, loopback only by default. Every blocking wait takes a deadline and
// an optional stop flag and polls in short slices, so shutdown never waits for a stalled peer.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace midstream::net {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
constexpr TimePoint kNoDeadline = TimePoint::max();

// Owns a file descriptor; closes it on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { int fd = fd_; fd_ = -1; return fd; }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// True for 127.0.0.0/8, "localhost" and "::1".
bool is_loopback_host(std::string_view host);

// A listening TCP socket on host:port (port 0 picks one). Throws std::runtime_error on failure.
// Refuses a non-loopback host unless allow_non_loopback is set.
Fd listen_tcp(const std::string& host, uint16_t port, int backlog = 512,
              bool allow_non_loopback = false);
uint16_t local_port(int fd);

// Starts a non-blocking TCP connect to a numeric host ("localhost" means 127.0.0.1). On an
// immediate failure returns an invalid Fd with *error set to the errno (EINVAL for a host that
// is not a numeric address, EACCES for a non-loopback host unless allowed); otherwise the caller
// waits writable and reads SO_ERROR.
Fd start_connect(const std::string& host, uint16_t port, int* error,
                 bool allow_non_loopback = false);

enum class IoStatus { Ok, Timeout, Stopped, Eof, Reset, Error };
std::string_view to_string(IoStatus status);

// Waits until fd is readable (or writable); Timeout at the deadline, Stopped when *stop is set.
IoStatus wait_readable(int fd, TimePoint deadline, const std::atomic<bool>* stop);
IoStatus wait_writable(int fd, TimePoint deadline, const std::atomic<bool>* stop);

// Sleeps until the deadline or until *stop is set (checked every few milliseconds).
// Returns false when stopped early.
bool sleep_until(TimePoint deadline, const std::atomic<bool>* stop);

// Writes all bytes (MSG_NOSIGNAL). Ok, Reset (EPIPE/ECONNRESET), Timeout, Stopped or Error.
IoStatus write_all(int fd, std::string_view bytes, TimePoint deadline,
                   const std::atomic<bool>* stop);

// Sends a TCP RST: SO_LINGER {1, 0} and close.
void close_with_reset(Fd& fd);
// Waits (polling, until the deadline) for every byte written to leave the send queue. A RST
// discards what is still queued: TCP holds back data beyond the congestion window (a new or
// long-idle connection sends about 10 segments, then waits for the peer's ACKs, which may be
// delayed), so "write, then reset" can drop the last writes unless they have gone out first.
void wait_sent(int fd, TimePoint deadline, const std::atomic<bool>* stop = nullptr);
// Sends a FIN (shutdown SHUT_WR) and closes.
void close_with_fin(Fd& fd);

// True when the peer has closed or reset the connection (non-blocking peek).
bool peer_closed(int fd);
// True when a connection with no request outstanding can carry another: the peer has neither
// closed nor reset it, and has sent nothing (readable would mean one of those).
bool is_quiet(int fd);

}  // namespace midstream::net
