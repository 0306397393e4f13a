// Hostile input to the reference router's HTTP front. Every case gets an OpenAI-shaped 4xx
// ({"error":{"message","type"}}) or a closed connection, never a hang, a 5xx or a crash; the
// router keeps serving; and a stream running at the same time, through a real fake provider
// (`midstream fakes` as a child process), delivers its answer exactly. The last cases are hostile
// upstreams: what the router reads from a provider is bounded too (wire/sse, net/http_client).
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/http_client.h"
#include "router/config.h"
#include "router/server.h"
#include "wire/codec.h"
#include "wire/sse.h"

namespace midstream::router {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// What the steady fake answers: the concurrent stream must carry exactly this.
constexpr const char* kAnswer =
    "Every word of this answer arrives exactly once and in order, even while hostile clients "
    "hammer the same router.";
constexpr const char* kChat = "/v1/chat/completions";
constexpr const char* kResponses = "/v1/responses";
// Generous: the machine may be busy (2 cores, sanitizers); still far below "hangs".
constexpr auto kReply = 15s;

int64_t ms_since(Clock::time_point from) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - from).count();
}

int poll_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1000));
}

std::string chat_body(const std::string& model = "steady", bool stream = false,
                      const std::string& extra = "") {
  return R"({"model": ")" + model + R"(", "stream": )" + (stream ? "true" : "false") +
         R"(, "messages": [{"role": "user", "content": "Say it."}])" + extra + "}";
}

// ---- the fake provider: `midstream fakes` as a child process -----------------------------------

// One per test process (ctest runs each test in its own); the child dies with this process.
class FakesProcess {
 public:
  static FakesProcess& get() {
    static FakesProcess fakes;
    return fakes;
  }
  const std::string& steady_url() const { return steady_url_; }
  const std::string& error() const { return error_; }

  ~FakesProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      const auto deadline = Clock::now() + 5s;
      int status = 0;
      while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (Clock::now() > deadline) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(10ms);
      }
    }
    if (out_ >= 0) ::close(out_);
    ::unlink(config_path_.c_str());
  }

 private:
  FakesProcess() {
    config_path_ =
        testing::TempDir() + "midstream-hostile-fakes-" + std::to_string(::getpid()) + ".json";
    std::ofstream(config_path_) << json{{"providers",
                                         {{"steady",
                                           {{"dialect", "openai-chat"},
                                            {"answer", kAnswer},
                                            {"event_delay_ms", 8}}}}}}
                                       .dump();
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) {
      error_ = "pipe failed";
      return;
    }
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) _exit(1);
      ::dup2(pipe_fds[1], STDOUT_FILENO);
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      ::execl(MIDSTREAM_BINARY, MIDSTREAM_BINARY, "fakes", "--config", config_path_.c_str(),
              static_cast<char*>(nullptr));
      _exit(127);
    }
    ::close(pipe_fds[1]);
    out_ = pipe_fds[0];
    // "fake steady (openai-chat) at http://127.0.0.1:PORT/v1", then "admin API at ...".
    std::string text;
    const auto deadline = Clock::now() + 60s;
    while (text.find("admin API at") == std::string::npos && Clock::now() < deadline) {
      pollfd entry{out_, POLLIN, 0};
      if (::poll(&entry, 1, poll_ms(deadline)) <= 0) continue;
      char bytes[512];
      const ssize_t n = ::read(out_, bytes, sizeof bytes);
      if (n <= 0) break;
      text.append(bytes, static_cast<size_t>(n));
    }
    const std::string marker = "fake steady (openai-chat) at ";
    const size_t at = text.find(marker);
    if (at == std::string::npos) {
      error_ = "`midstream fakes` did not print its providers: " + text;
      return;
    }
    const size_t start = at + marker.size();
    steady_url_ = text.substr(start, text.find('\n', start) - start);
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string config_path_;
  std::string steady_url_;
  std::string error_;
};

// ---- raw sockets -------------------------------------------------------------------------------

int connect_loopback(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

struct Reply {
  bool complete = false;  // a whole response (head, and its Content-Length body) arrived
  bool closed = false;    // the router closed or reset the connection
  int status = 0;
  std::string head;
  std::string body;
};

// A client that writes exactly the bytes it is given.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(connect_loopback(port)) {}
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  bool ok() const { return fd_ >= 0; }

  // Sends everything; false once the router has closed or reset the connection (or stalls).
  bool send(std::string_view bytes, Clock::duration timeout = kReply) {
    const auto deadline = Clock::now() + timeout;
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
      if (Clock::now() >= deadline) return false;
      pollfd entry{fd_, POLLOUT, 0};
      ::poll(&entry, 1, poll_ms(deadline));
    }
    return true;
  }

  // Reads one response, or until the router ends the connection or the deadline passes.
  Reply read_reply(Clock::duration timeout = kReply) {
    const auto deadline = Clock::now() + timeout;
    Reply reply;
    for (;;) {
      if (parse(reply)) return reply;
      if (Clock::now() >= deadline) return reply;
      pollfd entry{fd_, POLLIN, 0};
      if (::poll(&entry, 1, poll_ms(deadline)) <= 0) continue;
      char bytes[16384];
      const ssize_t n = ::recv(fd_, bytes, sizeof bytes, 0);
      if (n > 0) {
        buffer_.append(bytes, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      reply.closed = true;
      parse(reply);
      return reply;
    }
  }

  // True when the router ends the connection (FIN or RST) before the deadline; what it sends
  // first is dropped.
  bool wait_closed(Clock::duration timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      pollfd entry{fd_, POLLIN, 0};
      if (::poll(&entry, 1, poll_ms(deadline)) <= 0) continue;
      char bytes[16384];
      const ssize_t n = ::recv(fd_, bytes, sizeof bytes, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
    }
    return false;
  }

  // Ends the connection with a RST.
  void reset() {
    const linger hard{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::close(fd_);
    fd_ = -1;
  }
  void half_close() { ::shutdown(fd_, SHUT_WR); }

 private:
  bool parse(Reply& reply) {
    const size_t end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    const std::string head = buffer_.substr(0, end + 4);
    if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) return false;
    std::string lower = head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t length = 0;
    if (const size_t at = lower.find("\r\ncontent-length:"); at != std::string::npos)
      length = std::stoul(lower.substr(at + 17));
    if (buffer_.size() < end + 4 + length) return false;
    reply.complete = true;
    reply.status = std::atoi(head.c_str() + 9);
    reply.head = head;
    reply.body = buffer_.substr(end + 4, length);
    buffer_.erase(0, end + 4 + length);
    return true;
  }

  int fd_;
  std::string buffer_;
};

testing::AssertionResult is_openai_error(const std::string& body) {
  const auto parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("error") || !parsed["error"].is_object())
    return testing::AssertionFailure() << "not {\"error\":{...}}: " << body.substr(0, 300);
  const auto& error = parsed["error"];
  if (!error.contains("message") || !error["message"].is_string() || !error.contains("type") ||
      !error["type"].is_string())
    return testing::AssertionFailure() << "error without message/type: " << body.substr(0, 300);
  return testing::AssertionSuccess();
}

