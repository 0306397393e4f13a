// A fake never reveals a coming fault before it fires: the response head of a stream that will
// be reset, closed, cut or stalled is byte-for-byte the head of a clean one (no `Connection:
// close` tell), as a real provider cannot know it is about to fail.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <string>
#include <vector>

#include "fakes/fake_provider.h"
#include "net/socket.h"
#include "wire/request.h"

namespace midstream::fakes {
namespace {

// The response head (status line and headers) of one streamed chat request on a new connection.
std::string head_of_one_stream(uint16_t port) {
  int error = 0;
  net::Fd fd = net::start_connect("127.0.0.1", port, &error);
  const auto deadline = net::Clock::now() + std::chrono::seconds(20);
  EXPECT_TRUE(fd.valid()) << error;
  EXPECT_EQ(net::wait_writable(fd.get(), deadline, nullptr), net::IoStatus::Ok);
  const std::string body = R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})";
  const std::string request = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Content-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  EXPECT_EQ(net::write_all(fd.get(), request, deadline, nullptr), net::IoStatus::Ok);
  std::string in;
  char buffer[4096];
  while (in.find("\r\n\r\n") == std::string::npos) {
    if (net::wait_readable(fd.get(), deadline, nullptr) != net::IoStatus::Ok) break;
    const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    in.append(buffer, static_cast<size_t>(n));
  }
  const auto end = in.find("\r\n\r\n");
  return end == std::string::npos ? "no head: " + in : in.substr(0, end + 4);
}

TEST(FakeHead, AFaultedStreamsHeadIsTheCleanStreamsHead) {
  const char* faults[] = {
      R"({"at": "after_deltas", "n": 3, "action": "reset"})",
      R"({"at": "after_headers", "action": "close"})",
      R"({"at": "after_preamble", "action": "stall", "ms": 50})",
      R"({"at": "before_terminal", "action": "truncate"})",
      R"({"at": "after_deltas", "n": 2, "action": "error_event"})",
      R"({"at": "after_deltas", "n": 1, "action": "malformed"})",
      R"({"at": "mid_event", "n": 1, "action": "reset"})",
  };
  for (const char* fault : faults) {
    ProviderConfig config;
    config.name = "p";
    config.script = {parse_script_entry(nlohmann::json::parse(fault), "test", "/script/0"), ScriptEntry{}};
    FakeProvider fake(config);
    fake.start();
    const std::string faulted = head_of_one_stream(fake.port());
    const std::string clean = head_of_one_stream(fake.port());
    EXPECT_EQ(faulted, clean) << fault;
    EXPECT_EQ(faulted.find("Connection: close"), std::string::npos) << fault << "\n" << faulted;
    fake.stop();
  }
}

}  // namespace
}  // namespace midstream::fakes
