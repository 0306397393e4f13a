// The fakes' loopback admin API over a FakeFleet of two providers, driven with httplib::Client:
// list the fakes, replace a script, read and clear a journal, reject a bad script.
#include "fakes/admin_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "fakes/fleet.h"

namespace midstream::fakes {
namespace {

using json = nlohmann::json;
using testing::HasSubstr;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kGenerous = std::chrono::seconds(30);
constexpr const char* kAnswer = "Hello from the fake.";

ProviderConfig provider(const std::string& name, wire::Dialect dialect) {
  ProviderConfig config;
  config.name = name;
  config.dialect = dialect;
  config.answer = kAnswer;
  return config;
}

std::string chat_body(bool stream) {
  return json{{"model", "gpt-4o"},
              {"messages", {{{"role", "user"}, {"content", "Say hello"}}}},
              {"stream", stream}}
      .dump();
}

// A fleet of two fakes ("primary": openai-chat, "backup": anthropic) and its admin API.
class AdminApi : public testing::Test {
 protected:
  void SetUp() override {
    fleet_.add(provider("primary", wire::Dialect::OpenAIChat));
    fleet_.add(provider("backup", wire::Dialect::Anthropic));
    fleet_.start();
    admin_port_ = admin_.start();
    ASSERT_NE(admin_port_, 0);
  }
  void TearDown() override {
    admin_.stop();
    fleet_.stop();
  }

  httplib::Client admin_client() {
    httplib::Client client("127.0.0.1", admin_port_);
    client.set_connection_timeout(std::chrono::seconds(30));
    client.set_read_timeout(std::chrono::seconds(30));
    return client;
  }

  // One non-streamed chat request to the primary fake.
  httplib::Result ask_primary() {
    httplib::Client client("127.0.0.1", fleet_.provider("primary").port());
    client.set_read_timeout(std::chrono::seconds(30));
    return client.Post("/v1/chat/completions", {{"Authorization", "Bearer sk-admin-test"}},
                       chat_body(false), "application/json");
  }

  json journal_of(const std::string& name) {
    auto client = admin_client();
    auto res = client.Get(("/fakes/" + name + "/journal").c_str());
    EXPECT_TRUE(res) << httplib::to_string(res.error());
    if (!res) return json();
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body);
  }

  FakeFleet fleet_;
  AdminServer admin_{fleet_};
  uint16_t admin_port_ = 0;
};

TEST_F(AdminApi, ListsTheFakes) {
  auto client = admin_client();
  auto res = client.Get("/fakes");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("application/json"));
  const json list = json::parse(res->body);
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 2u);
  // In name order.
  EXPECT_EQ(list[0]["name"], "backup");
  EXPECT_EQ(list[0]["dialect"], "anthropic");
  EXPECT_EQ(list[0]["port"], fleet_.provider("backup").port());
  EXPECT_EQ(list[0]["base_url"], fleet_.provider("backup").base_url());
  EXPECT_EQ(list[1]["name"], "primary");
  EXPECT_EQ(list[1]["dialect"], "openai-chat");
  EXPECT_EQ(list[1]["port"], fleet_.provider("primary").port());
  EXPECT_EQ(list[1]["base_url"],
            "http://127.0.0.1:" + std::to_string(fleet_.provider("primary").port()) + "/v1");
  EXPECT_NE(list[0]["port"], list[1]["port"]);
}

TEST_F(AdminApi, PutScriptChangesWhatTheNextRequestsGet) {
  auto before = ask_primary();
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 200);

  auto client = admin_client();
  auto res = client.Put("/fakes/primary/script",
                        R"({"script": [{"at": "before_status", "action": "status", "status": 429,
                                        "retry_after": 7}],
                            "then": {"at": "before_status", "action": "status", "status": 503}})",
                        "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200) << res->body;

  auto first = ask_primary();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 429);
  EXPECT_EQ(first->get_header_value("Retry-After"), "7");
  auto second = ask_primary();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 503);

  const json entries = journal_of("primary");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0]["fault"], nullptr);
  EXPECT_EQ(entries[1]["fault"], "before_status status:429 retry-after:7");
  EXPECT_EQ(entries[1]["fault_fired"], true);
  EXPECT_EQ(entries[2]["fault"], "before_status status:503");
  // The other fake's script is untouched.
  EXPECT_TRUE(journal_of("backup").empty());
  EXPECT_FALSE(fleet_.provider("backup").config().then.fault.has_value());
}

