// Keep-alive connections to upstreams (net/connection_pool.h), with real fake providers: a
// connection is reused only after a response that ended cleanly, never after a fault, never
// once the provider closed it, and never past its idle time; the reference router reuses them
// and its answers stay whole.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "fakes/fake_provider.h"
#include "fakes/provider_config.h"
#include "net/connection_pool.h"
#include "net/http_client.h"
#include "router/config.h"
#include "router/server.h"

namespace midstream {
namespace {

using std::chrono::milliseconds;
constexpr auto kGenerous = std::chrono::seconds(20);
const std::string kAnswer = "One two three four five.";

fakes::ScriptEntry entry(const char* text) {
  return fakes::parse_script_entry(nlohmann::json::parse(text), "test", "/script/0");
}

fakes::ProviderConfig chat_fake(std::vector<fakes::ScriptEntry> script = {},
                                fakes::ScriptEntry then = {}) {
  fakes::ProviderConfig config;
  config.name = "primary";
  config.dialect = wire::Dialect::OpenAIChat;
  config.answer = kAnswer;
  config.model = "fake-model";
  config.script = std::move(script);
  config.then = std::move(then);
  return config;
}

net::ClientRequest chat_request(uint16_t port, bool keep_alive) {
  net::ClientRequest request;
  request.port = port;
  request.target = "/v1/chat/completions";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = R"({"model":"fake-model","stream":true,"messages":[{"role":"user","content":"hi"}]})";
  request.keep_alive = keep_alive;
  return request;
}

// One streamed answer on `stream` (on `reused` when given); true when its body was complete.
bool exchange(net::HttpStream& stream, uint16_t port, bool keep_alive, net::Fd reused = net::Fd()) {
  const auto deadline = net::Clock::now() + kGenerous;
  if (!stream.start(chat_request(port, keep_alive), deadline, std::move(reused))) return false;
  std::string body;
  return stream.read_all(&body, deadline) && body.find("[DONE]") != std::string::npos;
}

struct Started {
  explicit Started(fakes::ProviderConfig config) : fake(std::move(config)) { fake.start(); }
  fakes::FakeProvider fake;
};

TEST(ConnectionPool, AConnectionWhoseStreamEndedCleanlyCarriesTheNextRequest) {
  Started up(chat_fake());
  net::ConnectionPool pool;
  for (int i = 0; i < 3; ++i) {
    net::HttpStream stream;
    ASSERT_TRUE(exchange(stream, up.fake.port(), true, pool.take("127.0.0.1", up.fake.port())));
    net::Fd fd = stream.release_for_reuse();
    ASSERT_TRUE(fd.valid()) << "request " << i << ": " << net::to_string(stream.end());
    pool.give_back("127.0.0.1", up.fake.port(), std::move(fd));
    EXPECT_EQ(pool.idle(), 1u);
  }
  EXPECT_EQ(up.fake.connections_accepted(), 1u);
  EXPECT_EQ(up.fake.journal().entries().size(), 3u);
}

TEST(ConnectionPool, NoReuseWithoutKeepAliveOrAfterAFaultOrAnUnreadBody) {
  Started up(chat_fake({entry(R"({"at": "after_deltas", "n": 2, "action": "reset"})")}));
  {
    net::HttpStream faulted;  // keep-alive asked, but the fake reset the stream
    EXPECT_FALSE(exchange(faulted, up.fake.port(), true));
    EXPECT_FALSE(faulted.release_for_reuse().valid());
  }
  {
    net::HttpStream closing;  // a whole answer, but the request said Connection: close
    ASSERT_TRUE(exchange(closing, up.fake.port(), false));
    EXPECT_FALSE(closing.release_for_reuse().valid());
  }
  {
    net::HttpStream partial;  // the body not read to its end
    const auto deadline = net::Clock::now() + kGenerous;
    ASSERT_TRUE(partial.start(chat_request(up.fake.port(), true), deadline));
    ASSERT_TRUE(partial.read_head(deadline));
    EXPECT_FALSE(partial.release_for_reuse().valid());
    EXPECT_TRUE(partial.finish(deadline));  // ... until it is
    EXPECT_TRUE(partial.release_for_reuse().valid());
  }
}

// On a connection that sat idle for a moment, TCP sends about 10 segments and then waits for
// ACKs, which the client may delay. A reset must still come after everything the script wrote:
// here the usage event, the last before the reset, reaches the client every time. (Without the
// fake waiting for its bytes to leave, every round lost the tail of the stream: 8 of 8, 5 runs.)
TEST(ConnectionPool, AResetOnAReusedConnectionComesAfterEverythingWritten) {
  fakes::ProviderConfig config = chat_fake(
      {}, entry(R"("ok")"));
  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    config.script.push_back(entry(R"("ok")"));
    config.script.push_back(entry(R"({"at": "after_usage", "action": "reset"})"));
  }
  config.answer.clear();
  for (int i = 0; i < 40; ++i) config.answer += "word" + std::to_string(i) + " ";  // 40 segments
  Started up(config);
  for (int round = 0; round < kRounds; ++round) {
    net::HttpStream first;
    ASSERT_TRUE(exchange(first, up.fake.port(), true));
    net::Fd idle = first.release_for_reuse();
    ASSERT_TRUE(idle.valid());
    std::this_thread::sleep_for(milliseconds(100));  // below the retransmission timeout
    net::HttpStream second;
    const auto deadline = net::Clock::now() + kGenerous;
    net::ClientRequest request = chat_request(up.fake.port(), true);
    request.body = R"({"model":"fake-model","stream":true,"stream_options":{"include_usage":true},)"
                   R"("messages":[{"role":"user","content":"hi"}]})";
    ASSERT_TRUE(second.start(request, deadline, std::move(idle)));
    std::this_thread::sleep_for(milliseconds(30));  // a busy client: the fake writes it all first
    std::string body;
    EXPECT_FALSE(second.read_all(&body, deadline));
    EXPECT_EQ(second.end(), net::StreamEnd::Reset);
    EXPECT_NE(body.find("\"usage\""), std::string::npos) << "round " << round << ": " << body;
  }
}

// A script replaced while a client keeps a connection: its on_connect entry still fires, on the
// connection in use, before any answer (not answered as if it were "ok").
TEST(ConnectionPool, AnOnConnectEntryReachedOnAReusedConnectionStillFires) {
  Started up(chat_fake());
  net::HttpStream first;
  ASSERT_TRUE(exchange(first, up.fake.port(), true));
  net::Fd kept = first.release_for_reuse();
  ASSERT_TRUE(kept.valid());
  up.fake.set_script({entry(R"({"at": "on_connect", "action": "reset"})")}, entry(R"("ok")"));
  net::HttpStream second;
  EXPECT_FALSE(exchange(second, up.fake.port(), true, std::move(kept)));
  EXPECT_EQ(second.end(), net::StreamEnd::Reset) << net::to_string(second.end());
  ASSERT_TRUE(up.fake.journal().wait_until_idle(std::chrono::steady_clock::now() + kGenerous));
  const auto entries = up.fake.journal().entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[1].fault_fired);
  EXPECT_EQ(entries[1].ended, fakes::ExchangeEnd::Reset);
  net::HttpStream third;  // the script's `then` answers on a new connection
  EXPECT_TRUE(exchange(third, up.fake.port(), true));
}

