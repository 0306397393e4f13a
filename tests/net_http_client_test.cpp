#include "net/http_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <functional>
#include <future>
#include <string>
#include <thread>

namespace midstream::net {
namespace {

using std::chrono::milliseconds;
using testing::HasSubstr;

// Bounds on waits that normally end in microseconds; generous so a busy CI machine never flakes.
constexpr auto kGenerous = std::chrono::seconds(10);

TimePoint in(Clock::duration duration) { return Clock::now() + duration; }

constexpr std::string_view kSseHead =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n";
constexpr std::string_view kEvent1 = R"(data: {"choices":[{"delta":{"content":"Hello"}}]})"
                                     "\n\n";
constexpr std::string_view kEvent2 = R"(data: {"choices":[{"delta":{"content":" world"}}]})"
                                     "\n\n";
constexpr std::string_view kDone = "data: [DONE]\n\n";

// A one-shot HTTP server on 127.0.0.1: accepts one connection, reads the whole request, then runs
// the test's script on the connection. The script gets the server's stop flag for its waits.
class TestServer {
 public:
  using Script = std::function<void(Fd& connection, const std::atomic<bool>* stop)>;

  explicit TestServer(Script script)
      : listener_(listen_tcp("127.0.0.1", 0)),
        port_(local_port(listener_.get())),
        thread_([this, script = std::move(script)] { serve(script); }) {}
  ~TestServer() { join(); }

  uint16_t port() const { return port_; }
  ClientRequest request(std::string target = "/v1/chat/completions") const {
    ClientRequest request;
    request.port = port_;
    request.target = std::move(target);
    request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer test"}};
    request.body = R"({"stream":true})";
    return request;
  }
  // Stops the script's waits and waits for the thread; the received request is readable after.
  void join() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  const RequestHead& received_head() const { return received_head_; }
  const std::string& received_body() const { return received_body_; }

 private:
  void serve(const Script& script) {
    if (wait_readable(listener_.get(), in(kGenerous), &stop_) != IoStatus::Ok) return;
    Fd connection(::accept(listener_.get(), nullptr, nullptr));
    if (!connection.valid() || !read_request(connection)) return;
    script(connection, &stop_);
  }

  bool read_request(Fd& connection) {
    std::string raw;
    char bytes[4096];
    for (;;) {
      size_t consumed = 0;
      if (parse_request_head(raw, &received_head_, &consumed) == ParseResult::Done) {
        const std::string* length = find_header(received_head_.headers, "Content-Length");
        const size_t body_size = length != nullptr ? std::stoul(*length) : 0;
        if (raw.size() >= consumed + body_size) {
          received_body_ = raw.substr(consumed, body_size);
          return true;
        }
      }
      if (wait_readable(connection.get(), in(kGenerous), &stop_) != IoStatus::Ok) return false;
      const ssize_t n = ::recv(connection.get(), bytes, sizeof bytes, 0);
      if (n <= 0) return false;
      raw.append(bytes, static_cast<size_t>(n));
    }
  }

  std::atomic<bool> stop_{false};
  Fd listener_;
  uint16_t port_;
  RequestHead received_head_;
  std::string received_body_;
  std::thread thread_;  // last: starts once everything it uses exists
};

void send(Fd& connection, std::string_view bytes) {
  ASSERT_EQ(write_all(connection.get(), bytes, in(kGenerous), nullptr), IoStatus::Ok);
}

// Holds the connection open until the client goes away (or the test ends).
void wait_for_client_close(Fd& connection, const std::atomic<bool>* stop) {
  while (wait_readable(connection.get(), in(kGenerous), stop) == IoStatus::Ok &&
         !peer_closed(connection.get())) {
    char sink[4096];
    if (::recv(connection.get(), sink, sizeof sink, 0) <= 0) return;
  }
}

// A one-time signal from the test thread to the server script.
class Signal {
 public:
  void raise() { promise_.set_value(); }
  bool wait() { return future_.wait_for(kGenerous) == std::future_status::ready; }

 private:
  std::promise<void> promise_;
  std::future<void> future_ = promise_.get_future();
};

// Reads with read_some until `expected` bytes have arrived or the stream ends.
std::string read_at_least(HttpStream& stream, size_t expected) {
  std::string body;
  while (body.size() < expected && stream.read_some(&body, in(kGenerous))) {
  }
  return body;
}

TEST(ParseUrl, AcceptsPlainHttpWithAnOptionalPortAndBasePath) {
  Url url;
  ASSERT_TRUE(parse_url("http://127.0.0.1:8080/v1", &url));
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.path, "/v1");

  ASSERT_TRUE(parse_url("http://localhost/v1/", &url));
  EXPECT_EQ(url.host, "localhost");
  EXPECT_EQ(url.port, 80);
  EXPECT_EQ(url.path, "/v1");

