#include "net/socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace midstream::net {
namespace {

// Short enough that a raised stop flag is seen promptly, long enough not to spin.
constexpr std::chrono::milliseconds kStopSlice{10};
// Without a stop flag there is nothing to check between slices; this only bounds poll's int.
constexpr std::chrono::milliseconds kLongSlice{60'000};

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool stopped(const std::atomic<bool>* stop) {
  return stop != nullptr && stop->load(std::memory_order_relaxed);
}

std::string errno_text(int error) { return std::system_category().message(error); }

// Fills *addr from a numeric IPv4 or IPv6 host; no name resolution, so nothing leaves the machine
// behind the caller's back.
bool numeric_address(const std::string& host, uint16_t port, sockaddr_storage* addr,
                     socklen_t* len) {
  std::string numeric = equals_ignore_case(host, "localhost") ? "127.0.0.1" : host;
  *addr = {};
  auto* v4 = reinterpret_cast<sockaddr_in*>(addr);
  if (inet_pton(AF_INET, numeric.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(addr);
  if (inet_pton(AF_INET6, numeric.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

// Polls fd for `events` in slices so the stop flag and the deadline are both honoured. Bytes that
// are already ready are reported even when the deadline has just passed.
IoStatus wait_for(int fd, short events, TimePoint deadline, const std::atomic<bool>* stop) {
  const auto max_slice = stop != nullptr ? kStopSlice : kLongSlice;
  for (;;) {
    if (stopped(stop)) return IoStatus::Stopped;
    const TimePoint now = Clock::now();
    std::chrono::milliseconds slice{0};
    if (now < deadline) {
      // Round up so a sub-millisecond remainder does not turn into a busy loop.
      slice = std::min(max_slice,
                       std::chrono::ceil<std::chrono::milliseconds>(deadline - now));
    }
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(slice.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return IoStatus::Error;
    }
    if (ready > 0) {
      if ((entry.revents & POLLNVAL) != 0) return IoStatus::Error;
      // POLLHUP and POLLERR count as ready: the next read or write reports what happened.
      return IoStatus::Ok;
    }
    if (now >= deadline) return IoStatus::Timeout;
  }
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

bool is_loopback_host(std::string_view host) {
  if (equals_ignore_case(host, "localhost")) return true;
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

Fd listen_tcp(const std::string& host, uint16_t port, int backlog, bool allow_non_loopback) {
  const std::string where = host + ":" + std::to_string(port);
  if (!allow_non_loopback && !is_loopback_host(host)) {
    throw std::runtime_error("listen_tcp: refusing to listen on non-loopback address " + where +
                             " (midstream binds 127.0.0.1 only)");
  }
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  if (!numeric_address(host, port, &addr, &addr_len)) {
    throw std::runtime_error("listen_tcp: " + where + " is not a numeric IP address");
  }
  Fd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw std::runtime_error("listen_tcp: socket: " + errno_text(errno));
  const int on = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) {
    throw std::runtime_error("listen_tcp: SO_REUSEADDR: " + errno_text(errno));
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), addr_len) != 0) {
    throw std::runtime_error("listen_tcp: bind " + where + ": " + errno_text(errno));
  }
  if (::listen(fd.get(), backlog) != 0) {
    throw std::runtime_error("listen_tcp: listen " + where + ": " + errno_text(errno));
  }
  return fd;
}

uint16_t local_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

Fd start_connect(const std::string& host, uint16_t port, int* error, bool allow_non_loopback) {
  *error = 0;
  if (!allow_non_loopback && !is_loopback_host(host)) {
    *error = EACCES;
    return Fd();
  }
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  if (!numeric_address(host, port, &addr, &addr_len)) {
    *error = EINVAL;
    return Fd();
  }
  Fd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    *error = errno;
    return Fd();
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), addr_len) != 0 &&
      errno != EINPROGRESS) {
    *error = errno;
    return Fd();
  }
  return fd;
}

std::string_view to_string(IoStatus status) {
  switch (status) {
    case IoStatus::Ok: return "ok";
    case IoStatus::Timeout: return "timeout";
    case IoStatus::Stopped: return "stopped";
    case IoStatus::Eof: return "eof";
    case IoStatus::Reset: return "reset";
    case IoStatus::Error: return "error";
  }
  return "unknown";
}

IoStatus wait_readable(int fd, TimePoint deadline, const std::atomic<bool>* stop) {
  return wait_for(fd, POLLIN, deadline, stop);
}

IoStatus wait_writable(int fd, TimePoint deadline, const std::atomic<bool>* stop) {
  return wait_for(fd, POLLOUT, deadline, stop);
}

bool sleep_until(TimePoint deadline, const std::atomic<bool>* stop) {
  const auto max_slice = stop != nullptr ? kStopSlice : kLongSlice;
  for (;;) {
    if (stopped(stop)) return false;
    const TimePoint now = Clock::now();
    if (now >= deadline) return true;
    std::this_thread::sleep_for(
        std::min<Clock::duration>(max_slice, deadline - now));
  }
}

IoStatus write_all(int fd, std::string_view bytes, TimePoint deadline,
                   const std::atomic<bool>* stop) {
  while (!bytes.empty()) {
    // MSG_DONTWAIT makes even a blocking fd wait in wait_writable, where deadline and stop apply.
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent >= 0) {
      bytes.remove_prefix(static_cast<size_t>(sent));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      const IoStatus status = wait_writable(fd, deadline, stop);
      if (status != IoStatus::Ok) return status;
      continue;
    }
    if (errno == EPIPE || errno == ECONNRESET) return IoStatus::Reset;
    return IoStatus::Error;
  }
  return IoStatus::Ok;
}

void close_with_reset(Fd& fd) {
  if (!fd.valid()) return;
  const linger hard{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  fd.reset();
}

void wait_sent(int fd, TimePoint deadline, const std::atomic<bool>* stop) {
  int unsent = 0;
  while (::ioctl(fd, SIOCOUTQNSD, &unsent) == 0 && unsent > 0 && Clock::now() < deadline &&
         !stopped(stop))
    std::this_thread::sleep_for(std::chrono::microseconds(100));
}

void close_with_fin(Fd& fd) {
  if (!fd.valid()) return;
  ::shutdown(fd.get(), SHUT_WR);
  // Closing with unread bytes in the receive queue makes the kernel send a RST instead of a
  // clean close, so drain what is already there (bounded, in case the peer keeps sending).
  char sink[4096];
  for (int i = 0; i < 64 && ::recv(fd.get(), sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
  }
  fd.reset();
}

bool is_quiet(int fd) {
  pollfd entry{fd, POLLIN | POLLRDHUP, 0};
  return ::poll(&entry, 1, 0) == 0;
}

bool peer_closed(int fd) {
  // A reset is read from poll rather than from recv: recv would consume the pending ECONNRESET,
  // and the owner's next read would then see a clean EOF instead.
  // POLLRDHUP also reports a peer that sent its FIN while bytes it wrote are still unread.
  pollfd entry{fd, POLLIN | POLLRDHUP, 0};
  if (::poll(&entry, 1, 0) <= 0) return false;
  if ((entry.revents & (POLLERR | POLLHUP | POLLRDHUP)) != 0) return true;
  char byte = 0;
  return ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

}  // namespace midstream::net
