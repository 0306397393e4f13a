#include "net/socket.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <thread>

namespace midstream::net {
namespace {

using std::chrono::milliseconds;
using testing::HasSubstr;

// Generous: these bound a wait that normally ends in microseconds, on a busy CI machine.
constexpr auto kGenerous = std::chrono::seconds(10);

TimePoint in(Clock::duration duration) { return Clock::now() + duration; }

// Both ends of one loopback TCP connection.
struct Connection {
  Fd client;
  Fd server;
};

Connection connect_pair() {
  Fd listener = listen_tcp("127.0.0.1", 0);
  int error = 0;
  Connection pair;
  pair.client = start_connect("127.0.0.1", local_port(listener.get()), &error);
  EXPECT_TRUE(pair.client.valid()) << error;
  EXPECT_EQ(wait_readable(listener.get(), in(kGenerous), nullptr), IoStatus::Ok);
  pair.server = Fd(::accept(listener.get(), nullptr, nullptr));
  EXPECT_TRUE(pair.server.valid());
  EXPECT_EQ(wait_writable(pair.client.get(), in(kGenerous), nullptr), IoStatus::Ok);
  return pair;
}

// Raises *stop after `delay` from its own thread and records when.
class DelayedStop {
 public:
  DelayedStop(std::atomic<bool>* stop, Clock::duration delay)
      : thread_([this, stop, delay] {
          std::this_thread::sleep_for(delay);
          raised_at_ = Clock::now();
          stop->store(true);
        }) {}
  ~DelayedStop() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  TimePoint raised_at() {
    join();
    return raised_at_;
  }

 private:
  TimePoint raised_at_;
  std::thread thread_;
};

TEST(IsLoopbackHost, AcceptsOnlyThisMachine) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("LOCALHOST"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("10.1.2.3"));
  EXPECT_FALSE(is_loopback_host("128.0.0.1"));
  EXPECT_FALSE(is_loopback_host("::"));
  EXPECT_FALSE(is_loopback_host("example.com"));
  EXPECT_FALSE(is_loopback_host("127.0.0.1.example.com"));
  EXPECT_FALSE(is_loopback_host(""));
}

TEST(ListenTcp, BindsAnEphemeralLoopbackPort) {
  Fd fd = listen_tcp("127.0.0.1", 0);
  ASSERT_TRUE(fd.valid());
  EXPECT_NE(local_port(fd.get()), 0);
  Fd named = listen_tcp("localhost", 0);
  EXPECT_NE(local_port(named.get()), 0);
}

TEST(ListenTcp, RefusesNonLoopbackAddresses) {
  for (const std::string host : {"0.0.0.0", "10.1.2.3"}) {
    try {
      listen_tcp(host, 0);
      ADD_FAILURE() << "listen_tcp accepted " << host;
    } catch (const std::runtime_error& error) {
      EXPECT_THAT(error.what(), HasSubstr("non-loopback")) << host;
      EXPECT_THAT(error.what(), HasSubstr(host));
    }
  }
}

TEST(ListenTcp, ReportsBindFailuresWithTheErrnoText) {
  Fd first = listen_tcp("127.0.0.1", 0);
  const uint16_t port = local_port(first.get());
  try {
    listen_tcp("127.0.0.1", port);
    ADD_FAILURE() << "a second listener bound the same port";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("in use"));
    EXPECT_THAT(error.what(), HasSubstr(std::to_string(port)));
  }
  EXPECT_THROW(listen_tcp("not-an-address", 0, 16, true), std::runtime_error);
}

TEST(StartConnect, RefusesNonLoopbackHostsWithoutSendingAnything) {
  int error = 0;
  EXPECT_FALSE(start_connect("10.1.2.3", 80, &error).valid());
  EXPECT_EQ(error, EACCES);
  EXPECT_FALSE(start_connect("localhost.example", 80, &error).valid());
  EXPECT_EQ(error, EACCES);
}

TEST(CloseWithReset, MakesThePeersReadFailWithConnectionReset) {
  Connection pair = connect_pair();
  close_with_reset(pair.server);
  EXPECT_FALSE(pair.server.valid());
  ASSERT_EQ(wait_readable(pair.client.get(), in(kGenerous), nullptr), IoStatus::Ok);
  EXPECT_TRUE(peer_closed(pair.client.get()));
  char byte = 0;
  EXPECT_EQ(::recv(pair.client.get(), &byte, 1, 0), -1);
  EXPECT_EQ(errno, ECONNRESET);
}

TEST(CloseWithFin, MakesThePeerReadEndOfFile) {
  Connection pair = connect_pair();
  ASSERT_EQ(write_all(pair.server.get(), "last words", in(kGenerous), nullptr), IoStatus::Ok);
  close_with_fin(pair.server);
  EXPECT_FALSE(pair.server.valid());
  std::string received;
  char bytes[64];
  for (;;) {
    ASSERT_EQ(wait_readable(pair.client.get(), in(kGenerous), nullptr), IoStatus::Ok);
    const ssize_t n = ::recv(pair.client.get(), bytes, sizeof bytes, 0);
    ASSERT_GE(n, 0) << "errno " << errno;
    if (n == 0) break;
    received.append(bytes, static_cast<size_t>(n));
  }
  EXPECT_EQ(received, "last words");
  EXPECT_TRUE(peer_closed(pair.client.get()));
}