  ASSERT_TRUE(parse_url("http://127.0.0.1:9/", &url));
  EXPECT_EQ(url.path, "");
  ASSERT_TRUE(parse_url("http://[::1]:4000", &url));
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 4000);
  EXPECT_EQ(url.path, "");
}

TEST(ParseUrl, RejectsEverythingElse) {
  Url url;
  for (const char* text : {"https://127.0.0.1:8080/v1", "127.0.0.1:8080", "http://", "http://:80/",
                           "http://127.0.0.1:/v1", "http://127.0.0.1:0", "http://127.0.0.1:65536",
                           "http://127.0.0.1:80x", "http://user@127.0.0.1/",
                           "http://127.0.0.1/v1?x=1", "ftp://127.0.0.1/"}) {
    EXPECT_FALSE(parse_url(text, &url)) << text;
  }
}

TEST(HttpStream, SendsTheRequestAsDocumented) {
  TestServer server([](Fd& connection, const std::atomic<bool>*) {
    send(connection, "HTTP/1.1 204 No Content\r\n\r\n");
  });
  HttpStream stream;
  ClientRequest request = server.request();
  request.headers.emplace_back("connection", "keep-alive");  // replaced, not duplicated
  ASSERT_TRUE(stream.start(request, in(kGenerous))) << stream.detail();
  ASSERT_TRUE(stream.read_head(in(kGenerous))) << stream.detail();
  EXPECT_EQ(stream.head().status, 204);
  std::string body;
  EXPECT_FALSE(stream.read_some(&body, in(kGenerous)));
  EXPECT_EQ(stream.end(), StreamEnd::Complete);
  server.join();

  const RequestHead& head = server.received_head();
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.target, "/v1/chat/completions");
  EXPECT_EQ(head.version, "HTTP/1.1");
  const HeaderList expected = {{"Host", "127.0.0.1:" + std::to_string(server.port())},
                               {"Content-Type", "application/json"},
                               {"Authorization", "Bearer test"},
                               {"Content-Length", "15"},
                               {"Connection", "close"}};
  EXPECT_EQ(head.headers, expected);
  EXPECT_EQ(server.received_body(), R"({"stream":true})");
}

TEST(HttpStream, ReadsACompleteChunkedSseBody) {
  TestServer server([](Fd& connection, const std::atomic<bool>*) {
    send(connection, std::string(kSseHead) + encode_chunk(kEvent1) + encode_chunk(kEvent2) +
                         encode_chunk(kDone) + std::string(kLastChunk));
    close_with_fin(connection);
  });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  ASSERT_TRUE(stream.read_head(in(kGenerous))) << stream.detail();
  EXPECT_EQ(stream.head().status, 200);
  EXPECT_EQ(*find_header(stream.head().headers, "content-type"), "text/event-stream");
  std::string body;
  EXPECT_TRUE(stream.read_all(&body, in(kGenerous))) << stream.detail();
  EXPECT_EQ(stream.end(), StreamEnd::Complete);
  EXPECT_EQ(body, std::string(kEvent1) + std::string(kEvent2) + std::string(kDone));
  EXPECT_EQ(stream.detail(), "");
}

TEST(HttpStream, ReportsEofEarlyOnAFinWithoutTheChunkedTerminator) {
  TestServer server([](Fd& connection, const std::atomic<bool>*) {
    send(connection, std::string(kSseHead) + encode_chunk(kEvent1) + encode_chunk(kEvent2));
    close_with_fin(connection);
  });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  ASSERT_TRUE(stream.read_head(in(kGenerous))) << stream.detail();
  std::string body;
  EXPECT_FALSE(stream.read_all(&body, in(kGenerous)));
  EXPECT_EQ(stream.end(), StreamEnd::EofEarly) << stream.detail();
  EXPECT_EQ(body, std::string(kEvent1) + std::string(kEvent2));
  EXPECT_THAT(stream.detail(), HasSubstr("chunked terminator"));
}

TEST(HttpStream, ReportsResetOnARstMidBody) {
  Signal first_event_read;
  TestServer server([&](Fd& connection, const std::atomic<bool>*) {
    send(connection, std::string(kSseHead) + encode_chunk(kEvent1));
    first_event_read.wait();
    close_with_reset(connection);
  });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  ASSERT_TRUE(stream.read_head(in(kGenerous))) << stream.detail();
  std::string body = read_at_least(stream, kEvent1.size());
  EXPECT_EQ(body, kEvent1);
  first_event_read.raise();
  EXPECT_FALSE(stream.read_all(&body, in(kGenerous)));
  EXPECT_EQ(stream.end(), StreamEnd::Reset) << stream.detail();
  EXPECT_EQ(body, kEvent1);
}

