// No client is left without an answer: with every serving thread of the reference router busy,
// a request that waits past queue_timeout_ms is answered 503 with Retry-After (an OpenAI-shaped
// body) instead of waiting without bound or being dropped, and the router keeps serving.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/fake_provider.h"
#include "harness/time_scale.h"
#include "net/http_client.h"
#include "router/config.h"
#include "router/server.h"

namespace midstream::router {
namespace {

using std::chrono::milliseconds;

struct Answer {
  bool head = false;  // a response head arrived
  int status = 0;
  std::string retry_after;
  std::string body;
  std::string detail;
};

Answer ask(uint16_t port, const std::string& body) {
  net::ClientRequest request;
  request.port = port;
  request.target = "/v1/chat/completions";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body;
  net::HttpStream stream;
  const auto deadline = net::Clock::now() + std::chrono::seconds(60);
  Answer answer;
  if (!stream.start(request, deadline) || !stream.read_head(deadline)) {
    answer.detail = std::string(net::to_string(stream.end())) + " " + stream.detail();
    return answer;
  }
  answer.head = true;
  answer.status = stream.head().status;
  for (const auto& [name, value] : stream.head().headers)
    if (name == "Retry-After") answer.retry_after = value;
  if (answer.status != 200) stream.read_all(&answer.body, deadline);
  else stream.finish(deadline);
  return answer;
}

TEST(RouterOverload, EveryAcceptedRequestGetsAResponseHead) {
  // In the machine's time scale: a starved serving thread must not look like a full queue.
  const harness::TimeScale scale = harness::resolve_time_scale();
  fakes::ProviderConfig provider;
  provider.name = "slow";
  provider.event_delay_ms = scale.scale(60);  // about 1.5 s per answer: each holds a thread
  fakes::FakeProvider fake(provider);
  fake.start();
  const auto config = load_router_config(nlohmann::json::parse(R"({"model_list": [{"model_name": "gpt-4o",
      "litellm_params": {"model": "openai/gpt-4o", "api_key": "sk-test", "api_base": ")" +
                                                               fake.base_url() + R"("}}]})"),
                                         "overload test");
  ServerOptions options;
  options.threads = 2;
  options.queue_timeout_ms = scale.scale(300);
  RouterServer router(config, options);
  const uint16_t port = router.start();

  const std::string body =
      R"({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]})";
  constexpr int kClients = 8;
  std::vector<Answer> answers(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) clients.emplace_back([&, i] { answers[i] = ask(port, body); });
  for (auto& c : clients) c.join();

  int served = 0, refused = 0;
  for (const auto& a : answers) {
    ASSERT_TRUE(a.head) << "a client got no response head: " << a.detail;
    if (a.status == 200) {
      ++served;
      continue;
    }
    ++refused;
    EXPECT_EQ(a.status, 503) << a.body;
    EXPECT_EQ(a.retry_after, "1");
    const auto json = nlohmann::json::parse(a.body, nullptr, false);
    ASSERT_TRUE(json.is_object() && json.contains("error")) << a.body;
    EXPECT_EQ(json["error"]["code"], "server_overloaded") << a.body;
  }
  EXPECT_GE(served, 2) << "the two serving threads each answered";
  EXPECT_GE(refused, 1) << "more clients than threads for longer than the queue timeout";
  // And it still serves once the load is gone.
  const Answer after = ask(port, body);
  EXPECT_EQ(after.status, 200) << after.detail << after.body;
  router.stop();
  fake.stop();
}

}  // namespace
}  // namespace midstream::router