// The router answered with an OpenAI-shaped error whose status is one of `statuses`, or ended the
// connection without answering; never a success, never a hang.
void expect_refused(const Reply& reply, std::initializer_list<int> statuses, const std::string& what) {
  if (!reply.complete) {
    EXPECT_TRUE(reply.closed) << what << ": neither an answer nor a closed connection";
    return;
  }
  EXPECT_TRUE(std::set<int>(statuses).contains(reply.status))
      << what << ": status " << reply.status << "\n" << reply.head << reply.body;
  EXPECT_TRUE(is_openai_error(reply.body)) << what;
}

// ---- a hostile upstream ------------------------------------------------------------------------

// A provider that misbehaves in raw bytes: it reads a request head, writes `head`, then `filler`
// over and over until `limit` bytes are out or the router stops taking them.
class HostileUpstream {
 public:
  HostileUpstream(std::string head, std::string filler, size_t limit)
      : head_(std::move(head)), filler_(std::move(filler)), limit_(limit) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~HostileUpstream() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
  }
  HostileUpstream(const HostileUpstream&) = delete;
  HostileUpstream& operator=(const HostileUpstream&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  // Waits for the first exchange to end; false if it has not within the timeout.
  bool wait_done(Clock::duration timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [this] { return done_; });
  }
  size_t sent() const { return sent_; }
  // The router closed or reset the connection before the flood was out.
  bool router_hung_up() const { return hung_up_; }

 private:
  void run() {
    while (!stop_) {
      pollfd entry{listener_, POLLIN, 0};
      if (::poll(&entry, 1, 50) <= 0) continue;
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      serve(fd);
      ::close(fd);
      {
        std::lock_guard lock(mutex_);
        done_ = true;
      }
      cv_.notify_all();
    }
  }

  void serve(int fd) {
    std::string request;
    const auto deadline = Clock::now() + kReply;
    while (request.find("\r\n\r\n") == std::string::npos && Clock::now() < deadline && !stop_) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, poll_ms(deadline)) <= 0) continue;
      char bytes[4096];
      const ssize_t n = ::recv(fd, bytes, sizeof bytes, 0);
      if (n <= 0) return;
      request.append(bytes, static_cast<size_t>(n));
    }
    size_t sent = 0;
    std::string_view out = head_;
    while (sent < limit_ && !stop_) {
      if (out.empty()) out = filler_;
      pollfd entry{fd, POLLOUT, 0};
      if (::poll(&entry, 1, 10'000) <= 0) return;  // the router stopped reading, kept it open
      const ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        hung_up_ = true;
        return;
      }
      out.remove_prefix(static_cast<size_t>(n));
      sent += static_cast<size_t>(n);
      sent_ = sent;
    }
  }

  std::string head_;
  std::string filler_;
  size_t limit_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> sent_{0};
  std::atomic<bool> hung_up_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
};

// ---- the concurrent stream ---------------------------------------------------------------------

struct StreamResult {
  std::string text;
  bool done = false;     // [DONE] arrived
  bool refused = false;  // the router turned the connection away before answering it
  int status = 0;
  std::string detail;
};

// Streams `model` through the router and decodes the client's text.
StreamResult stream_chat(uint16_t port, const std::string& model,
                         const std::function<void()>& on_first_text = nullptr) {
  StreamResult result;
  net::ClientRequest request;
  request.port = port;
  request.target = kChat;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = chat_body(model, true);
  net::HttpStream stream;
  const auto deadline = net::Clock::now() + 60s;
  if (!stream.start(request, deadline) || !stream.read_head(deadline)) {
    result.refused =
        stream.end() == net::StreamEnd::EofEarly || stream.end() == net::StreamEnd::Reset;
    result.detail = std::string(net::to_string(stream.end())) + " " + stream.detail();
    return result;
  }
  result.status = stream.head().status;
  auto decoder = wire::make_decoder(wire::Dialect::OpenAIChat);
  wire::SseFramer framer;
  std::vector<wire::StreamEvent> events;
  const auto sink = [&](const wire::SseEvent& event) { decoder->decode(event, events); };
  std::string chunk;
  bool told = false;
  while (stream.read_some(&chunk, deadline)) {
    framer.feed(chunk, sink);
    chunk.clear();
    for (const auto& event : events) {
      if (event.kind == wire::EventKind::TextDelta) result.text += event.text;
      if (event.kind == wire::EventKind::End) result.done = true;
    }
    events.clear();
    if (!told && !result.text.empty() && on_first_text) {
      told = true;
      on_first_text();
    }
  }
  if (result.status == 503) result.refused = true;
  result.detail = std::string(net::to_string(stream.end())) + " " + stream.detail();
  return result;
}

// Streams kAnswer through the router, one request after another, until stopped. Every stream the
// router accepted must deliver exactly the answer and its [DONE].
class StreamWatcher {
 public:
  StreamWatcher(uint16_t port, bool tolerate_refusals)
      : port_(port), tolerate_refusals_(tolerate_refusals) {
    thread_ = std::thread([this] { run(); });
  }
  ~StreamWatcher() { stop(); }
  StreamWatcher(const StreamWatcher&) = delete;
  StreamWatcher& operator=(const StreamWatcher&) = delete;