TEST(HttpStream, ReportsResetWhenTheServerResetsBeforeAHead) {
  TestServer server([](Fd& connection, const std::atomic<bool>*) { close_with_reset(connection); });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  EXPECT_FALSE(stream.read_head(in(kGenerous)));
  EXPECT_EQ(stream.end(), StreamEnd::Reset) << stream.detail();
}

TEST(HttpStream, ReportsEofEarlyWhenTheServerClosesBeforeAHead) {
  TestServer server([](Fd& connection, const std::atomic<bool>*) {
    send(connection, "HTTP/1.1 200 OK\r\nContent-");
    close_with_fin(connection);
  });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  EXPECT_FALSE(stream.read_head(in(kGenerous)));
  EXPECT_EQ(stream.end(), StreamEnd::EofEarly) << stream.detail();
}

TEST(HttpStream, TimesOutWhenTheServerGoesSilentAfterHeaders) {
  TestServer server([](Fd& connection, const std::atomic<bool>* stop) {
    send(connection, kSseHead);
    wait_for_client_close(connection, stop);
  });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  ASSERT_TRUE(stream.read_head(in(kGenerous))) << stream.detail();
  const TimePoint start = Clock::now();
  const TimePoint deadline = start + milliseconds(200);
  std::string body;
  EXPECT_FALSE(stream.read_some(&body, deadline));
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(stream.end(), StreamEnd::Timeout) << stream.detail();
  EXPECT_GE(elapsed, milliseconds(200));
  EXPECT_LT(elapsed, milliseconds(2000));
  EXPECT_EQ(body, "");
  stream.close();
}

TEST(HttpStream, TimesOutWaitingForTheHead) {
  TestServer server(wait_for_client_close);
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  const TimePoint start = Clock::now();
  EXPECT_FALSE(stream.read_head(start + milliseconds(200)));
  EXPECT_EQ(stream.end(), StreamEnd::Timeout) << stream.detail();
  EXPECT_GE(Clock::now() - start, milliseconds(200));
  stream.abort();
}

TEST(HttpStream, StopFlagEndsABlockedReadWithin200ms) {
  TestServer server([](Fd& connection, const std::atomic<bool>* stop) {
    send(connection, kSseHead);
    wait_for_client_close(connection, stop);
  });
  std::atomic<bool> stop{false};
  HttpStream stream(&stop);
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  ASSERT_TRUE(stream.read_head(in(kGenerous))) << stream.detail();
  TimePoint raised_at;
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(100));  // let read_some block first
    raised_at = Clock::now();
    stop = true;
  });
  std::string body;
  EXPECT_FALSE(stream.read_some(&body, kNoDeadline));
  const TimePoint returned_at = Clock::now();
  stopper.join();
  EXPECT_EQ(stream.end(), StreamEnd::Stopped) << stream.detail();
  EXPECT_LT(returned_at - raised_at, milliseconds(200));
}

TEST(HttpStream, ReportsRefusedWhenNothingListens) {
  uint16_t port = 0;
  {
    Fd listener = listen_tcp("127.0.0.1", 0);
    port = local_port(listener.get());
  }
  ClientRequest request;
  request.port = port;
  request.target = "/v1/chat/completions";
  HttpStream stream;
  EXPECT_FALSE(stream.start(request, in(kGenerous)));
  EXPECT_EQ(stream.end(), StreamEnd::Refused) << stream.detail();
  EXPECT_THAT(stream.detail(), HasSubstr("refused"));
}

TEST(HttpStream, RefusesNonLoopbackHostsBeforeConnecting) {
  ClientRequest request;
  request.host = "10.1.2.3";
  request.port = 80;
  HttpStream stream;
  EXPECT_FALSE(stream.start(request, in(kGenerous)));
  EXPECT_EQ(stream.end(), StreamEnd::ConnectFailed);
  EXPECT_THAT(stream.detail(), HasSubstr("non-loopback"));
  EXPECT_FALSE(stream.is_open());
}