TEST_F(AdminApi, PutScriptWithOkEntriesAndNoThenGoesBackToCleanAnswers) {
  auto client = admin_client();
  auto res = client.Put("/fakes/primary/script", R"({"script": ["ok"]})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  for (int i = 0; i < 2; ++i) {
    auto answer = ask_primary();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(json::parse(answer->body)["choices"][0]["message"]["content"], kAnswer);
  }
}

TEST_F(AdminApi, GetJournalReturnsTheEntries) {
  ASSERT_TRUE(ask_primary());
  ASSERT_TRUE(fleet_.provider("primary").journal().wait_until_idle(SteadyClock::now() + kGenerous));
  const json entries = journal_of("primary");
  ASSERT_TRUE(entries.is_array());
  ASSERT_EQ(entries.size(), 1u);
  const json& e = entries[0];
  EXPECT_EQ(e["index"], 1);
  EXPECT_EQ(e["has_request"], true);
  EXPECT_EQ(e["method"], "POST");
  EXPECT_EQ(e["path"], "/v1/chat/completions");
  EXPECT_EQ(e["body"], chat_body(false));
  EXPECT_EQ(e["stream"], false);
  EXPECT_EQ(e["status"], 200);
  EXPECT_EQ(e["ended"], "completed");
  EXPECT_EQ(e["text_sent"], kAnswer);
  EXPECT_EQ(e["usage_sent"]["input_tokens"], 2);
  EXPECT_EQ(e["usage_sent"]["output_tokens"], 4);
  EXPECT_EQ(e["fault"], nullptr);
  EXPECT_EQ(e["fault_fired"], false);
  EXPECT_TRUE(e["received_ms"].is_number());
  EXPECT_TRUE(e["ended_ms"].is_number());
  ASSERT_TRUE(e["headers"].is_object());
  EXPECT_EQ(e["headers"]["Authorization"], "[redacted]");
  EXPECT_THAT(e.dump(), testing::Not(HasSubstr("sk-admin-test")));
}

TEST_F(AdminApi, DeleteJournalClearsIt) {
  ASSERT_TRUE(ask_primary());
  ASSERT_TRUE(ask_primary());
  ASSERT_TRUE(fleet_.provider("primary").journal().wait_until_idle(SteadyClock::now() + kGenerous));
  ASSERT_EQ(journal_of("primary").size(), 2u);
  auto client = admin_client();
  auto res = client.Delete("/fakes/primary/journal");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(journal_of("primary").empty());
  // Numbering goes on, like the script does: the third request is request 3, and an exchange
  // still open during the clear can never write into a newer entry.
  ASSERT_TRUE(ask_primary());
  ASSERT_TRUE(fleet_.provider("primary").journal().wait_until_idle(SteadyClock::now() + kGenerous));
  const json entries = journal_of("primary");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["index"], 3);
}

TEST_F(AdminApi, UnknownFakeIs404) {
  auto client = admin_client();
  auto journal = client.Get("/fakes/nobody/journal");
  ASSERT_TRUE(journal);
  EXPECT_EQ(journal->status, 404);
  EXPECT_THAT(journal->body, HasSubstr("nobody"));
  auto cleared = client.Delete("/fakes/nobody/journal");
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->status, 404);
  auto script = client.Put("/fakes/nobody/script", R"({"script": []})", "application/json");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 404);
}

// The 400's message for a PUT of `body` (empty when it was not a 400).
std::string rejection(httplib::Client& client, const std::string& body) {
  auto res = client.Put("/fakes/primary/script", body, "application/json");
  EXPECT_TRUE(res);
  if (!res) return "";
  EXPECT_EQ(res->status, 400) << body << "\n" << res->body;
  if (res->status != 400) return "";
  const json error = json::parse(res->body, nullptr, false);
  EXPECT_FALSE(error.is_discarded()) << res->body;
  return error.is_discarded() ? "" : error["error"]["message"].get<std::string>();
}

