#include "fakes/fake_provider.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "fakes/exchange.h"

namespace midstream::fakes {
namespace {

constexpr size_t kMaxBody = 16 * 1024 * 1024;
constexpr auto kKeepAliveIdle = std::chrono::seconds(30);

enum class ReadOutcome { Request, Closed, Bad };

// Reads one request (head and Content-Length or chunked body) from the connection.
ReadOutcome read_request(int fd, std::string& buffer, const std::atomic<bool>& stop,
                         net::RequestHead* head, std::string* body) {
  auto deadline = net::Clock::now() + kKeepAliveIdle;
  auto fill = [&]() {
    if (net::wait_readable(fd, deadline, &stop) != net::IoStatus::Ok) return false;
    char chunk[16384];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  };
  size_t consumed = 0;
  for (;;) {
    auto result = net::parse_request_head(buffer, head, &consumed);
    if (result == net::ParseResult::Done) break;
    if (result == net::ParseResult::Bad) return ReadOutcome::Bad;
    if (!fill()) return buffer.empty() ? ReadOutcome::Closed : ReadOutcome::Bad;
  }
  buffer.erase(0, consumed);
  body->clear();
  if (const auto* te = net::find_header(head->headers, "transfer-encoding");
      te && te->find("chunked") != std::string::npos) {
    net::ChunkedDecoder decoder;
    for (;;) {
      size_t used = 0;
      auto result = decoder.feed(buffer, body, &used);
      buffer.erase(0, used);
      if (result == net::ParseResult::Done) return ReadOutcome::Request;
      if (result == net::ParseResult::Bad || body->size() > kMaxBody) return ReadOutcome::Bad;
      if (!fill()) return ReadOutcome::Bad;
    }
  }
  size_t length = 0;
  if (const auto* cl = net::find_header(head->headers, "content-length")) {
    try {
      length = std::stoul(*cl);
    } catch (...) {
      return ReadOutcome::Bad;
    }
  }
  if (length > kMaxBody) return ReadOutcome::Bad;
  while (buffer.size() < length)
    if (!fill()) return ReadOutcome::Bad;
  body->assign(buffer, 0, length);
  buffer.erase(0, length);
  return ReadOutcome::Request;
}

}  // namespace

FakeProvider::FakeProvider(ProviderConfig config) : config_(std::move(config)) {}

FakeProvider::~FakeProvider() { stop(); }

void FakeProvider::start(const std::string& host, uint16_t port) {
  if (started_) throw std::runtime_error("fake provider '" + config_.name + "' already started");
  host_ = host;
  stop_ = false;
  if (config_.refuse_connections) {
    // Bound but never listening: the port stays ours and a connect gets ECONNREFUSED.
    listener_ = net::listen_tcp(host, port, 1);
    port_ = net::local_port(listener_.get());
    listener_.reset();
    net::Fd reserved(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(reserved.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(reserved.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("fake provider '" + config_.name + "': cannot reserve port " +
                               std::to_string(port_) + ": " + std::strerror(errno));
    listener_ = std::move(reserved);
    started_ = true;
    return;
  }
  listener_ = net::listen_tcp(host, port);
  port_ = net::local_port(listener_.get());
  acceptor_ = std::thread([this] { accept_loop(); });
  started_ = true;
}

void FakeProvider::stop() {
  if (!started_) return;
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  std::list<Connection> connections;
  {
    std::lock_guard<std::mutex> lock(connections_mutex_);
    connections.swap(connections_);
  }
  for (auto& connection : connections)
    if (connection.thread.joinable()) connection.thread.join();
  listener_.reset();
  started_ = false;
}

std::string FakeProvider::base_url() const {
  return "http://" + host_ + ":" + std::to_string(port_) + "/v1";
}

ProviderConfig FakeProvider::config() const {
  std::lock_guard<std::mutex> lock(config_mutex_);
  return config_;
}

void FakeProvider::set_script(std::vector<ScriptEntry> script, ScriptEntry then) {
  std::lock_guard<std::mutex> lock(config_mutex_);
  config_.script = std::move(script);
  config_.then = std::move(then);
  next_entry_ = 0;
}

bool FakeProvider::take_on_connect(ScriptEntry* entry) {
  std::lock_guard<std::mutex> lock(config_mutex_);
  const ScriptEntry& next =
      next_entry_ < config_.script.size() ? config_.script[next_entry_] : config_.then;
  if (!next.fault || next.fault->position != FaultPosition::OnConnect) return false;
  *entry = next;
  ++next_entry_;
  return true;
}

ScriptEntry FakeProvider::take_entry() {
  std::lock_guard<std::mutex> lock(config_mutex_);
  ScriptEntry entry = next_entry_ < config_.script.size() ? config_.script[next_entry_] : config_.then;
  ++next_entry_;
  return entry;
}

void FakeProvider::reap_finished() {
  std::lock_guard<std::mutex> lock(connections_mutex_);
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->done) {
      it->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void FakeProvider::accept_loop() {
  while (!stop_) {
    auto status = net::wait_readable(listener_.get(), net::kNoDeadline, &stop_);
    if (status != net::IoStatus::Ok) break;
    int client = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    ++accepted_;
    int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    reap_finished();
    std::lock_guard<std::mutex> lock(connections_mutex_);
    Connection& connection = connections_.emplace_back();
    connection.thread = std::thread(
        [this, fd = client, &connection]() mutable { serve_connection(net::Fd(fd), &connection); });
  }
}

void FakeProvider::serve_connection(net::Fd fd, Connection* self) {
  // The snapshot is per connection: a script change applies to the next connection.
  const ProviderConfig config = this->config();
  ScriptEntry on_connect;
  if (take_on_connect(&on_connect)) {
    JournalEntry entry;
    entry.received_ms = journal_.now_ms();
    entry.fault = on_connect.fault;
    Exchange exchange{fd, config, journal_, journal_.open(std::move(entry)), stop_};
    fire_on_connect(exchange, *on_connect.fault);
    self->done = true;
    return;
  }
  std::string buffer;
  while (!stop_ && fd.valid()) {
    net::RequestHead head;
    std::string body;
    auto outcome = read_request(fd.get(), buffer, stop_, &head, &body);
    if (outcome == ReadOutcome::Closed) break;
    if (outcome == ReadOutcome::Bad) {
      static const std::string kBad =
          "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      net::write_all(fd.get(), kBad, net::Clock::now() + std::chrono::seconds(1), &stop_);
      break;
    }
    ScriptEntry plan = take_entry();
    if (plan.fault && plan.fault->position == FaultPosition::OnConnect) {
      // An on_connect entry reached on a connection already in use (the script changed while a
      // client kept the connection): it fires here, before any answer, as it would have on a
      // new connection; the request is not answered.
      JournalEntry faulted;
      faulted.received_ms = journal_.now_ms();
      faulted.fault = plan.fault;
      Exchange exchange{fd, config, journal_, journal_.open(std::move(faulted)), stop_};
      fire_on_connect(exchange, *plan.fault);
      break;
    }
    JournalEntry entry;
    entry.received_ms = journal_.now_ms();
    entry.has_request = true;
    entry.method = head.method;
    entry.path = head.target;
    entry.headers = redact_headers(head.headers);
    entry.body = body;
    entry.fault = plan.fault;
    Exchange exchange{fd, config, journal_, journal_.open(std::move(entry)), stop_};
    if (!answer_exchange(exchange, head, body, plan)) break;
  }
  self->done = true;
}

}  // namespace midstream::fakes