TEST(HttpStream, ReadsAContentLengthBodyWithoutWaitingForTheClose) {
  TestServer server([](Fd& connection, const std::atomic<bool>* stop) {
    send(connection, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world");
    wait_for_client_close(connection, stop);  // Complete must come from the length alone
  });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  ASSERT_TRUE(stream.read_head(in(kGenerous))) << stream.detail();
  std::string body;
  EXPECT_TRUE(stream.read_all(&body, in(kGenerous))) << stream.detail();
  EXPECT_EQ(stream.end(), StreamEnd::Complete);
  EXPECT_EQ(body, "hello world");
  stream.close();
}

TEST(HttpStream, ReportsEofEarlyWhenTheContentLengthIsNotReached) {
  TestServer server([](Fd& connection, const std::atomic<bool>*) {
    send(connection, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
    close_with_fin(connection);
  });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  std::string body;
  EXPECT_FALSE(stream.read_all(&body, in(kGenerous)));  // read_head is implied
  EXPECT_EQ(stream.end(), StreamEnd::EofEarly) << stream.detail();
  EXPECT_EQ(body, "short");
}

TEST(HttpStream, ReadsAnUnframedBodyUntilTheClose) {
  TestServer server([](Fd& connection, const std::atomic<bool>*) {
    send(connection, "HTTP/1.0 200 OK\r\n\r\nuntil the end");
    close_with_fin(connection);
  });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  std::string body;
  EXPECT_TRUE(stream.read_all(&body, in(kGenerous))) << stream.detail();
  EXPECT_EQ(stream.end(), StreamEnd::Complete);
  EXPECT_EQ(body, "until the end");
}

TEST(HttpStream, ReadsAnErrorStatusWithItsJsonBody) {
  constexpr std::string_view kError =
      R"({"error":{"message":"overloaded","type":"server_error","code":"overloaded"}})";
  TestServer server([&](Fd& connection, const std::atomic<bool>*) {
    send(connection, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                     "Retry-After: 1\r\nContent-Length: " +
                         std::to_string(kError.size()) + "\r\n\r\n" + std::string(kError));
    close_with_fin(connection);
  });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  ASSERT_TRUE(stream.read_head(in(kGenerous))) << stream.detail();
  EXPECT_EQ(stream.head().status, 503);
  EXPECT_EQ(*find_header(stream.head().headers, "retry-after"), "1");
  std::string body;
  EXPECT_TRUE(stream.read_all(&body, in(kGenerous))) << stream.detail();
  EXPECT_EQ(body, kError);
}

TEST(HttpStream, DeliversEachWriteBeforeTheBodyEnds) {
  Signal first_read, second_read;
  TestServer server([&](Fd& connection, const std::atomic<bool>*) {
    // The head and half of the first chunk go out together; the rest waits for the client.
    const std::string chunk = encode_chunk(kEvent1);
    send(connection, std::string(kSseHead) + chunk.substr(0, 20));
    if (!first_read.wait()) return;
    send(connection, chunk.substr(20) + encode_chunk(kEvent2).substr(0, 3));
    if (!second_read.wait()) return;
    send(connection, encode_chunk(kEvent2).substr(3) + std::string(kLastChunk));
    close_with_fin(connection);
  });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  ASSERT_TRUE(stream.read_head(in(kGenerous))) << stream.detail();

  const size_t first_part = 20 - encode_chunk(kEvent1).find('\n') - 1;  // minus the size line
  std::string body = read_at_least(stream, first_part);
  EXPECT_EQ(body, kEvent1.substr(0, first_part));
  first_read.raise();
  body += read_at_least(stream, kEvent1.size() - first_part);
  EXPECT_EQ(body, kEvent1);
  second_read.raise();
  EXPECT_TRUE(stream.read_all(&body, in(kGenerous))) << stream.detail();
  EXPECT_EQ(body, std::string(kEvent1) + std::string(kEvent2));
}

TEST(HttpStream, ReportsBadResponseForNonHttpBytes) {
  TestServer server([](Fd& connection, const std::atomic<bool>* stop) {
    send(connection, "SSH-2.0-OpenSSH_9.2\r\n");
    wait_for_client_close(connection, stop);
  });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  EXPECT_FALSE(stream.read_head(in(kGenerous)));
  EXPECT_EQ(stream.end(), StreamEnd::BadResponse);
  stream.close();
}

TEST(HttpStream, ReportsBadResponseForBrokenChunkFraming) {
  TestServer server([](Fd& connection, const std::atomic<bool>* stop) {
    send(connection, std::string(kSseHead) + "zz\r\nnot hex\r\n");
    wait_for_client_close(connection, stop);
  });
  HttpStream stream;
  ASSERT_TRUE(stream.start(server.request(), in(kGenerous))) << stream.detail();
  std::string body;
  EXPECT_FALSE(stream.read_all(&body, in(kGenerous)));
  EXPECT_EQ(stream.end(), StreamEnd::BadResponse);
  stream.close();
}

TEST(StreamEnd, HasTheNamesReportsUse) {
  EXPECT_EQ(to_string(StreamEnd::Complete), "complete");
  EXPECT_EQ(to_string(StreamEnd::EofEarly), "eof_early");
  EXPECT_EQ(to_string(StreamEnd::Reset), "reset");
  EXPECT_EQ(to_string(StreamEnd::ConnectFailed), "connect_failed");
}

}  // namespace
}  // namespace midstream::net