TEST_F(AdminApi, BadScriptIs400NamingTheJsonPointer) {
  auto client = admin_client();
  EXPECT_THAT(rejection(client, R"({"script": ["ok", {"at": "after_deltas", "action": "reset"}]})"),
              HasSubstr("/script/1/n"));
  EXPECT_THAT(rejection(client, R"({"script": [{"at": "somewhere", "action": "reset"}]})"),
              HasSubstr("/script/0/at"));
  EXPECT_THAT(rejection(client, R"({"script": [{"at": "on_connect", "action": "explode"}]})"),
              HasSubstr("/script/0/action"));
  EXPECT_THAT(rejection(client, R"({"script": [{"at": "after_headers", "action": "status",
                                                "status": 503}]})"),
              HasSubstr("/script/0/at"));
  EXPECT_THAT(rejection(client, R"({"script": ["okay"]})"), HasSubstr("/script/0"));
  EXPECT_THAT(rejection(client, R"({"script": [], "then": {"at": "after_preamble",
                                                          "action": "stall"}})"),
              HasSubstr("/then/ms"));
  EXPECT_THAT(rejection(client, R"({"script": [], "than": "ok"})"), HasSubstr("/than"));
  EXPECT_THAT(rejection(client, R"({"then": "ok"})"), HasSubstr("/script"));
  EXPECT_THAT(rejection(client, R"({"script": [)"), HasSubstr("request body"));

  // Nothing was changed by the rejected scripts.
  auto answer = ask_primary();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
}

// Stalls a streamed request, clears the journal through the admin API, then stops the fleet
// (which ends the stall). Exits 0 when the process survived all of it.
[[noreturn]] void clear_journal_during_a_stall() {
  FakeFleet fleet;
  auto config = provider("primary", wire::Dialect::OpenAIChat);
  config.then = parse_script_entry(
      json::parse(R"({"at": "after_preamble", "action": "stall", "ms": 600000})"), "test",
      "/then");
  fleet.add(config);
  fleet.start();
  AdminServer admin(fleet);
  const uint16_t admin_port = admin.start();

  // A streamed request that stalls after its role chunk, from a plain socket.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(fleet.provider("primary").port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::_Exit(3);
  const std::string body = chat_body(true);
  const std::string request = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                              "Content-Length: " + std::to_string(body.size()) +
                              "\r\n\r\n" + body;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) std::_Exit(4);
  const auto deadline = SteadyClock::now() + kGenerous;
  auto fired = [&] {
    auto entries = fleet.provider("primary").journal().entries();
    return !entries.empty() && entries[0].fault_fired;
  };
  while (!fired() && SteadyClock::now() < deadline) {
    pollfd entry{fd, POLLIN, 0};
    ::poll(&entry, 1, 10);  // wait for the role chunk, or just a moment
  }
  if (!fired()) std::_Exit(5);

  httplib::Client client("127.0.0.1", admin_port);
  auto res = client.Delete("/fakes/primary/journal");
  if (!res || res->status != 200) std::_Exit(6);
  // Ending the stall makes the exchange close its (cleared) journal entry.
  admin.stop();
  fleet.stop();
  ::close(fd);
  std::_Exit(0);
}

// Regression test, fixed: journal.cpp Journal::clear empties entries_ while exchanges are still open, and each
// open exchange keeps its 1-based index; its next Journal::update/close does
// entries_.at(index - 1), which throws std::out_of_range on the connection thread, so
// std::terminate kills the process (`midstream fakes` dies on a DELETE /fakes/NAME/journal
// during a stall). If new requests came in meanwhile, the old exchange instead writes into
// someone else's entry. Suggested fix: give entries a generation (or keep a base offset) and
// make update/close ignore indexes from before the clear.
TEST(AdminApiDeath, ClearingTheJournalDuringAnOpenExchangeDoesNotCrash) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(clear_journal_during_a_stall(), testing::ExitedWithCode(0), "");
}

// Starts and at once stops an AdminServer, many times; a watchdog turns a hang into SIGALRM.
[[noreturn]] void start_and_stop_at_once(int times) {
  FakeFleet fleet;
  fleet.add(provider("primary", wire::Dialect::OpenAIChat));
  ::alarm(20);
  for (int i = 0; i < times; ++i) {
    AdminServer admin(fleet);
    admin.start();
    admin.stop();
  }
  std::_Exit(0);
}

// Regression test, fixed: admin_server.cpp AdminServer::start returns as soon as the listen thread is spawned;
// httplib 0.11.4's Server::stop() does nothing while is_running_ is still false (it is set
// inside listen_after_bind), so a stop() that comes before the thread got there is lost and
// stop()'s join waits forever. `midstream fakes` killed right after it printed its admin URL
// can hang the same way. Suggested fix: in start(), wait for server_->is_running() (or
// wait_until_ready in newer httplib) before returning.
TEST(AdminApiDeath, StopRightAfterStartReturns) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(start_and_stop_at_once(50), testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace midstream::fakes
