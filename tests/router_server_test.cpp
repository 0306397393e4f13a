// The router's HTTP front: malformed requests get an OpenAI-shaped 4xx and the router keeps
// serving; the standalone `midstream router` process starts, serves and stops on a signal.
#include <gtest/gtest.h>
#include <httplib.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "router/config.h"
#include "router/server.h"

namespace midstream::router {
namespace {

RouterConfig config_with_unreachable_upstream() {
  // Port 9 on loopback: nothing listens, so any upstream call is refused at once.
  return load_router_config(nlohmann::json::parse(R"({
    "model_list": [{"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o",
                    "api_base": "http://127.0.0.1:9/v1", "api_key": "sk-secret-test"}}]})"),
                            "test");
}

class RouterFront : public testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<RouterServer>(config_with_unreachable_upstream());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->start());
    client_->set_read_timeout(10, 0);
  }
  // Posts and checks the answer is an OpenAI-shaped error with this status.
  void expect_error(const std::string& path, const std::string& body, int status,
                    const std::string& content_type = "application/json") {
    auto res = client_->Post(path.c_str(), body, content_type.c_str());
    ASSERT_TRUE(res) << "no response for " << body;
    EXPECT_EQ(res->status, status) << body << " -> " << res->body;
    auto json = nlohmann::json::parse(res->body, nullptr, false);
    ASSERT_TRUE(json.is_object() && json.contains("error")) << res->body;
    EXPECT_TRUE(json["error"]["message"].is_string()) << res->body;
    EXPECT_TRUE(json["error"]["type"].is_string()) << res->body;
  }
  void expect_still_serving() {
    auto res = client_->Get("/health");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  std::unique_ptr<RouterServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(RouterFront, MalformedRequestsGetOpenAIShaped4xx) {
  const std::string chat = "/v1/chat/completions";
  expect_error(chat, "{not json", 400);
  expect_error(chat, "[]", 400);
  expect_error(chat, R"({"messages": [{"role": "user", "content": "hi"}]})", 400);  // no model
  expect_error(chat, R"({"model": "gpt-4o"})", 400);                                 // no messages
  expect_error(chat, R"({"model": "gpt-4o", "messages": "hi"})", 400);
  expect_error(chat, R"({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "stream": "yes"})", 400);
  expect_error(chat, R"({"model": 42, "messages": [{"role": "user", "content": "hi"}]})", 400);
  expect_error(chat, R"({"model": "nope", "messages": [{"role": "user", "content": "hi"}]})", 404);
  expect_error("/v1/responses", R"({"model": "gpt-4o"})", 400);  // no input
  expect_error("/v1/nothing", "{}", 404);
  expect_still_serving();
}

TEST_F(RouterFront, OversizedBodyIsRefused) {
  std::string huge(9 * 1024 * 1024, 'x');
  auto res = client_->Post("/v1/chat/completions", huge, "application/json");
  if (res) {  // or the connection is closed: both are refusals
    EXPECT_EQ(res->status, 413);
  }
  expect_still_serving();
}

TEST_F(RouterFront, EveryDeploymentDownIsARealHttpErrorNotA200) {
  auto res = client_->Post("/v1/chat/completions",
                           R"({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]})",
                           "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502) << res->body;
  EXPECT_EQ(res->body.find("sk-secret-test"), std::string::npos) << "the API key leaked: " << res->body;
  expect_still_serving();
}

TEST_F(RouterFront, ListsModelGroups) {
  auto res = client_->Get("/v1/models");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("gpt-4o"), std::string::npos);
}

// A second router on a port another one serves is refused, saying why once; with SO_REUSEPORT
// both would bind and the kernel would split requests between them at random.
TEST(RouterServer, ABusyPortIsRefusedWithTheReason) {
  RouterServer first(config_with_unreachable_upstream());
  const uint16_t port = first.start();
  ServerOptions options;
  options.port = port;
  RouterServer second(config_with_unreachable_upstream(), options);
  try {
    second.start();
    FAIL() << "a second router bound port " << port;
  } catch (const std::runtime_error& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find("cannot listen on 127.0.0.1:" + std::to_string(port)), std::string::npos) << what;
    EXPECT_NE(what.find("Address already in use"), std::string::npos) << what;
    EXPECT_EQ(what.find("router: router"), std::string::npos) << what;
  }
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST(RouterServer, RefusesANonLoopbackBindUnlessAsked) {
  ServerOptions options;
  options.host = "0.0.0.0";
  RouterServer server(config_with_unreachable_upstream(), options);
  EXPECT_THROW(server.start(), std::runtime_error);
}

TEST(RouterProcess, ServesAndStopsOnSigterm) {
  char path[] = "/tmp/midstream-router-XXXXXX.json";
  int fd = mkstemps(path, 5);
  ASSERT_GE(fd, 0);
  const std::string config = R"({"model_list": [{"model_name": "m", "litellm_params": {"model": "openai/m", "api_base": "http://127.0.0.1:9/v1"}}]})";
  ASSERT_EQ(write(fd, config.data(), config.size()), static_cast<ssize_t>(config.size()));
  close(fd);
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    execl(MIDSTREAM_BINARY, MIDSTREAM_BINARY, "router", "--config", path, "--port", "0", nullptr);
    _exit(127);
  }
  close(out[1]);
  FILE* stream = fdopen(out[0], "r");
  char line[256] = {};
  ASSERT_NE(fgets(line, sizeof line, stream), nullptr) << "the router printed nothing";
  const std::string text = line;
  const auto colon = text.rfind(':');
  ASSERT_NE(text.find("listening on http://127.0.0.1:"), std::string::npos) << text;
  httplib::Client client("127.0.0.1", std::stoi(text.substr(colon + 1)));
  auto res = client.Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  fclose(stream);
  unlink(path);
}

}  // namespace
}  // namespace midstream::router
