#include "router/http_front.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/socket.h"
#include "router/request_limits.h"
#include "router/session.h"

namespace midstream::router {
namespace {

using std::chrono::milliseconds;
using net::Clock;
using net::TimePoint;

constexpr size_t kReadChunk = 16 * 1024;
// After the router's FIN, a closing connection's input is read and dropped this long: closing
// with unread input sends a RST, which can destroy the response before the client reads it.
constexpr auto kLinger = milliseconds(2'000);
constexpr auto kMaxPollWait = milliseconds(1'000);

// A complete response written by the connection layer itself, outside cpp-httplib. A 503 says
// when to come back (Retry-After: 1), as a provider's overload answer does.
std::string raw_error_response(int status, std::string_view reason, const std::string& message,
                               const std::string& type, const std::string& code) {
  const std::string body = openai_error_body(message, type, code);
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         (status == 503 ? "\r\nRetry-After: 1" : "") + "\r\nConnection: close\r\n\r\n" + body;
}

// Set by the error handler when cpp-httplib answered with an error of its own (413, 400, 414...):
// the request's body may be unread, so the connection cannot carry another request.
thread_local bool t_close_after_response = false;

// One non-blocking recv appended to `in`, through a stack buffer: growing the string by a whole
// read's size first would zero-fill it on every call. errno is the recv's when it returns < 0.
ssize_t receive_into(int socket, std::string& in) {
  char bytes[kReadChunk];
  const ssize_t n = ::recv(socket, bytes, sizeof bytes, MSG_DONTWAIT);
  if (n > 0) in.append(bytes, static_cast<size_t>(n));
  return n;
}

}  // namespace

// ---- Client connections --------------------------------------------------------------------

struct ClientConnection {
  net::Fd fd;
  std::string in;          // bytes received and not yet consumed
  size_t in_pos = 0;       // how much of `in` cpp-httplib has read
  HeadScan scan;
  bool started = false;    // a byte of the next request has arrived
  bool lingering = false;  // closing: FIN sent, input read and dropped until the peer's FIN
  TimePoint since;         // when it began waiting; the longest waiter is displaced first
  TimePoint deadline;      // idle, head or linger deadline
  TimePoint queued_at;     // when its complete head went to the serving threads' queue
  size_t served = 0;       // requests answered on it
  size_t head_bytes = 0;   // the size of the head being served
  bool chunked_body = false;  // its body comes in chunks: ConnectionStream bounds it
};

// cpp-httplib's view of one request on a ClientConnection: the head already received, then the
// socket, every wait bounded by a deadline and by the stop flag.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(ClientConnection& connection, const ServerOptions& options,
                   const std::atomic<bool>& stopping)
      : connection_(connection),
        stopping_(stopping),
        read_deadline_(Clock::now() + milliseconds(options.body_timeout_ms)),
        write_timeout_(options.write_timeout_ms),
        max_chunked_bytes_(options.max_body_bytes + options.max_body_bytes / 8 + 64 * 1024) {}

  bool is_readable() const override {
    return connection_.in_pos < connection_.in.size() ||
           net::wait_readable(fd(), read_deadline_, &stopping_) == net::IoStatus::Ok;
  }
  // cpp-httplib asks before every write; write() itself waits (bounded) when the socket is full
  // and fails when the client is gone, so asking the kernel first would only add a poll per chunk.
  bool is_writable() const override { return !stopping_.load(); }

  ssize_t read(char* ptr, size_t size) override {
    auto& in = connection_.in;
    if (connection_.in_pos >= in.size()) {
      in.clear();
      connection_.in_pos = 0;
      // Reads first and waits only when nothing is there.
      for (bool waited = false;; waited = true) {
        if (waited && net::wait_readable(fd(), read_deadline_, &stopping_) != net::IoStatus::Ok)
          return -1;
        const ssize_t n = receive_into(fd(), in);
        if (n > 0) break;
        if (n == 0) return 0;
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
      }
    }
    size_t take = std::min(size, in.size() - connection_.in_pos);
    if (connection_.chunked_body) {
      // cpp-httplib 0.11.4 reads a chunked body without a limit: stop it at the limit plus room
      // for the chunk framing. It answers the failed read with a 400 and the connection closes.
      const size_t bound = connection_.head_bytes + max_chunked_bytes_;
      if (delivered_ >= bound) return -1;
      take = std::min(take, bound - delivered_);
    }
    std::memcpy(ptr, in.data() + connection_.in_pos, take);
    connection_.in_pos += take;
    delivered_ += take;
    return static_cast<ssize_t>(take);
  }