TEST(ConnectionPool, AConnectionThePeerClosedIsNeverHandedOut) {
  auto up = std::make_unique<Started>(chat_fake());
  const uint16_t port = up->fake.port();
  net::ConnectionPool pool;
  net::HttpStream stream;
  ASSERT_TRUE(exchange(stream, port, true));
  pool.give_back("127.0.0.1", port, stream.release_for_reuse());
  ASSERT_EQ(pool.idle(), 1u);
  up.reset();  // the provider goes away and closes its connections
  EXPECT_FALSE(pool.take("127.0.0.1", port).valid());
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(ConnectionPool, IdleConnectionsCloseOnTheirOwnAndTheHostLimitHolds) {
  Started up(chat_fake());
  net::ConnectionPool pool({/*per_host=*/2, /*max_idle=*/milliseconds(100)});
  std::vector<net::Fd> fds;
  for (int i = 0; i < 3; ++i) {
    net::HttpStream stream;
    ASSERT_TRUE(exchange(stream, up.fake.port(), true));
    fds.push_back(stream.release_for_reuse());
  }
  for (auto& fd : fds) pool.give_back("127.0.0.1", up.fake.port(), std::move(fd));
  EXPECT_EQ(pool.idle(), 2u);
  const auto deadline = std::chrono::steady_clock::now() + kGenerous;
  while (pool.idle() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(pool.idle(), 0u) << "the reaper closes connections idle past max_idle";
}

// The reference router over one fake: sequential streams share one upstream connection; with
// reuse off each opens its own. Every answer is whole either way.
std::string router_config(uint16_t port) {
  return R"({"model_list": [{"model_name": "m", "litellm_params": {"model": "openai/fake-model",
            "api_base": "http://127.0.0.1:)" +
         std::to_string(port) + R"(/v1", "api_key": "sk-test"}}]})";
}

size_t upstream_connections_for(int streams, bool reuse) {
  Started up(chat_fake());
  router::ServerOptions options;
  options.reuse_upstream_connections = reuse;
  router::RouterServer router(
      router::load_router_config(nlohmann::json::parse(router_config(up.fake.port())), "test"), options);
  const uint16_t port = router.start();
  for (int i = 0; i < streams; ++i) {
    net::HttpStream client;
    const auto deadline = net::Clock::now() + kGenerous;
    net::ClientRequest request = chat_request(port, false);
    request.body = R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})";
    EXPECT_TRUE(client.start(request, deadline));
    std::string body;
    EXPECT_TRUE(client.read_all(&body, deadline));
    EXPECT_NE(body.find("[DONE]"), std::string::npos) << body;
    for (const char* word : {"One", " two", " three", " four", " five."})
      EXPECT_NE(body.find(std::string("\"content\":\"") + word + "\""), std::string::npos) << body;
    // The router hands the connection back just after the client's answer ends; the next
    // stream reuses it once it is there (a busy machine can start the next stream first).
    const auto back = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (reuse && router.idle_upstream_connections() == 0 && std::chrono::steady_clock::now() < back)
      std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_EQ(up.fake.journal().entries().size(), static_cast<size_t>(streams));
  return up.fake.connections_accepted();
}

TEST(RouterUpstreamReuse, SequentialStreamsShareOneUpstreamConnection) {
  EXPECT_EQ(upstream_connections_for(5, true), 1u);
  EXPECT_EQ(upstream_connections_for(5, false), 5u);
}

}  // namespace
}  // namespace midstream