  bool wait_first_text(Clock::duration timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [this] { return first_text_ || !failures_.empty(); }) &&
           first_text_;
  }
  // Lets the stream in flight finish, then stops.
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int completed() const { return completed_; }
  int refused() const { return refused_; }
  std::vector<std::string> failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  void run() {
    while (!stop_) {
      StreamResult result = stream_chat(port_, "steady", [this] {
        {
          std::lock_guard lock(mutex_);
          first_text_ = true;
        }
        cv_.notify_all();
      });
      if (result.refused && tolerate_refusals_) {
        ++refused_;
        std::this_thread::sleep_for(20ms);
        continue;
      }
      if (result.status == 200 && result.done && result.text == kAnswer) {
        ++completed_;
        continue;
      }
      std::lock_guard lock(mutex_);
      failures_.push_back("status " + std::to_string(result.status) + ", done " +
                          std::to_string(result.done) + ", text \"" + result.text + "\" (" +
                          result.detail + ")");
      cv_.notify_all();
    }
  }

  uint16_t port_;
  bool tolerate_refusals_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> completed_{0};
  std::atomic<int> refused_{0};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool first_text_ = false;
  std::vector<std::string> failures_;
};

size_t open_fds() {
  size_t count = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (const dirent* entry = ::readdir(dir))
      if (entry->d_name[0] != '.') ++count;
    ::closedir(dir);
  }
  return count;
}

// ---- the fixture -------------------------------------------------------------------------------

class RouterHostile : public testing::Test {
 protected:
  // Short head and body timeouts so the bounds show within a test; the rest as shipped.
  static ServerOptions test_options() {
    ServerOptions options;
    options.threads = 16;
    options.header_timeout_ms = 2'000;
    options.body_timeout_ms = 2'000;
    options.write_timeout_ms = 10'000;
    return options;
  }

  void SetUp() override {
    ASSERT_TRUE(FakesProcess::get().error().empty()) << FakesProcess::get().error();
    ASSERT_NO_FATAL_FAILURE(restart(test_options()));
  }

  void TearDown() override {
    finish_watcher();
    if (router_) {
      httplib::Client client("127.0.0.1", port_);
      client.set_read_timeout(kReply);
      auto res = client.Get("/health");
      EXPECT_TRUE(res && res->status == 200) << "the router stopped serving";
      router_->stop();
    }
  }

  // A router with these options, a model "steady" on the fake, and `models` besides. The
  // concurrent stream's first text has arrived when it returns.
  void restart(ServerOptions options, json models = json::array(), json settings = json::object(),
               bool tolerate_refusals = false) {
    finish_watcher();
    if (router_) router_->stop();
    models.push_back({{"model_name", "steady"},
                      {"litellm_params",
                       {{"model", "openai/fake-model"},
                        {"api_base", FakesProcess::get().steady_url()},
                        {"api_key", "sk-hostile-test"}}}});
    settings.merge_patch({{"num_retries", 0}});
    router_ = std::make_unique<RouterServer>(
        load_router_config(json{{"model_list", models}, {"router_settings", settings}}, "test"),
        options);
    port_ = router_->start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(kReply);
    client_->set_write_timeout(kReply);
    watcher_ = std::make_unique<StreamWatcher>(port_, tolerate_refusals);
    ASSERT_TRUE(watcher_->wait_first_text(30s))
        << "the concurrent stream never started: " << testing::PrintToString(watcher_->failures());
  }

  void finish_watcher() {
    if (!watcher_) return;
    watcher_->stop();
    EXPECT_GE(watcher_->completed(), 1) << "no concurrent stream completed";
    for (const auto& failure : watcher_->failures())
      ADD_FAILURE() << "the concurrent stream was affected: " << failure;
    if (watcher_->refused() > 0)
      std::cout << "[   NOTE   ] " << watcher_->refused()
                << " concurrent stream(s) turned away at the connection limit before starting\n";
    watcher_.reset();
  }

  // Posts through cpp-httplib's client and expects an OpenAI-shaped error with this status.
  void expect_error(const std::string& path, const std::string& body, int status,
                    const std::string& content_type = "application/json") {
    auto res = client_->Post(path, body, content_type);
    ASSERT_TRUE(res) << "no response for " << body.substr(0, 200) << ": "
                     << httplib::to_string(res.error());
    EXPECT_EQ(res->status, status) << body.substr(0, 200) << " -> " << res->body;
    EXPECT_TRUE(is_openai_error(res->body)) << body.substr(0, 200);
  }