  ssize_t write(const char* ptr, size_t size) override {
    const TimePoint deadline = Clock::now() + write_timeout_;
    for (;;) {
      const ssize_t n = ::send(fd(), ptr, size, MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (net::wait_writable(fd(), deadline, &stopping_) != net::IoStatus::Ok) return -1;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(::getsockname, ip, port);
  }
  socket_t socket() const override { return fd(); }

 private:
  int fd() const { return connection_.fd.get(); }

  template <typename GetName>
  void address_of(GetName get_name, std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ip.clear();
    port = -1;
    if (get_name(fd(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
      ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
      port = ntohs(v4->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
      ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
      port = ntohs(v6->sin6_port);
    }
    ip = text;
  }

  ClientConnection& connection_;
  const std::atomic<bool>& stopping_;
  TimePoint read_deadline_;
  milliseconds write_timeout_;
  size_t max_chunked_bytes_;  // what a chunked body may take on the wire, framing included
  size_t delivered_ = 0;      // bytes handed to cpp-httplib for this request, head included
};

// Every client connection the front holds. Those waiting for a request head, and those closing,
// sit in one poll loop (no thread each); a connection goes to the serving threads only with a
// complete head within the limits, and comes back to the loop between requests.
class ClientConnections {
 public:
  // Serves the request whose head is in the connection; false when the connection must close.
  using Serve = std::function<bool(ClientConnection&)>;

  ClientConnections(const ServerOptions& options, Serve serve)
      : options_(options),
        limits_{options.max_request_line_bytes, options.max_header_bytes, options.max_headers},
        serve_(std::move(serve)),
        capacity_(connection_capacity(options.max_connections)) {}
  ~ClientConnections() { stop(); }
  ClientConnections(const ClientConnections&) = delete;
  ClientConnections& operator=(const ClientConnections&) = delete;

  void start() {
    wake_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wake_.valid()) throw std::runtime_error("router: eventfd failed");
    stopping_ = false;
    poller_ = std::thread([this] { poll_loop(); });
    for (size_t i = 0; i < std::max<size_t>(1, options_.threads); ++i)
      workers_.emplace_back([this] { work_loop(); });
  }

  // Closes every connection and joins every thread; serving threads see the stop flag promptly.
  void stop() {
    {
      // Under the lock: a worker between its predicate check and its wait would miss the notify.
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake();
    ready_cv_.notify_all();
    if (poller_.joinable()) poller_.join();
    for (auto& worker : workers_) worker.join();
    workers_.clear();
    std::lock_guard lock(mutex_);
    for (auto& arrival : inbox_) close(std::move(arrival.connection));
    inbox_.clear();
    for (auto& connection : ready_) close(std::move(connection));
    ready_.clear();
  }

  // A socket cpp-httplib accepted (called on its accept thread; never blocks).
  void admit(int fd) {
    auto connection = std::make_unique<ClientConnection>();
    connection->fd.reset(fd);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++open_;
    if (serve_at_once(connection)) return;
    hand_over(std::move(connection), Arrival::Kind::New);
  }

  size_t open() const { return open_.load(); }
  const std::atomic<bool>& stopping() const { return stopping_; }

 private:
  struct Arrival {
    enum class Kind { New, Kept, Closing } kind;
    std::unique_ptr<ClientConnection> connection;
  };

  // Half the descriptor limit at most: the router also needs one per upstream call.
  static size_t connection_capacity(size_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
      wanted = std::min<size_t>(wanted, static_cast<size_t>(limit.rlim_cur) / 2);
    return std::max<size_t>(wanted, 1);
  }

  // A client usually sends its request right after connecting, so the head is often complete
  // by the time the socket is accepted: such a connection goes straight to the serving threads,
  // one thread wake-up instead of two through the poll loop. Anything else (no bytes yet, an
  // incomplete head, a head over a limit, the connection limit reached) takes the poll loop's
  // way, with the bytes read so far.
  bool serve_at_once(std::unique_ptr<ClientConnection>& connection) {
    if (open_ > capacity_ || receive_into(connection->fd.get(), connection->in) <= 0) return false;
    begin_waiting(*connection, Clock::now());
    return scan_head(connection->in, connection->scan, limits_) == HeadVerdict::Complete &&
           judge_framing(*connection).status == 0 && queue_for_serving(connection);
  }

  // Hands a connection with a complete head to the serving threads (leaving `connection`
  // empty); false, keeping it, once the front is stopping.
  bool queue_for_serving(std::unique_ptr<ClientConnection>& connection) {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    connection->queued_at = Clock::now();
    ready_.push_back(std::move(connection));
    ready_cv_.notify_one();
    return true;
  }

  // Requests no serving thread took within queue_timeout_ms (every thread busy) are answered
  // 503 with Retry-After and start closing; returns when the oldest one still queued expires.
  TimePoint answer_overdue(std::vector<std::unique_ptr<ClientConnection>>& held, TimePoint now) {
    const auto timeout = milliseconds(options_.queue_timeout_ms);
    std::vector<std::unique_ptr<ClientConnection>> overdue;
    TimePoint next = now + kMaxPollWait;
    {
      std::lock_guard lock(mutex_);
      while (!ready_.empty() && ready_.front()->queued_at + timeout <= now) {
        overdue.push_back(std::move(ready_.front()));
        ready_.pop_front();
      }
      if (!ready_.empty()) next = std::min(next, ready_.front()->queued_at + timeout);
    }
    for (auto& connection : overdue) {
      reject(connection, 503, "Service Unavailable",
             "The router is at capacity: every serving thread was busy for " +
                 std::to_string(options_.queue_timeout_ms) + " ms. Retry after 1 s.",
             "server_overloaded", "server_error");
      held.push_back(std::move(connection));
    }
    return next;
  }

  void wake() {
    if (!wake_.valid()) return;
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_.get(), &one, sizeof one);
  }

  void hand_over(std::unique_ptr<ClientConnection> connection, Arrival::Kind kind) {
    {
      std::lock_guard lock(mutex_);
      if (!stopping_) {
        inbox_.push_back({kind, std::move(connection)});
        connection.reset();
      }
    }
    if (connection) {
      close(std::move(connection));
      return;
    }
    wake();
  }

  void close(std::unique_ptr<ClientConnection> connection) {
    if (!connection) return;
    connection->fd.reset();
    --open_;
  }

  // ---- the poll loop (its own thread; owns `held`) ----

  void poll_loop() {
    std::vector<std::unique_ptr<ClientConnection>> held;  // waiting for a head, or lingering
    std::vector<pollfd> fds;
    while (!stopping_) {
      std::deque<Arrival> arrivals;
      {
        std::lock_guard lock(mutex_);
        arrivals.swap(inbox_);
      }
      for (auto& arrival : arrivals) take(std::move(arrival), held);

      TimePoint now = Clock::now();
      TimePoint next = answer_overdue(held, now);
      for (auto& connection : held) {
        if (connection && connection->deadline <= now) expire(connection);
        if (connection) next = std::min(next, connection->deadline);
      }
      std::erase(held, nullptr);

      fds.assign(1, pollfd{wake_.get(), POLLIN, 0});
      for (const auto& connection : held) fds.push_back(pollfd{connection->fd.get(), POLLIN, 0});
      const auto wait = std::chrono::ceil<milliseconds>(std::max(next - now, Clock::duration{0}));
      const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
      if (ready <= 0) continue;
      if (fds[0].revents != 0) {
        uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = ::read(wake_.get(), &count, sizeof count);
      }
      now = Clock::now();
      for (size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents != 0) on_readable(held[i - 1], now);
      }
      std::erase(held, nullptr);
    }
    for (auto& connection : held) close(std::move(connection));
  }

  void take(Arrival arrival, std::vector<std::unique_ptr<ClientConnection>>& held) {
    auto& connection = arrival.connection;
    const TimePoint now = Clock::now();
    switch (arrival.kind) {
      case Arrival::Kind::New:
        if (open_ > capacity_ && !displace_one(held)) {
          // Every connection is being served: refuse this one, saying why.
          send_now(*connection, raw_error_response(503, "Service Unavailable",
                                                   "The router is at its connection limit. Retry after 1 s.",
                                                   "server_error", "too_many_connections"));
          close(std::move(connection));
          return;
        }
        begin_waiting(*connection, now);
        // Bytes read at accept may already hold a whole head (see serve_at_once).
        if (!connection->in.empty()) check_head(connection);
        break;
      case Arrival::Kind::Kept:
        begin_waiting(*connection, now);
        // A pipelined request may already be complete.
        if (!connection->in.empty()) check_head(connection);
        break;
      case Arrival::Kind::Closing:
        begin_lingering(*connection, now);
        break;
    }
    if (connection) held.push_back(std::move(connection));
  }

  void begin_waiting(ClientConnection& connection, TimePoint now) {
    connection.in.erase(0, connection.in_pos);
    connection.in_pos = 0;
    connection.scan = HeadScan{};
    connection.started = !connection.in.empty();
    connection.since = now;
    connection.deadline = now + milliseconds(connection.started ? options_.header_timeout_ms
                                                                 : options_.idle_timeout_ms);
  }

  void begin_lingering(ClientConnection& connection, TimePoint now) {
    ::shutdown(connection.fd.get(), SHUT_WR);
    connection.lingering = true;
    std::string().swap(connection.in);
    connection.in_pos = 0;
    connection.deadline = now + kLinger;
  }

  // At the limit: closes a lingering connection, else the longest idle one, else the one that
  // has taken longest over its head. False when every connection is being served.
  bool displace_one(std::vector<std::unique_ptr<ClientConnection>>& held) {
    auto rank = [](const ClientConnection& c) { return c.lingering ? 0 : c.started ? 2 : 1; };
    for (;;) {
      std::unique_ptr<ClientConnection>* victim = nullptr;
      for (auto& connection : held) {
        if (!connection) continue;
        if (victim == nullptr || rank(*connection) < rank(**victim) ||
            (rank(*connection) == rank(**victim) && connection->since < (*victim)->since)) {
          victim = &connection;
        }
      }
      if (victim == nullptr) return false;
      // Not idle after all if its request is waiting to be read: it counts as begun.
      int pending = 0;
      if (rank(**victim) == 1 && ::ioctl((*victim)->fd.get(), FIONREAD, &pending) == 0 &&
          pending > 0) {
        (*victim)->started = true;
        (*victim)->deadline = Clock::now() + milliseconds(options_.header_timeout_ms);
        continue;
      }
      close(std::move(*victim));
      std::erase(held, nullptr);
      return true;
    }
  }

  void expire(std::unique_ptr<ClientConnection>& connection) {
    if (connection->lingering || !connection->started) {
      close(std::move(connection));  // lingered long enough, or idle: nothing to answer
      return;
    }
    reject(connection, 408, "Request Timeout",
           "The request head did not arrive within " + std::to_string(options_.header_timeout_ms) +
               " ms.",
           "request_timeout");
  }

  void on_readable(std::unique_ptr<ClientConnection>& connection, TimePoint now) {
    if (connection->lingering) {
      char drop[kReadChunk];
      for (int i = 0; i < 64; ++i) {
        const ssize_t n = ::recv(connection->fd.get(), drop, sizeof drop, 0);
        if (n > 0) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        close(std::move(connection));  // the peer's FIN (or a reset): done
        return;
      }
      return;  // more to drop next round, until the linger deadline
    }
    const ssize_t n = receive_into(connection->fd.get(), connection->in);
    const int error = errno;
    if (n == 0 || (n < 0 && error != EAGAIN && error != EWOULDBLOCK && error != EINTR)) {
      close(std::move(connection));  // the client left; a partial head gets no answer
      return;
    }
    if (n < 0) return;
    if (!connection->started) {
      connection->started = true;
      connection->deadline = now + milliseconds(options_.header_timeout_ms);
    }
    check_head(connection);
  }

  // Sends a connection whose head is complete to the serving threads (leaving `connection`
  // empty), or rejects one over a limit (it stays, lingering).
  void check_head(std::unique_ptr<ClientConnection>& connection) {
    switch (scan_head(connection->in, connection->scan, limits_)) {
      case HeadVerdict::Incomplete:
        return;
      case HeadVerdict::Complete:
        if (check_length(connection)) queue_for_serving(connection);
        return;
      case HeadVerdict::LineTooLong:
        reject(connection, 414, "URI Too Long",
               "The request line is longer than " + std::to_string(limits_.request_line) +
                   " bytes.",
               "request_line_too_long");
        return;
      case HeadVerdict::TooLarge:
        reject(connection, 431, "Request Header Fields Too Large",
               "The request head is larger than " + std::to_string(limits_.head) +
                   " bytes, or a header line longer than " + std::to_string(kMaxHeaderLine) + ".",
               "headers_too_large");
        return;
      case HeadVerdict::TooManyFields:
        reject(connection, 431, "Request Header Fields Too Large",
               "The request has more than " + std::to_string(limits_.fields) + " header fields.",
               "too_many_headers");
        return;
    }
  }

  // Judges how the head frames its body (router/request_limits.h) before cpp-httplib reads any
  // of it: an oversized Content-Length is refused without waiting for the body.
  bool check_length(std::unique_ptr<ClientConnection>& connection) {
    const BodyFraming framing = judge_framing(*connection);
    if (framing.status == 0) return true;
    reject(connection, framing.status, framing.reason, framing.message, framing.code);
    return false;
  }

  // The framing of a complete head's body; when it is acceptable (status 0), the connection
  // learns how to bound the body it will read.
  BodyFraming judge_framing(ClientConnection& connection) const {
    const std::string_view head(connection.in.data(), connection.scan.scanned);
    BodyFraming framing = judge_body_framing(head, options_.max_body_bytes);
    if (framing.status == 0) {
      connection.head_bytes = connection.scan.scanned;
      connection.chunked_body = framing.chunked;
    }
    return framing;
  }

  // Answers with an error and starts closing. The connection stays in (or re-enters) the loop,
  // lingering; `connection` keeps it.
  void reject(std::unique_ptr<ClientConnection>& connection, int status, std::string_view reason,
              const std::string& message, const std::string& code,
              const std::string& type = "invalid_request_error") {
    send_now(*connection, raw_error_response(status, reason, message, type, code));
    begin_lingering(*connection, Clock::now());
  }

  // Best effort, never blocking: a short response fits in any socket buffer.
  static void send_now(ClientConnection& connection, const std::string& bytes) {
    [[maybe_unused]] const ssize_t n =
        ::send(connection.fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }

  // ---- the serving threads ----

  void work_loop() {
    for (;;) {
      std::unique_ptr<ClientConnection> connection;
      {
        std::unique_lock lock(mutex_);
        ready_cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
        if (stopping_) return;
        connection = std::move(ready_.front());
        ready_.pop_front();
      }
      bool keep = false;
      try {
        keep = serve_(*connection);
      } catch (...) {
        // cpp-httplib catches what routing throws, not what a content provider or the error
        // handler throws while the response is written: that connection ends, the router stays.
        keep = false;
      }
      hand_over(std::move(connection), keep ? Arrival::Kind::Kept : Arrival::Kind::Closing);
    }
  }

  const ServerOptions& options_;
  const HeadLimits limits_;
  const Serve serve_;
  const size_t capacity_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0};
  net::Fd wake_;
  std::thread poller_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;  // guards inbox_ and ready_
  std::deque<Arrival> inbox_;
  std::deque<std::unique_ptr<ClientConnection>> ready_;
  std::condition_variable ready_cv_;
};

// cpp-httplib queues each accepted socket as a task; running it at once, on the accept thread,
// only hands the socket to ClientConnections (HttpFront::process_and_close_socket never blocks).
class InlineTasks final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

HttpFront::HttpFront(const ServerOptions& options)
    : options_(options),
      connections_(std::make_unique<ClientConnections>(
          options, [this](ClientConnection& connection) { return serve(connection); })) {
  new_task_queue = [] { return new InlineTasks; };
}

HttpFront::~HttpFront() = default;

void HttpFront::start_connections() { connections_->start(); }
void HttpFront::stop_connections() { connections_->stop(); }
size_t HttpFront::open_connections() const { return connections_->open(); }
void HttpFront::widen_backlog(int backlog) { ::listen(svr_sock_, backlog); }
void HttpFront::close_after_response() { t_close_after_response = true; }

bool HttpFront::process_and_close_socket(socket_t sock) {
  connections_->admit(sock);
  return true;
}

bool HttpFront::serve(ClientConnection& connection) {
  ConnectionStream stream(connection, options_, connections_->stopping());
  t_close_after_response = false;
  const bool last = connection.served + 1 >= kKeepAliveRequests;
  bool client_closes = false;
  const bool written = process_request(stream, last, client_closes, nullptr);
  ++connection.served;
  return written && !last && !client_closes && !t_close_after_response &&
         !connections_->stopping();
}

}  // namespace midstream::router