TEST(PeerClosed, IsFalseWhileTheConnectionIsOpen) {
  Connection pair = connect_pair();
  EXPECT_FALSE(peer_closed(pair.client.get()));
  ASSERT_EQ(write_all(pair.server.get(), "x", in(kGenerous), nullptr), IoStatus::Ok);
  ASSERT_EQ(wait_readable(pair.client.get(), in(kGenerous), nullptr), IoStatus::Ok);
  EXPECT_FALSE(peer_closed(pair.client.get()));
}

TEST(WaitReadable, ReturnsOkWhenBytesArrive) {
  Connection pair = connect_pair();
  ASSERT_EQ(write_all(pair.server.get(), "x", in(kGenerous), nullptr), IoStatus::Ok);
  EXPECT_EQ(wait_readable(pair.client.get(), in(kGenerous), nullptr), IoStatus::Ok);
  // Ready bytes are reported even when the deadline has already passed.
  EXPECT_EQ(wait_readable(pair.client.get(), Clock::now(), nullptr), IoStatus::Ok);
}

TEST(WaitReadable, TimesOutAtTheDeadline) {
  Connection pair = connect_pair();
  const TimePoint start = Clock::now();
  const TimePoint deadline = start + milliseconds(100);
  EXPECT_EQ(wait_readable(pair.client.get(), deadline, nullptr), IoStatus::Timeout);
  EXPECT_GE(Clock::now(), deadline);
  EXPECT_LT(Clock::now() - start, kGenerous);
}

TEST(WaitReadable, ReturnsStoppedWithin100msOfTheStopFlag) {
  Connection pair = connect_pair();
  std::atomic<bool> stop{false};
  DelayedStop stopper(&stop, milliseconds(50));
  EXPECT_EQ(wait_readable(pair.client.get(), kNoDeadline, &stop), IoStatus::Stopped);
  const TimePoint returned_at = Clock::now();
  EXPECT_LT(returned_at - stopper.raised_at(), milliseconds(100));
}

TEST(WaitReadable, ReturnsStoppedAtOnceWhenAlreadyStopped) {
  Connection pair = connect_pair();
  ASSERT_EQ(write_all(pair.server.get(), "x", in(kGenerous), nullptr), IoStatus::Ok);
  std::atomic<bool> stop{true};
  EXPECT_EQ(wait_readable(pair.client.get(), in(kGenerous), &stop), IoStatus::Stopped);
  EXPECT_EQ(wait_writable(pair.client.get(), in(kGenerous), &stop), IoStatus::Stopped);
}

TEST(SleepUntil, SleepsToTheDeadlineOrStopsEarly) {
  const TimePoint deadline = in(milliseconds(30));
  EXPECT_TRUE(sleep_until(deadline, nullptr));
  EXPECT_GE(Clock::now(), deadline);

  std::atomic<bool> stop{false};
  DelayedStop stopper(&stop, milliseconds(50));
  EXPECT_FALSE(sleep_until(kNoDeadline, &stop));
  EXPECT_LT(Clock::now() - stopper.raised_at(), milliseconds(100));
}

TEST(WriteAll, WritesLargeBuffersThroughPartialWrites) {
  Connection pair = connect_pair();
  const std::string payload(8 * 1024 * 1024, 'z');
  std::string received;
  std::thread reader([&] {
    char bytes[64 * 1024];
    for (;;) {
      if (wait_readable(pair.server.get(), in(kGenerous), nullptr) != IoStatus::Ok) return;
      const ssize_t n = ::recv(pair.server.get(), bytes, sizeof bytes, 0);
      if (n <= 0) return;
      received.append(bytes, static_cast<size_t>(n));
    }
  });
  // The client fd is non-blocking, so this exercises EAGAIN as well as partial sends.
  EXPECT_EQ(write_all(pair.client.get(), payload, in(kGenerous), nullptr), IoStatus::Ok);
  close_with_fin(pair.client);
  reader.join();
  EXPECT_EQ(received.size(), payload.size());
  EXPECT_EQ(received, payload);
}

TEST(WriteAll, TimesOutWhenThePeerDoesNotRead) {
  Connection pair = connect_pair();
  const std::string payload(64 * 1024 * 1024, 'z');  // more than any socket buffer
  const TimePoint deadline = in(milliseconds(200));
  EXPECT_EQ(write_all(pair.client.get(), payload, deadline, nullptr), IoStatus::Timeout);
  EXPECT_GE(Clock::now(), deadline);
}

TEST(WriteAll, ReportsResetAfterThePeerResets) {
  Connection pair = connect_pair();
  close_with_reset(pair.server);
  ASSERT_EQ(wait_readable(pair.client.get(), in(kGenerous), nullptr), IoStatus::Ok);
  EXPECT_EQ(write_all(pair.client.get(), "too late", in(kGenerous), nullptr), IoStatus::Reset);
}

TEST(Fd, MovesOwnership) {
  Connection pair = connect_pair();
  const int raw = pair.client.get();
  Fd moved(std::move(pair.client));
  EXPECT_FALSE(pair.client.valid());
  EXPECT_EQ(moved.get(), raw);
  Fd assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.get(), raw);
  EXPECT_FALSE(moved.valid());
}

TEST(IoStatus, HasReadableNames) {
  EXPECT_EQ(to_string(IoStatus::Ok), "ok");
  EXPECT_EQ(to_string(IoStatus::Timeout), "timeout");
  EXPECT_EQ(to_string(IoStatus::Reset), "reset");
}

}  // namespace
}  // namespace midstream::net