  // A non-streamed answer through the router is exactly kAnswer.
  void expect_served(const std::string& body, const std::string& content_type = "application/json") {
    auto res = client_->Post(kChat, body, content_type);
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    ASSERT_EQ(res->status, 200) << res->body;
    const auto parsed = json::parse(res->body, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << res->body;
    EXPECT_EQ(parsed["choices"][0]["message"]["content"], kAnswer) << res->body;
  }

  // /health on a new connection, answered within the bound.
  void expect_responsive(Clock::duration bound = 5s) {
    const auto start = Clock::now();
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(kReply);
    auto res = client.Get("/health");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    EXPECT_LT(Clock::now() - start, bound) << "health took " << ms_since(start) << " ms";
  }

  std::string post_head(const std::string& path, size_t length,
                        const std::string& extra_headers = "Content-Type: application/json\r\n") {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + extra_headers +
           "Content-Length: " + std::to_string(length) + "\r\n\r\n";
  }

  // The head of a chat POST whose body comes in chunks, and one 64 KiB chunk of it.
  static std::string chunked_post_head() {
    return std::string("POST ") + kChat +
           " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Transfer-Encoding: chunked\r\n\r\n";
  }
  static std::string chunk_of_64k() { return "10000\r\n" + std::string(0x10000, ' ') + "\r\n"; }

  std::unique_ptr<RouterServer> router_;
  uint16_t port_ = 0;
  std::unique_ptr<httplib::Client> client_;
  std::unique_ptr<StreamWatcher> watcher_;
};

// ---- the JSON body -----------------------------------------------------------------------------

TEST_F(RouterHostile, InvalidJsonIs400) {
  for (const char* body : {"{not json", R"({"model": "steady",)", "nul", "{'model': 'steady'}",
                           R"("unterminated)", R"({"model": "steady"} trailing)", "{]"})
    expect_error(kChat, body, 400);
}

TEST_F(RouterHostile, EmptyBodyIs400) {
  expect_error(kChat, "", 400);
  expect_error(kResponses, "", 400);
}

TEST_F(RouterHostile, BodyThatIsNotAnObjectIs400) {
  for (const char* body : {"[]", "42", "null", "true", R"("text")", "[{}]"}) {
    expect_error(kChat, body, 400);
    expect_error(kResponses, body, 400);
  }
}

TEST_F(RouterHostile, MissingModelIs400) {
  expect_error(kChat, R"({"messages": [{"role": "user", "content": "hi"}]})", 400);
  expect_error(kResponses, R"({"input": "hi"})", 400);
}

TEST_F(RouterHostile, MissingOrEmptyMessagesIs400) {
  expect_error(kChat, R"({"model": "steady"})", 400);
  expect_error(kChat, R"({"model": "steady", "messages": []})", 400);
}

TEST_F(RouterHostile, MissingInputIs400) {
  expect_error(kResponses, R"({"model": "steady"})", 400);
  expect_error(kResponses, R"({"model": "steady", "input": []})", 400);
}

TEST_F(RouterHostile, UnknownModelIs404) {
  expect_error(kChat, chat_body("no-such-model"), 404);
  expect_error(kResponses, R"({"model": "no-such-model", "input": "hi"})", 404);
}

TEST_F(RouterHostile, ModelOfEveryWrongTypeIs400) {
  for (const char* model : {"42", "4.2", "null", "true", "[]", "{}", R"("")", R"(["steady"])"}) {
    expect_error(kChat,
                 std::string(R"({"model": )") + model +
                     R"(, "messages": [{"role": "user", "content": "hi"}]})",
                 400);
    expect_error(kResponses, std::string(R"({"model": )") + model + R"(, "input": "hi"})", 400);
  }
}

TEST_F(RouterHostile, MessagesOfEveryWrongTypeIs400) {
  for (const char* messages :
       {R"("hi")", "42", "null", "true", "{}", "[42]", R"(["hi"])", "[null]", "[{}]",
        R"([{"role": 42, "content": "x"}])", R"([{"role": "wizard", "content": "x"}])",
        R"([{"role": "user"}])", R"([{"role": "user", "content": 42}])",
        R"([{"role": "user", "content": {}}])", R"([{"role": "user", "content": [42]}])",
        R"([{"role": "user", "content": [{"type": "text"}]}])",
        R"([{"role": "user", "content": [{"type": "text", "text": 42}]}])",
        R"([{"role": "user", "content": [{"text": "x"}]}])"}) {
    expect_error(kChat, std::string(R"({"model": "steady", "messages": )") + messages + "}", 400);
  }
}

TEST_F(RouterHostile, InputAndInstructionsOfWrongTypeAre400) {
  for (const char* input : {"42", "null", "true", "{}", "[42]",
                            R"([{"role": "user", "content": 42}])",
                            R"([{"type": "image", "role": "user", "content": "x"}])"}) {
    expect_error(kResponses, std::string(R"({"model": "steady", "input": )") + input + "}", 400);
  }
  expect_error(kResponses, R"({"model": "steady", "input": "hi", "instructions": 42})", 400);
}

TEST_F(RouterHostile, StreamThatIsNotABooleanIs400) {
  for (const char* stream : {R"("yes")", R"("true")", "1", "0", "null", "{}", "[]"}) {
    expect_error(kChat,
                 std::string(R"({"model": "steady", "stream": )") + stream +
                     R"(, "messages": [{"role": "user", "content": "hi"}]})",
                 400);
    expect_error(kResponses,
                 std::string(R"({"model": "steady", "stream": )") + stream + R"(, "input": "hi"})",
                 400);
  }
}

TEST_F(RouterHostile, OptionsOfWrongTypeAre400) {
  for (const char* extra :
       {R"(, "stream_options": "x")", R"(, "stream_options": [])",
        R"(, "stream_options": {"include_usage": "yes"})", R"(, "disable_fallbacks": "yes")",
        R"(, "max_tokens": "10")", R"(, "max_tokens": 1.5)", R"(, "max_tokens": true)",
        R"(, "max_tokens": null)", R"(, "max_tokens": {})", R"(, "max_completion_tokens": [])"}) {
    expect_error(kChat, chat_body("steady", false, extra), 400);
  }
}

TEST_F(RouterHostile, ResponsesOptionsOfWrongTypeAre400) {
  for (const char* extra :
       {R"(, "max_output_tokens": "10")", R"(, "max_output_tokens": 1.5)",
        R"(, "max_output_tokens": 1e400)", R"(, "max_output_tokens": [])",
        R"(, "disable_fallbacks": 1)", R"(, "disable_fallbacks": "true")"}) {
    expect_error(kResponses, std::string(R"({"model": "steady", "input": "hi")") + extra + "}", 400);
  }
}

TEST_F(RouterHostile, HugeNumbersAre400) {
  for (const std::string& number :
       {std::string("1e400"), std::string("-1e400"), std::string("99999999999999999999999"),
        std::string("18446744073709551616"), std::string("9223372036854775808"),
        std::string(5000, '9'), "1" + std::string(400, '0') + ".5"}) {
    expect_error(kChat, chat_body("steady", false, R"(, "max_tokens": )" + number), 400);
  }
}

TEST_F(RouterHostile, HugeNumbersInPassThroughFieldsDoNotBreakTheRouter) {
  // Passed through unchanged: an exact answer or a 4xx, never a failure.
  for (const std::string& extra :
       {std::string(R"(, "temperature": 1e400)"), std::string(R"(, "seed": 18446744073709551615)"),
        R"(, "top_p": )" + std::string(3000, '7')}) {
    auto res = client_->Post(kChat, chat_body("steady", false, extra), "application/json");
    ASSERT_TRUE(res);
    if (res->status == 200) {
      const auto parsed = json::parse(res->body, nullptr, false);
      EXPECT_EQ(parsed["choices"][0]["message"]["content"], kAnswer) << res->body;
    } else {
      EXPECT_EQ(res->status / 100, 4) << extra << " -> " << res->body;
      EXPECT_TRUE(is_openai_error(res->body));
    }
  }
}

TEST_F(RouterHostile, InvalidUtf8InContentIs400) {
  for (const std::string& bad : {std::string("\xff\xfe"), std::string("\xc0\x80"),
                                 std::string("\xed\xa0\x80"), std::string("ab\xe2\x82"),
                                 std::string("\xf8\x88\x80\x80\x80"), std::string("\x80")}) {
    expect_error(kChat,
                 R"({"model": "steady", "messages": [{"role": "user", "content": ")" + bad +
                     R"("}]})",
                 400);
    expect_error(kResponses, R"({"model": "steady", "input": ")" + bad + R"("})", 400);
  }
}

TEST_F(RouterHostile, LoneSurrogatesAndRawControlCharactersAre400) {
  for (const std::string& bad :
       {std::string(R"(\ud800)"), std::string(R"(\udc00x)"), std::string(R"(\ud800\u0041)"),
        std::string("a\x01"
                    "b"),
        std::string("a\0b", 3), std::string("line\nbreak")}) {
    expect_error(kChat,
                 R"({"model": "steady", "messages": [{"role": "user", "content": ")" + bad +
                     R"("}]})",
                 400);
  }
}

TEST_F(RouterHostile, HundredThousandOpenBracketsAre400) {
  expect_error(kChat, std::string(100'000, '['), 400);
  expect_error(kChat, std::string(100'000, '{'), 400);
  expect_error(kResponses, R"({"model": "steady", "input": )" + std::string(100'000, '['), 400);
}

TEST_F(RouterHostile, DeepValidJsonInAPassThroughFieldIs400) {
  // Valid JSON: without the depth check it parses, then copying it recurses 100000 levels deep.
  const std::string arrays = std::string(100'000, '[') + std::string(100'000, ']');
  expect_error(kChat, chat_body("steady", false, R"(, "metadata": )" + arrays), 400);
  std::string objects;
  for (int i = 0; i < 20'000; ++i) objects += R"({"a":)";
  objects += "1" + std::string(20'000, '}');
  expect_error(kChat, chat_body("steady", false, R"(, "metadata": )" + objects), 400);
}

TEST_F(RouterHostile, NestingUpToTheLimitIsServedAndOneMoreIs400) {
  // The body object is level 1, so 63 arrays inside it reach the limit of 64.
  expect_served(chat_body("steady", false,
                          R"(, "metadata": )" + std::string(63, '[') + std::string(63, ']')));
  auto res = client_->Post(
      kChat,
      chat_body("steady", false, R"(, "metadata": )" + std::string(64, '[') + std::string(64, ']')),
      "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("json_too_deep"), std::string::npos) << res->body;
}

TEST_F(RouterHostile, BracketsInsideStringsDoNotCount) {
  const std::string text = std::string(5000, '[') + R"(\"{)" + std::string(5000, '{');
  expect_served(R"({"model": "steady", "messages": [{"role": "user", "content": ")" + text +
                R"("}]})");
}

// ---- content type ------------------------------------------------------------------------------

TEST_F(RouterHostile, WrongContentTypeIs415) {
  for (const char* type : {"text/plain", "text/html", "application/xml", "application/jsonx",
                           "image/png", "application/x-www-form-urlencoded"}) {
    expect_error(kChat, chat_body(), 415, type);
    expect_error(kResponses, R"({"model": "steady", "input": "hi"})", 415, type);
  }
}

TEST_F(RouterHostile, MultipartBodyIsRefused) {
  const std::string body =
      "--xyz\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nsteady\r\n--xyz--\r\n";
  auto res = client_->Post(kChat, body, "multipart/form-data; boundary=xyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status / 100, 4) << res->body;
  EXPECT_TRUE(is_openai_error(res->body));
}

TEST_F(RouterHostile, JsonContentTypeVariantsAreServed) {
  expect_served(chat_body(), "application/json; charset=utf-8");
  expect_served(chat_body(), "Application/JSON");
  // No Content-Type at all is read as JSON too.
  RawClient raw(port_);
  const std::string body = chat_body();
  ASSERT_TRUE(raw.send(post_head(kChat, body.size(), "") + body));
  const Reply reply = raw.read_reply();
  ASSERT_TRUE(reply.complete);
  EXPECT_EQ(reply.status, 200) << reply.body;
}

// ---- body size ---------------------------------------------------------------------------------

TEST_F(RouterHostile, BodyOverTheLimitIs413) {
  const std::string huge =
      R"({"model": "steady", "x": ")" + std::string(9 * 1024 * 1024, 'x') + R"("})";
  RawClient raw(port_);
  ASSERT_TRUE(raw.ok());
  raw.send(post_head(kChat, huge.size()) + huge);
  expect_refused(raw.read_reply(), {413}, "9 MiB body");
}

TEST_F(RouterHostile, ChunkedBodyOverTheLimitIsRefused) {
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(chunked_post_head()));
  const std::string chunk = chunk_of_64k();
  for (int i = 0; i < 9 * 16 && raw.send(chunk, 5s); ++i) {
  }
  raw.send("0\r\n\r\n", 5s);
  expect_refused(raw.read_reply(), {413, 400}, "9 MiB chunked body");
}

TEST_F(RouterHostile, EndlessChunkedBodyIsCutOffNearTheLimit) {
  // cpp-httplib 0.11.4 reads a chunked body with no limit: the router must stop it itself, long
  // before the client has sent 64 MiB.
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(chunked_post_head()));
  // 64 KiB chunks; after each MiB, look for the router's answer (it keeps draining what follows
  // for a moment after answering, without storing it, so sending alone proves nothing).
  const std::string chunk = chunk_of_64k();
  Reply reply;
  int mib = 0;
  for (; mib < 64 && !reply.complete && !reply.closed; ++mib) {
    for (int i = 0; i < 16 && raw.send(chunk, 5s); ++i) {
    }
    reply = raw.read_reply(50ms);
  }
  if (!reply.complete && !reply.closed) reply = raw.read_reply();
  EXPECT_LE(mib, 16) << "the router answered only after " << mib << " MiB (limit 8 MiB)";
  expect_refused(reply, {400, 413}, "an endless chunked body");
  expect_responsive();
}

TEST_F(RouterHostile, CompressedBodyIs415) {
  // A byte limit cannot bound what a gzip body inflates to: compressed bodies are refused.
  for (const char* encoding : {"gzip", "br", "deflate"}) {
    RawClient raw(port_);
    ASSERT_TRUE(raw.send(post_head(kChat, 2, std::string("Content-Type: application/json\r\n"
                                                         "Content-Encoding: ") + encoding + "\r\n") + "{}"));
    expect_refused(raw.read_reply(), {415}, std::string("Content-Encoding: ") + encoding);
  }
}

TEST_F(RouterHostile, PostWithoutALengthIs411) {
  // Without a length cpp-httplib would read the body until the client closes.
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(std::string("POST ") + kChat +
                       " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n{}"));
  const auto start = Clock::now();
  expect_refused(raw.read_reply(), {411}, "POST with neither Content-Length nor chunks");
  EXPECT_LT(ms_since(start), 5'000) << "the router waited for the client to close";
}

TEST_F(RouterHostile, AmbiguousBodyLengthIs400) {
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(std::string("POST ") + kChat +
                       " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
  expect_refused(raw.read_reply(), {400}, "Content-Length and Transfer-Encoding together");
}

TEST_F(RouterHostile, ABodyOnAGetCannotSmuggleASecondRequest) {
  // cpp-httplib leaves a GET's body unread: kept on the connection, it would be parsed as the
  // next request. The smuggled request below must never be answered.
  const std::string smuggled = post_head(kChat, 2) + "{}";
  RawClient raw(port_);
  ASSERT_TRUE(raw.send("GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                       std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled));
  expect_refused(raw.read_reply(), {400}, "GET with a body");
  const Reply second = raw.read_reply(2s);
  EXPECT_FALSE(second.complete) << "a second response came: " << second.head;
}

TEST_F(RouterHostile, ContentLengthOverTheLimitIsRefusedWithoutWaitingForTheBody) {
  ServerOptions options = test_options();
  options.body_timeout_ms = 60'000;  // waiting for the body would show as a minute
  restart(options);
  RawClient raw(port_);
  const auto start = Clock::now();
  ASSERT_TRUE(raw.send(post_head(kChat, 10'000'000'000) + "{"));
  expect_refused(raw.read_reply(), {413}, "Content-Length 10 GB");
  EXPECT_LT(ms_since(start), 10'000) << "the router waited for a body it would refuse";
}

TEST_F(RouterHostile, UnparseableContentLengthIsRefused) {
  for (const char* length : {"abc", "-1", "99999999999999999999999", "1 2", "0x10"}) {
    RawClient raw(port_);
    ASSERT_TRUE(raw.send(std::string("POST ") + kChat +
                         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         "Content-Length: " + length + "\r\n\r\n{}"));
    expect_refused(raw.read_reply(), {400, 413}, std::string("Content-Length: ") + length);
  }
}

TEST_F(RouterHostile, BodyShorterThanItsContentLengthIsCutOff) {
  RawClient raw(port_);
  const auto start = Clock::now();
  ASSERT_TRUE(raw.send(post_head(kChat, 1000) + "{\"model\""));
  expect_refused(raw.read_reply(), {400, 408}, "a body that never arrives");
  // The body timeout is 2 s here (30 s shipped).
  EXPECT_LT(ms_since(start), 10'000);
  expect_responsive();
}

TEST_F(RouterHostile, ExpectContinueOverTheLimitIs413) {
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(post_head(kChat, 20'000'000,
                                 "Content-Type: application/json\r\nExpect: 100-continue\r\n")));
  Reply reply = raw.read_reply();
  if (reply.complete && reply.status == 100) reply = raw.read_reply();
  expect_refused(reply, {413, 417}, "Expect: 100-continue with 20 MB");
}

// ---- methods and paths -------------------------------------------------------------------------

TEST_F(RouterHostile, GetOnAPostRouteIs405) {
  for (const char* path : {kChat, kResponses}) {
    auto res = client_->Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405) << path;
    EXPECT_EQ(res->get_header_value("Allow"), "POST");
    EXPECT_TRUE(is_openai_error(res->body));
  }
}

TEST_F(RouterHostile, OtherMethodsOnPostRoutesAre405) {
  for (const char* path : {kChat, kResponses}) {
    auto put = client_->Put(path, chat_body(), "application/json");
    auto del = client_->Delete(path);
    auto patch = client_->Patch(path, chat_body(), "application/json");
    auto options = client_->Options(path);
    for (const auto* res : {&put, &del, &patch, &options}) {
      ASSERT_TRUE(*res);
      EXPECT_EQ((*res)->status, 405) << path;
      EXPECT_TRUE(is_openai_error((*res)->body));
    }
  }
}

TEST_F(RouterHostile, PostOnAGetRouteIs405) {
  for (const char* path : {"/health", "/v1/models"}) expect_error(path, "{}", 405);
}

TEST_F(RouterHostile, UnknownPathIs404) {
  expect_error("/v1/nothing", chat_body(), 404);
  expect_error("/v2/chat/completions", chat_body(), 404);
  auto res = client_->Get("/../../etc/passwd");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status / 100, 4);
}

TEST_F(RouterHostile, UnknownMethodIsRefused) {
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(std::string("BREW ") + kChat + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  expect_refused(raw.read_reply(), {400, 405, 501}, "BREW");
}

// ---- HTTP framing ------------------------------------------------------------------------------

TEST_F(RouterHostile, GarbageRequestLinesAreRefused) {
  for (const std::string& line :
       {std::string("GARBAGE\r\n\r\n"), std::string("\x00\x01\x02\x03\r\n\r\n", 8),
        std::string("GET\r\n\r\n"), std::string("GET /health HTTP/9.9.9\r\n\r\n"),
        std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15),
        std::string("POST  HTTP/1.1\r\n\r\n")}) {
    RawClient raw(port_);
    ASSERT_TRUE(raw.send(line));
    expect_refused(raw.read_reply(), {400, 404, 411, 505}, "request line " + testing::PrintToString(line));
  }
  // A TLS ClientHello on the plain port: binary, no line end; cut off at the head deadline.
  RawClient tls(port_);
  ASSERT_TRUE(tls.send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x9a\x00", 13)));
  expect_refused(tls.read_reply(), {400, 408}, "a TLS ClientHello");
}

TEST_F(RouterHostile, RequestLineOverTheLimitIs414) {
  RawClient raw(port_);
  ASSERT_TRUE(raw.send("GET /" + std::string(100'000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  expect_refused(raw.read_reply(), {414}, "a 100 KB request line");
}

TEST_F(RouterHostile, EndlessRequestLineIsCutOff) {
  RawClient raw(port_);
  ASSERT_TRUE(raw.send("GET /"));
  // 8 MiB without a line end: the router answers at its limit instead of holding it all.
  const std::string block(64 * 1024, 'a');
  for (int i = 0; i < 128 && raw.send(block, 5s); ++i) {
  }
  expect_refused(raw.read_reply(), {414}, "an endless request line");
}

TEST_F(RouterHostile, HeaderLineOverTheLimitIs431) {
  RawClient raw(port_);
  ASSERT_TRUE(raw.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'b') +
                       "\r\n\r\n"));
  expect_refused(raw.read_reply(), {431}, "a 64 KB header line");
}

TEST_F(RouterHostile, TooManyHeaderFieldsIs431) {
  std::string head = "GET /health HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 1000; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(head + "\r\n"));
  expect_refused(raw.read_reply(), {431}, "1000 header fields");
}

TEST_F(RouterHostile, HeadOverTheLimitIs431) {
  // Each line and the field count within their limits; the whole head over 32 KiB.
  std::string head = "GET /health HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 40; ++i)
    head += "X-" + std::to_string(i) + ": " + std::string(1000, 'v') + "\r\n";
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(head + "\r\n"));
  expect_refused(raw.read_reply(), {431}, "a 40 KB head");
}

TEST_F(RouterHostile, HeadWithBareLineFeedsIsBounded) {
  RawClient raw(port_);
  const auto start = Clock::now();
  ASSERT_TRUE(raw.send("GET /health HTTP/1.1\nHost: x\n\n"));
  const Reply reply = raw.read_reply();
  if (reply.complete && reply.status == 200) return;  // read as a head: fine too
  expect_refused(reply, {400, 408}, "a head with bare LFs");
  EXPECT_LT(ms_since(start), 10'000);
}

TEST_F(RouterHostile, SlowlorisHeadersAreCutOffAndTheRouterStaysResponsive) {
  ServerOptions options = test_options();
  options.header_timeout_ms = 3'000;
  options.threads = 2;  // a thread per slow head would leave none to serve
  restart(options);
  RawClient slow(port_);
  ASSERT_TRUE(slow.ok());
  const std::string head =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(600, 's');
  const auto start = Clock::now();
  // One byte every 50 ms would take over 30 s; the head deadline (3 s here, 10 s shipped) ends it.
  Reply reply;
  for (size_t i = 0; i < head.size() && !reply.complete && !reply.closed; ++i) {
    if (!slow.send(head.substr(i, 1), 5s)) {
      reply.closed = true;
      break;
    }
    reply = slow.read_reply(50ms);
    if (i == 10) expect_responsive();  // served meanwhile, without waiting for the slow head
  }
  const int64_t cut_after = ms_since(start);
  EXPECT_TRUE(reply.complete || reply.closed) << "the slow head was not cut off";
  if (reply.complete) expect_refused(reply, {408}, "slowloris");
  EXPECT_GE(cut_after, 2'500) << "cut before its deadline";
  EXPECT_LT(cut_after, 15'000) << "cut long after its deadline";
  expect_responsive();
}

TEST_F(RouterHostile, ManySlowHeadsDoNotStarveTheServingThreads) {
  ServerOptions options = test_options();
  options.threads = 4;
  options.header_timeout_ms = 60'000;  // only the design, not a deadline, can keep it serving
  restart(options);
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 64; ++i) {
    slow.push_back(std::make_unique<RawClient>(port_));
    ASSERT_TRUE(slow.back()->send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"));
  }
  const auto start = Clock::now();
  expect_served(chat_body());
  expect_responsive(5s);
  EXPECT_LT(ms_since(start), 10'000);
}

TEST_F(RouterHostile, GarbageAfterARequestOnTheSameConnectionIs400) {
  RawClient raw(port_);
  const std::string body = chat_body();
  ASSERT_TRUE(raw.send(post_head(kChat, body.size()) + body +
                       std::string("\x16\x03\x01 garbage \x00\xff\r\n\r\n", 18)));
  const Reply first = raw.read_reply();
  ASSERT_TRUE(first.complete);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(json::parse(first.body, nullptr, false)["choices"][0]["message"]["content"], kAnswer);
  expect_refused(raw.read_reply(), {400}, "garbage after a request");
}

TEST_F(RouterHostile, UnterminatedGarbageAfterARequestIsCutOff) {
  RawClient raw(port_);
  const auto start = Clock::now();
  ASSERT_TRUE(raw.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\nxxxxxxxx"));
  const Reply first = raw.read_reply();
  ASSERT_TRUE(first.complete);
  EXPECT_EQ(first.status, 200);
  expect_refused(raw.read_reply(), {408}, "garbage without a line end");
  EXPECT_LT(ms_since(start), 10'000);
}

TEST_F(RouterHostile, PipelinedRequestsAreAnsweredInOrder) {
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const Reply health = raw.read_reply();
  const Reply models = raw.read_reply();
  const Reply missing = raw.read_reply();
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(models.body.find("steady"), std::string::npos);
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(raw.wait_closed(5s));
}

TEST_F(RouterHostile, ClientsThatLeaveMidRequestLeaveTheRouterServing) {
  {
    RawClient raw(port_);
    ASSERT_TRUE(raw.send(post_head(kChat, 1000) + "{\"mod"));
    raw.reset();
  }
  {
    RawClient raw(port_);
    ASSERT_TRUE(raw.send("POST /v1/chat/comp"));
    raw.half_close();
    EXPECT_TRUE(raw.wait_closed(5s));
  }
  {
    RawClient raw(port_);
    ASSERT_TRUE(raw.send("GET /health HTTP/1.1\r\nHost: x\r\n"));
    raw.reset();
  }
  expect_served(chat_body());
}

TEST_F(RouterHostile, ClientsThatHangUpMidStreamLeaveOthersUnaffected) {
  for (int i = 0; i < 3; ++i) {
    RawClient raw(port_);
    const std::string body = chat_body("steady", true);
    ASSERT_TRUE(raw.send(post_head(kChat, body.size()) + body));
    // The head arrives with the first content; then the client resets mid-stream.
    const Reply head = raw.read_reply();
    EXPECT_EQ(head.status, 200);
    raw.reset();
  }
  expect_served(chat_body());
}

// ---- connection floods -------------------------------------------------------------------------

TEST_F(RouterHostile, IdleConnectionsAreClosedAfterTheIdleTimeout) {
  ServerOptions options = test_options();
  options.idle_timeout_ms = 500;
  restart(options);
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 50; ++i) idle.push_back(std::make_unique<RawClient>(port_));
  const auto start = Clock::now();
  for (auto& client : idle) EXPECT_TRUE(client->wait_closed(10s));
  EXPECT_LT(ms_since(start), 10'000);
}

TEST_F(RouterHostile, ThousandsOfIdleConnectionsAreBounded) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  constexpr size_t kCap = 512;
  ServerOptions options = test_options();
  options.max_connections = kCap;
  options.idle_timeout_ms = 120'000;  // idle expiry must not be what saves the router
  options.header_timeout_ms = 120'000;
  restart(options, json::array(), json::object(), /*tolerate_refusals=*/true);

  const size_t baseline = open_fds();
  const size_t room = limit.rlim_cur > baseline + kCap + 256 ? limit.rlim_cur - baseline - kCap - 256 : 0;
  const size_t count = std::min<size_t>(2000, room);
  ASSERT_GE(count, 200u) << "RLIMIT_NOFILE " << limit.rlim_cur << " is too low for this test";
  std::cout << "[   INFO   ] " << count << " idle connections (RLIMIT_NOFILE " << limit.rlim_cur
            << ", router cap " << kCap << ")\n";

  std::vector<int> idle;
  for (size_t i = 0; i < count; ++i) {
    const int fd = connect_loopback(port_);
    if (fd >= 0) idle.push_back(fd);
  }
  EXPECT_EQ(idle.size(), count);

  // Bounded: the router holds at most its cap, whatever the clients hold.
  const auto settle = Clock::now() + 10s;
  while (router_->open_connections() > kCap + 4 && Clock::now() < settle)
    std::this_thread::sleep_for(20ms);
  EXPECT_LE(router_->open_connections(), kCap + 4);
  EXPECT_LE(open_fds(), baseline + idle.size() + kCap + 64);

  // A normal request is served in bounded time, and so is a whole answer.
  const auto start = Clock::now();
  expect_responsive(5s);
  expect_served(chat_body());
  EXPECT_LT(ms_since(start), 10'000);

  for (const int fd : idle) ::close(fd);
  const auto drained = Clock::now() + 10s;
  while ((open_fds() > baseline + 16 || router_->open_connections() > 8) && Clock::now() < drained)
    std::this_thread::sleep_for(20ms);
  EXPECT_LE(open_fds(), baseline + 16) << "descriptors did not come back down";
  EXPECT_LE(router_->open_connections(), 8u);
}

// ---- hostile upstreams: what the router reads is bounded too ------------------------------------

constexpr size_t kFlood = 256u * 1024 * 1024;  // what a hostile upstream offers
constexpr size_t kTaken = 64u * 1024 * 1024;   // far above every bound, far below the flood

constexpr const char* kSseHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";

json model_on(const std::string& name, const std::string& base_url) {
  return {{"model_name", name},
          {"litellm_params",
           {{"model", "openai/fake-model"}, {"api_base", base_url}, {"api_key", "sk-x"}}}};
}

TEST_F(RouterHostile, UpstreamThatNeverEndsItsLineFailsTheAttempt) {
  HostileUpstream upstream(std::string(kSseHead) + "data: ", std::string(64 * 1024, 'x'), kFlood);
  restart(test_options(), json::array({model_on("endless", upstream.base_url())}));
  auto res = client_->Post(kChat, chat_body("endless", true), "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 502) << res->body;
  EXPECT_TRUE(is_openai_error(res->body));
  ASSERT_TRUE(upstream.wait_done(30s));
  EXPECT_TRUE(upstream.router_hung_up());
  EXPECT_LT(upstream.sent(), kTaken) << "the router kept reading an endless line";
}

TEST_F(RouterHostile, UpstreamThatNeverEndsAnEventAfterContentIsContinuedAtTheFallback) {
  const std::string preamble =
      std::string(kSseHead) +
      R"(data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})"
      "\n\n"
      R"(data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"Every"}}]})"
      "\n\n";
  // Data lines of one event without end: each line ends, the event never does.
  HostileUpstream upstream(preamble, "data: " + std::string(1000, 'y') + "\n", kFlood);
  restart(test_options(), json::array({model_on("spiky", upstream.base_url())}),
          json{{"fallbacks", json::array({{{"spiky", json::array({"steady"})}}})}});
  const StreamResult result = stream_chat(port_, "spiky");
  EXPECT_EQ(result.status, 200) << result.detail;
  EXPECT_EQ(result.text, kAnswer) << result.detail;
  EXPECT_TRUE(result.done) << result.detail;
  ASSERT_TRUE(upstream.wait_done(30s));
  EXPECT_LT(upstream.sent(), kTaken) << "the router kept reading an endless event";
}

TEST_F(RouterHostile, UpstreamWithAHugeResponseHeadIsABadResponse) {
  HostileUpstream upstream("HTTP/1.1 200 OK\r\nX-Junk: ", std::string(64 * 1024, 'h'), kFlood);
  restart(test_options(), json::array({model_on("big-head", upstream.base_url())}));
  auto res = client_->Post(kChat, chat_body("big-head", true), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502) << res->body;
  EXPECT_TRUE(is_openai_error(res->body));
  ASSERT_TRUE(upstream.wait_done(30s));
  EXPECT_TRUE(upstream.router_hung_up());
  EXPECT_LT(upstream.sent(), kTaken);
}

TEST_F(RouterHostile, UpstreamWithEndlessHeaderLinesIsABadResponse) {
  HostileUpstream upstream("HTTP/1.1 200 OK\r\n", "X-A: b\r\n", kFlood);
  restart(test_options(), json::array({model_on("many-headers", upstream.base_url())}));
  auto res = client_->Post(kChat, chat_body("many-headers", true), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502) << res->body;
  ASSERT_TRUE(upstream.wait_done(30s));
  EXPECT_TRUE(upstream.router_hung_up());
  EXPECT_LT(upstream.sent(), kTaken);
}

TEST_F(RouterHostile, UpstreamWithAHugeErrorBodyIsBounded) {
  HostileUpstream upstream(
      "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000000000000\r\n\r\n{\"error\": \"",
      std::string(64 * 1024, 'e'), kFlood);
  restart(test_options(), json::array({model_on("big-error", upstream.base_url())}));
  const auto start = Clock::now();
  auto res = client_->Post(kChat, chat_body("big-error", false), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status / 100, 5) << res->body.substr(0, 300);
  EXPECT_TRUE(is_openai_error(res->body));
  EXPECT_LT(res->body.size(), 64u * 1024) << "the upstream's body reached the client";
  ASSERT_TRUE(upstream.wait_done(30s));
  EXPECT_TRUE(upstream.router_hung_up());
  EXPECT_LT(upstream.sent(), kTaken) << "the router read a huge error body";
  EXPECT_LT(ms_since(start), 15'000);
}

}  // namespace
}  // namespace midstream::router
