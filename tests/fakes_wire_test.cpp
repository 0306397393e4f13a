// What a started FakeProvider (openai-chat) puts on the wire, seen by a client written here with
// plain ::socket/::connect/::send/::recv and its own HTTP and chunked parsing, so the fakes are
// not tested with the code they share with the router (net::HttpStream).
#include "fakes/fake_provider.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wire/codec.h"
#include "wire/sse.h"

namespace midstream::fakes {
namespace {

using std::chrono::milliseconds;
using testing::ElementsAre;
using testing::ElementsAreArray;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;
using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// Bounds waits that normally end in milliseconds; only a broken fake ever reaches them.
constexpr auto kGenerous = std::chrono::seconds(30);
constexpr const char* kAnswer = "The quick brown fox jumps over the lazy dog.";  // 9 words
const std::vector<std::string> kWords = {"The",   " quick", " brown", " fox",  " jumps",
                                         " over", " the",   " lazy",  " dog."};
constexpr const char* kPrompt = "Tell me a story";  // 4 words

double ms_between(SteadyClock::time_point from, SteadyClock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// ---- a raw TCP client ----------------------------------------------------------------------

// How a read ended: Open = the caller had what it waited for, the connection is still up.
enum class End { Open, Eof, Reset, Timeout, Error };

const char* to_string(End end) {
  switch (end) {
    case End::Open: return "open";
    case End::Eof: return "EOF";
    case End::Reset: return "ECONNRESET";
    case End::Timeout: return "timeout";
    case End::Error: return "error";
  }
  return "?";
}

class RawClient {
 public:
  // Connects (blocking) to 127.0.0.1:port; on failure connected() is false and error() is errno.
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      error_ = errno;
      return;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      error_ = errno;
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  int error() const { return error_; }

  bool send_all(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // True when a byte (or EOF or an error) is ready within `timeout`.
  bool readable_within(milliseconds timeout) {
    pollfd entry{fd_, POLLIN, 0};
    const auto until = SteadyClock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::ceil<milliseconds>(until - SteadyClock::now());
      const int ready = ::poll(&entry, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
      if (ready < 0 && errno == EINTR) continue;
      return ready > 0;
    }
  }

  // Reads into received() until `done(received())`, EOF, an error or the deadline. The
  // callback runs after every recv, so callers can timestamp what arrived.
  End read_until(const std::function<bool(const std::string&)>& done,
                 SteadyClock::time_point deadline) {
    for (;;) {
      if (done && done(received_)) return End::Open;
      const auto left = std::chrono::ceil<milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) return End::Timeout;
      if (!readable_within(left)) return End::Timeout;
      char buffer[16384];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n > 0) {
        received_.append(buffer, static_cast<size_t>(n));
        if (on_read_) on_read_(received_);
        continue;
      }
      if (n == 0) return End::Eof;
      if (errno == EINTR) continue;
      last_errno_ = errno;
      return errno == ECONNRESET ? End::Reset : End::Error;
    }
  }

  // Reads until the peer ends the connection (or the deadline).
  End read_to_end(SteadyClock::time_point deadline = SteadyClock::now() + kGenerous) {
    return read_until(nullptr, deadline);
  }

  void on_read(std::function<void(const std::string&)> callback) { on_read_ = std::move(callback); }
  const std::string& received() const { return received_; }
  void clear_received() { received_.clear(); }
  int last_errno() const { return last_errno_; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  int error_ = 0;
  int last_errno_ = 0;
  std::string received_;
  std::function<void(const std::string&)> on_read_;
};

// ---- HTTP/1.1 response parsing, independent of net/ ---------------------------------------

struct Response {
  bool head_complete = false;
  std::string status_line;
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string payload;                          // bytes after the head
  bool chunked = false;
  std::vector<size_t> chunk_sizes;              // data chunks, in order (not the last chunk)
  bool terminated = false;                      // saw the zero-size chunk and its CRLF
  bool bad_chunking = false;
  std::string body;                             // de-chunked (or Content-Length) body so far
  bool complete = false;                        // a whole message was received

  const std::string* header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? nullptr : &it->second;
  }
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

Response parse_response(const std::string& bytes) {
  Response r;
  const size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string::npos) return r;
  r.head_complete = true;
  const std::string head = bytes.substr(0, head_end);
  size_t line_end = head.find("\r\n");
  r.status_line = head.substr(0, line_end);
  if (r.status_line.size() >= 12) r.status = std::atoi(r.status_line.c_str() + 9);
  while (line_end != std::string::npos) {
    const size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos
                                                                              : line_end - start);
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers[lower(line.substr(0, colon))] = value;
  }
  r.payload = bytes.substr(head_end + 4);
  const auto* te = r.header("transfer-encoding");
  r.chunked = te != nullptr && lower(*te).find("chunked") != std::string::npos;
  if (!r.chunked) {
    r.body = r.payload;
    if (const auto* cl = r.header("content-length"))
      r.complete = r.payload.size() >= static_cast<size_t>(std::stoul(*cl));
    return r;
  }
  size_t at = 0;
  for (;;) {
    const size_t size_end = r.payload.find("\r\n", at);
    if (size_end == std::string::npos) break;
    const std::string size_text = r.payload.substr(at, size_end - at);
    if (size_text.empty() || size_text.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      r.bad_chunking = true;
      break;
    }
    const size_t size = std::stoul(size_text, nullptr, 16);
    if (size == 0) {
      if (r.payload.compare(size_end + 2, 2, "\r\n") == 0) r.terminated = r.complete = true;
      break;
    }
    if (r.payload.size() < size_end + 2 + size + 2) {
      r.body += r.payload.substr(size_end + 2, size);  // a partial chunk: what arrived of it
      break;
    }
    if (r.payload.compare(size_end + 2 + size, 2, "\r\n") != 0) {
      r.bad_chunking = true;
      break;
    }
    r.chunk_sizes.push_back(size);
    r.body += r.payload.substr(size_end + 2, size);
    at = size_end + 2 + size + 2;
  }
  return r;
}

// ---- SSE decoding with wire::SseFramer and the openai-chat decoder -------------------------

struct Stream {
  std::vector<wire::SseEvent> sse;          // complete events only
  std::vector<wire::StreamEvent> events;    // decoded
  bool at_boundary = true;
  std::string tail;                          // bytes after the last complete event

  std::vector<wire::EventKind> kinds() const {
    std::vector<wire::EventKind> out;
    for (const auto& e : events) out.push_back(e.kind);
    return out;
  }
  std::vector<std::string> deltas() const {
    std::vector<std::string> out;
    for (const auto& e : events)
      if (e.kind == wire::EventKind::TextDelta) out.push_back(e.text);
    return out;
  }
  std::string text() const {
    std::string out;
    for (const auto& d : deltas()) out += d;
    return out;
  }
  bool has_done() const {
    return std::any_of(sse.begin(), sse.end(), [](const auto& e) { return e.data == "[DONE]"; });
  }
  int count(wire::EventKind kind) const {
    return static_cast<int>(std::count_if(events.begin(), events.end(),
                                          [&](const auto& e) { return e.kind == kind; }));
  }
};

Stream decode_sse(const std::string& body) {
  Stream s;
  wire::SseFramer framer;
  auto decoder = wire::make_decoder(wire::Dialect::OpenAIChat);
  framer.feed(body, [&](const wire::SseEvent& event) {
    s.sse.push_back(event);
    decoder->decode(event, s.events);
  });
  s.at_boundary = framer.at_boundary();
  const size_t last = body.rfind("\n\n");
  s.tail = last == std::string::npos ? body : body.substr(last + 2);
  return s;
}

std::string describe(const Stream& s) {
  std::string out;
  for (const auto& e : s.events) out += "  " + wire::describe(e) + "\n";
  return out + "  tail: \"" + s.tail + "\"";
}

// ---- requests, faults and the provider -----------------------------------------------------

std::string chat_body(bool stream, bool include_usage = false,
                      std::vector<std::pair<std::string, std::string>> messages = {
                          {"user", kPrompt}}) {
  json body = {{"model", "gpt-4o"}, {"messages", json::array()}, {"stream", stream}};
  for (const auto& [role, content] : messages)
    body["messages"].push_back({{"role", role}, {"content", content}});
  if (include_usage) body["stream_options"] = {{"include_usage", true}};
  return body.dump();
}

std::string http_post(const std::string& body, bool close = true,
                      const std::string& path = "/v1/chat/completions",
                      const std::string& extra_headers = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         "Authorization: Bearer sk-test-secret-123\r\n" + extra_headers +
         (close ? "Connection: close\r\n" : "") +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

ScriptEntry entry(const char* text) {
  return parse_script_entry(json::parse(text), "test", "/script/0");
}

ProviderConfig chat_config(std::vector<ScriptEntry> script = {}, ScriptEntry then = {},
                           std::string answer = kAnswer) {
  ProviderConfig config;
  config.name = "primary";
  config.dialect = wire::Dialect::OpenAIChat;
  config.answer = std::move(answer);
  config.model = "fake-model";
  config.script = std::move(script);
  config.then = std::move(then);
  return config;
}

// A provider that is stopped at the end of the test, whatever happened.
struct Started {
  explicit Started(ProviderConfig config) : provider(std::move(config)) { provider.start(); }
  FakeProvider provider;
};

// One request on a fresh connection, read to the end.
struct Exchanged {
  End end = End::Error;
  int error = 0;
  std::string bytes;
  Response response;
  Stream stream;
};

Exchanged round_trip(uint16_t port, const std::string& request) {
  Exchanged out;
  RawClient client(port);
  if (!client.connected()) {
    ADD_FAILURE() << "connect: " << std::strerror(client.error());
    return out;
  }
  EXPECT_TRUE(client.send_all(request));
  out.end = client.read_to_end();
  out.error = client.last_errno();
  out.bytes = client.received();
  out.response = parse_response(out.bytes);
  out.stream = decode_sse(out.response.body);
  return out;
}

JournalEntry only_entry(FakeProvider& provider) {
  EXPECT_TRUE(provider.journal().wait_until_idle(SteadyClock::now() + kGenerous));
  auto entries = provider.journal().entries();
  EXPECT_EQ(entries.size(), 1u);
  return entries.empty() ? JournalEntry{} : entries.front();
}

void expect_fired_in_order(const JournalEntry& e) {
  EXPECT_TRUE(e.fault_fired);
  EXPECT_GE(e.fault_ms, e.received_ms);
  EXPECT_GE(e.ended_ms, e.fault_ms);
}

using wire::EventKind;

// ---- clean answers ------------------------------------------------------------------------

TEST(FakeWire, CleanStreamIsRoleChunkOneDeltaPerWordFinishThenDone) {
  Started fake(chat_config());
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.end, End::Eof) << to_string(got.end);
  const Response& r = got.response;
  EXPECT_EQ(r.status_line, "HTTP/1.1 200 OK");
  ASSERT_NE(r.header("content-type"), nullptr);
  EXPECT_THAT(*r.header("content-type"), StartsWith("text/event-stream"));
  EXPECT_TRUE(r.chunked);
  EXPECT_TRUE(r.terminated);
  EXPECT_FALSE(r.bad_chunking);

  const Stream& s = got.stream;
  std::vector<EventKind> expected = {EventKind::Preamble};
  expected.insert(expected.end(), kWords.size(), EventKind::TextDelta);
  expected.push_back(EventKind::Finish);
  expected.push_back(EventKind::End);
  EXPECT_THAT(s.kinds(), ElementsAreArray(expected)) << describe(s);
  EXPECT_THAT(s.deltas(), ElementsAreArray(kWords));
  EXPECT_TRUE(s.at_boundary);
  ASSERT_GE(s.sse.size(), 3u);

  // The role chunk comes first, with no content; the finish chunk says stop; [DONE] is last.
  const json role = json::parse(s.sse.front().data);
  EXPECT_EQ(role["object"], "chat.completion.chunk");
  EXPECT_EQ(role["model"], "fake-model");
  EXPECT_EQ(role["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(role["choices"][0]["delta"].value("content", ""), "");
  const json finish = json::parse(s.sse[s.sse.size() - 2].data);
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "stop");
  EXPECT_FALSE(finish.contains("usage"));
  EXPECT_EQ(s.sse.back().data, "[DONE]");
  for (const auto& event : s.sse) EXPECT_EQ(event.data.find("\"usage\""), std::string::npos);

  const auto e = only_entry(fake.provider);
  EXPECT_EQ(e.ended, ExchangeEnd::Completed);
  EXPECT_EQ(e.status, 200);
  EXPECT_EQ(e.text_sent, kAnswer);
  EXPECT_FALSE(e.fault.has_value());
  EXPECT_FALSE(e.fault_fired);
}

TEST(FakeWire, UsageChunkOnlyWhenIncludeUsageWasSet) {
  Started fake(chat_config());
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true, /*include_usage=*/true)));
  EXPECT_EQ(got.end, End::Eof);
  EXPECT_TRUE(got.response.terminated);
  const Stream& s = got.stream;
  std::vector<EventKind> expected = {EventKind::Preamble};
  expected.insert(expected.end(), kWords.size(), EventKind::TextDelta);
  expected.insert(expected.end(), {EventKind::Finish, EventKind::Usage, EventKind::End});
  EXPECT_THAT(s.kinds(), ElementsAreArray(expected)) << describe(s);
  ASSERT_GE(s.sse.size(), 2u);
  const json usage = json::parse(s.sse[s.sse.size() - 2].data);
  EXPECT_EQ(usage["choices"], json::array());
  EXPECT_EQ(usage["usage"]["prompt_tokens"], 4);      // "Tell me a story"
  EXPECT_EQ(usage["usage"]["completion_tokens"], 9);  // the answer's words
  EXPECT_EQ(usage["usage"]["total_tokens"], 13);
  EXPECT_EQ(s.sse.back().data, "[DONE]");

  const auto e = only_entry(fake.provider);
  ASSERT_TRUE(e.usage_sent.has_value());
  EXPECT_EQ(*e.usage_sent, (wire::Usage{4, 9}));
}

TEST(FakeWire, ContinuationStreamsExactlyTheRest) {
  Started fake(chat_config());
  auto got = round_trip(fake.provider.port(),
                      http_post(chat_body(true, true, {{"user", kPrompt},
                                                       {"assistant", "The quick brown"},
                                                       {"user", "Continue."}})));
  EXPECT_THAT(got.stream.deltas(), ElementsAre(" fox", " jumps", " over", " the", " lazy", " dog."));
  const auto e = only_entry(fake.provider);
  EXPECT_TRUE(e.continuation);
  EXPECT_EQ(e.partial, "The quick brown");
  EXPECT_FALSE(e.mismatch);
  ASSERT_TRUE(e.usage_sent.has_value());
  EXPECT_EQ(*e.usage_sent, (wire::Usage{4 + 3 + 1, 6}));
}

// A continuation that meets a fault before its status line is still journaled as one (with its
// partial): the harness's replay and continuation checks read that from the journal.
TEST(FakeWire, ContinuationWithAFaultBeforeTheStatusIsJournaledAsOne) {
  for (const char* fault : {R"({"at": "before_status", "action": "status", "status": 503})",
                            R"({"at": "before_status", "action": "reset"})"}) {
    Started fake(chat_config({entry(fault)}));
    round_trip(fake.provider.port(),
               http_post(chat_body(true, true, {{"user", kPrompt},
                                                {"assistant", "The quick brown"},
                                                {"user", "Continue."}})));
    const auto e = only_entry(fake.provider);
    EXPECT_TRUE(e.continuation) << fault;
    EXPECT_EQ(e.partial, "The quick brown") << fault;
  }
}

TEST(FakeWire, WordsPerDeltaGroupsWords) {
  auto config = chat_config();
  config.words_per_delta = 3;
  Started fake(config);
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_THAT(got.stream.deltas(),
              ElementsAre("The quick brown", " fox jumps over", " the lazy dog."));
}

TEST(FakeWire, NonStreamedAnswersKeepTheConnectionAlive) {
  Started fake(chat_config());
  RawClient client(fake.provider.port());
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 2; ++i) {
    client.clear_received();
    ASSERT_TRUE(client.send_all(http_post(chat_body(false), /*close=*/false)));
    client.read_until([](const std::string& b) { return parse_response(b).complete; },
                      SteadyClock::now() + kGenerous);
    const Response r = parse_response(client.received());
    ASSERT_TRUE(r.complete) << client.received();
    EXPECT_EQ(r.status, 200);
    ASSERT_NE(r.header("connection"), nullptr);
    EXPECT_EQ(lower(*r.header("connection")), "keep-alive");
    const json body = json::parse(r.body);
    EXPECT_EQ(body["object"], "chat.completion");
    EXPECT_EQ(body["choices"][0]["message"]["content"], kAnswer);
    EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
    EXPECT_EQ(body["usage"]["prompt_tokens"], 4);
    EXPECT_EQ(body["usage"]["completion_tokens"], 9);
  }
  ASSERT_TRUE(fake.provider.journal().wait_until_idle(SteadyClock::now() + kGenerous));
  EXPECT_EQ(fake.provider.journal().size(), 2u);
}

TEST(FakeWire, WrongPathGetsA404WithAnOpenAIErrorBody) {
  Started fake(chat_config());
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true), true, "/v1/messages"));
  EXPECT_EQ(got.response.status, 404);
  const json body = json::parse(got.response.body);
  EXPECT_THAT(body["error"]["message"].get<std::string>(), HasSubstr("/v1/chat/completions"));
  EXPECT_EQ(only_entry(fake.provider).ended, ExchangeEnd::BadRequest);
}

// ---- the journal ---------------------------------------------------------------------------

TEST(FakeWire, JournalRecordsTheRequestWithSecretsRedacted) {
  Started fake(chat_config());
  const std::string body = chat_body(true);
  auto got = round_trip(fake.provider.port(),
                      http_post(body, true, "/v1/chat/completions?trace=1",
                                "X-Api-Key: key-456\r\nX-Request-Id: abc\r\n"));
  ASSERT_EQ(got.end, End::Eof);
  const auto e = only_entry(fake.provider);
  EXPECT_EQ(e.index, 1);
  EXPECT_TRUE(e.has_request);
  EXPECT_EQ(e.method, "POST");
  EXPECT_EQ(e.path, "/v1/chat/completions?trace=1");
  EXPECT_EQ(e.body, body);
  EXPECT_TRUE(e.stream);
  EXPECT_GT(e.received_ms, 0);
  EXPECT_GE(e.ended_ms, e.received_ms);
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : e.headers) headers[lower(name)] = value;
  EXPECT_EQ(headers["authorization"], "[redacted]");
  EXPECT_EQ(headers["x-api-key"], "[redacted]");
  EXPECT_EQ(headers["x-request-id"], "abc");
  EXPECT_EQ(headers["content-type"], "application/json");
  for (const auto& [name, value] : e.headers) {
    EXPECT_THAT(value, Not(HasSubstr("sk-test-secret"))) << name;
    EXPECT_THAT(value, Not(HasSubstr("key-456"))) << name;
  }
  // The JSON form has the same, and no secret anywhere.
  const std::string dumped = to_json(e).dump();
  EXPECT_THAT(dumped, Not(HasSubstr("sk-test-secret")));
  EXPECT_EQ(to_json(e)["ended"], "completed");
  EXPECT_EQ(to_json(e)["fault"], nullptr);
}

// How an exchange ended has one name each way: the journal's JSON reads back to the same value.
TEST(FakeWire, ExchangeEndNamesRoundTrip) {
  const std::vector<std::string> names = {"open", "completed", "reset", "closed", "truncated", "status",
                                          "error_event", "peer_closed", "stopped", "rejected", "bad_request"};
  for (const auto& name : names) {
    const auto end = exchange_end_from_string(name);
    ASSERT_TRUE(end.has_value()) << name;
    EXPECT_EQ(to_string(*end), name);
  }
  EXPECT_EQ(exchange_end_from_string("finished"), std::nullopt);
  JournalEntry e;
  e.ended = ExchangeEnd::PeerClosed;
  EXPECT_EQ(exchange_end_from_string(to_json(e)["ended"].get<std::string>()), ExchangeEnd::PeerClosed);
}

// ---- the script ----------------------------------------------------------------------------

TEST(FakeWire, ScriptGivesTheNthRequestTheNthEntryThenThen) {
  Started fake(chat_config({entry(R"({"at": "after_deltas", "n": 1, "action": "reset"})"),
                            entry(R"({"at": "before_status", "action": "status", "status": 503})"),
                            entry(R"("ok")")},
                           entry(R"({"at": "before_status", "action": "status", "status": 429})")));
  const uint16_t port = fake.provider.port();
  auto first = round_trip(port, http_post(chat_body(true)));
  EXPECT_EQ(first.end, End::Reset);
  EXPECT_THAT(first.stream.deltas(), ElementsAre("The"));
  EXPECT_EQ(round_trip(port, http_post(chat_body(true))).response.status, 503);
  auto third = round_trip(port, http_post(chat_body(true)));
  EXPECT_EQ(third.response.status, 200);
  EXPECT_EQ(third.stream.text(), kAnswer);
  EXPECT_TRUE(third.stream.has_done());
  EXPECT_EQ(round_trip(port, http_post(chat_body(true))).response.status, 429);
  EXPECT_EQ(round_trip(port, http_post(chat_body(true))).response.status, 429);

  ASSERT_TRUE(fake.provider.journal().wait_until_idle(SteadyClock::now() + kGenerous));
  const auto entries = fake.provider.journal().entries();
  ASSERT_EQ(entries.size(), 5u);
  std::vector<std::string> planned;
  std::vector<ExchangeEnd> ended;
  for (const auto& e : entries) {
    planned.push_back(e.fault ? e.fault->describe() : "ok");
    ended.push_back(e.ended);
  }
  EXPECT_THAT(planned, ElementsAre("after_deltas:1 reset", "before_status status:503", "ok",
                                   "before_status status:429", "before_status status:429"));
  EXPECT_THAT(ended, ElementsAre(ExchangeEnd::Reset, ExchangeEnd::Status, ExchangeEnd::Completed,
                                 ExchangeEnd::Status, ExchangeEnd::Status));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(entries[static_cast<size_t>(i)].index, i + 1);
}

TEST(FakeWire, ScriptAdvancesAcrossRequestsOnOneKeepAliveConnection) {
  Started fake(chat_config({entry(R"({"at": "before_status", "action": "status", "status": 429,
                                     "retry_after": 1})")}));
  RawClient client(fake.provider.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all(http_post(chat_body(true), /*close=*/false)));
  client.read_until([](const std::string& b) { return parse_response(b).complete; },
                    SteadyClock::now() + kGenerous);
  const Response limited = parse_response(client.received());
  ASSERT_TRUE(limited.complete);
  EXPECT_EQ(limited.status, 429);
  ASSERT_NE(limited.header("connection"), nullptr);
  EXPECT_EQ(lower(*limited.header("connection")), "keep-alive");

  client.clear_received();
  ASSERT_TRUE(client.send_all(http_post(chat_body(true), /*close=*/false)));
  EXPECT_EQ(client.read_to_end(), End::Eof);
  const Response ok = parse_response(client.received());
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(decode_sse(ok.body).text(), kAnswer);
}

TEST(FakeWire, SetScriptReplacesTheScriptForTheNextRequest) {
  Started fake(chat_config({}, entry(R"({"at": "before_status", "action": "status", "status": 500})")));
  const uint16_t port = fake.provider.port();
  EXPECT_EQ(round_trip(port, http_post(chat_body(true))).response.status, 500);
  fake.provider.set_script({entry(R"({"at": "before_status", "action": "status", "status": 401})"),
                            entry(R"("ok")")},
                           entry(R"({"at": "before_status", "action": "status", "status": 503})"));
  EXPECT_EQ(round_trip(port, http_post(chat_body(true))).response.status, 401);
  EXPECT_EQ(round_trip(port, http_post(chat_body(true))).response.status, 200);
  EXPECT_EQ(round_trip(port, http_post(chat_body(true))).response.status, 503);
}

// ---- faults, one per action, as the wire shows them -----------------------------------------

TEST(FakeWire, ResetAfterThreeDeltasIsAnEconnresetAfterTheDeltas) {
  Started fake(chat_config({entry(R"({"at": "after_deltas", "n": 3, "action": "reset"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.end, End::Reset) << to_string(got.end) << " errno " << got.error;
  EXPECT_EQ(got.error, ECONNRESET);
  EXPECT_EQ(got.response.status, 200);
  EXPECT_FALSE(got.response.terminated);
  EXPECT_THAT(got.stream.kinds(), ElementsAre(EventKind::Preamble, EventKind::TextDelta,
                                              EventKind::TextDelta, EventKind::TextDelta))
      << describe(got.stream);
  EXPECT_THAT(got.stream.deltas(), ElementsAre("The", " quick", " brown"));
  EXPECT_TRUE(got.stream.at_boundary);

  const auto e = only_entry(fake.provider);
  EXPECT_EQ(e.ended, ExchangeEnd::Reset);
  ASSERT_TRUE(e.fault.has_value());
  EXPECT_EQ(e.fault->describe(), "after_deltas:3 reset");
  expect_fired_in_order(e);
  EXPECT_EQ(e.text_sent, "The quick brown");
}

TEST(FakeWire, CloseAfterThreeDeltasIsAnEofWithoutTerminatorOrDone) {
  Started fake(chat_config({entry(R"({"at": "after_deltas", "n": 3, "action": "close"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.end, End::Eof) << to_string(got.end) << " errno " << got.error;
  EXPECT_EQ(got.bytes.find("0\r\n\r\n"), std::string::npos);
  EXPECT_EQ(got.bytes.find("[DONE]"), std::string::npos);
  EXPECT_FALSE(got.response.terminated);
  EXPECT_FALSE(got.response.bad_chunking);
  EXPECT_THAT(got.stream.deltas(), ElementsAre("The", " quick", " brown"));
  EXPECT_EQ(got.stream.count(EventKind::Finish), 0);

  const auto e = only_entry(fake.provider);
  EXPECT_EQ(e.ended, ExchangeEnd::Closed);
  expect_fired_in_order(e);
}

TEST(FakeWire, StallAfterPreambleIsSilentAndStopReleasesItPromptly) {
  Started fake(chat_config({entry(R"({"at": "after_preamble", "action": "stall", "ms": 3000})")}));
  RawClient client(fake.provider.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all(http_post(chat_body(true))));
  // Read until the role chunk is complete.
  client.read_until(
      [](const std::string& b) { return !decode_sse(parse_response(b).body).sse.empty(); },
      SteadyClock::now() + kGenerous);
  const Stream before = decode_sse(parse_response(client.received()).body);
  ASSERT_THAT(before.kinds(), ElementsAre(EventKind::Preamble)) << client.received();
  const size_t bytes_at_preamble = client.received().size();

  // Silence: nothing for at least 500 ms after the preamble.
  const auto quiet_from = SteadyClock::now();
  EXPECT_FALSE(client.readable_within(milliseconds(500)));
  EXPECT_GE(ms_between(quiet_from, SteadyClock::now()), 499.0);
  EXPECT_EQ(client.received().size(), bytes_at_preamble);

  // The stall is in progress: fired, not ended.
  {
    const auto entries = fake.provider.journal().entries();
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_TRUE(entries[0].fault_fired);
    EXPECT_EQ(entries[0].ended, ExchangeEnd::Open);
  }
  const auto stop_from = SteadyClock::now();
  fake.provider.stop();
  const double stop_ms = ms_between(stop_from, SteadyClock::now());
  EXPECT_LT(stop_ms, 1000.0) << "stop() waited for the stall";

  // The client sees the connection end, without the rest of the answer.
  EXPECT_EQ(client.read_to_end(), End::Eof);
  const Response r = parse_response(client.received());
  EXPECT_FALSE(r.terminated);
  EXPECT_EQ(decode_sse(r.body).count(EventKind::TextDelta), 0);
  const auto e = fake.provider.journal().entries().at(0);
  EXPECT_EQ(e.ended, ExchangeEnd::Stopped);
  expect_fired_in_order(e);
}

TEST(FakeWire, ShortStallCarriesOnWithTheWholeAnswer) {
  Started fake(chat_config({entry(R"({"at": "after_deltas", "n": 2, "action": "stall", "ms": 300})")}));
  const auto from = SteadyClock::now();
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_GE(ms_between(from, SteadyClock::now()), 300.0);
  EXPECT_EQ(got.end, End::Eof);
  EXPECT_EQ(got.stream.text(), kAnswer);
  EXPECT_TRUE(got.stream.has_done());
  EXPECT_TRUE(got.response.terminated);
  const auto e = only_entry(fake.provider);
  EXPECT_EQ(e.ended, ExchangeEnd::Completed);
  expect_fired_in_order(e);
  EXPECT_GE(e.ended_ms - e.fault_ms, 300.0);
}

TEST(FakeWire, ClientHangingUpDuringAStallIsJournaledAsPeerClosed) {
  Started fake(chat_config({entry(R"({"at": "after_preamble", "action": "stall", "ms": 600000})")}));
  {
    RawClient client(fake.provider.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.send_all(http_post(chat_body(true))));
    client.read_until(
        [](const std::string& b) { return !decode_sse(parse_response(b).body).sse.empty(); },
        SteadyClock::now() + kGenerous);
    ASSERT_TRUE(fake.provider.journal().wait_for_requests(1, SteadyClock::now() + kGenerous));
  }  // hangs up
  ASSERT_TRUE(fake.provider.journal().wait_until_idle(SteadyClock::now() + kGenerous))
      << "the stall did not notice the client leaving";
  const auto e = fake.provider.journal().entries().at(0);
  EXPECT_EQ(e.ended, ExchangeEnd::PeerClosed);
  expect_fired_in_order(e);
  EXPECT_LT(e.ended_ms - e.fault_ms, 600000.0);
}

TEST(FakeWire, ClientHangingUpDuringABeforeStatusStallIsPeerClosed) {
  Started fake(chat_config({entry(R"({"at": "before_status", "action": "stall", "ms": 600000})")}));
  {
    RawClient client(fake.provider.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.send_all(http_post(chat_body(true))));
    ASSERT_TRUE(fake.provider.journal().wait_for_requests(1, SteadyClock::now() + kGenerous));
    EXPECT_FALSE(client.readable_within(milliseconds(100)));  // silent: not even a status line
  }
  ASSERT_TRUE(fake.provider.journal().wait_until_idle(SteadyClock::now() + kGenerous));
  const auto e = fake.provider.journal().entries().at(0);
  EXPECT_EQ(e.ended, ExchangeEnd::PeerClosed);
  EXPECT_EQ(e.status, 0);
  expect_fired_in_order(e);
}

// Regression test, fixed: exchange.cpp Wire::pause relies on net::peer_closed (net/socket.cpp), which peeks one
// byte and only reports a hang-up when recv returns 0. During an on_connect stall nothing has
// been read from the socket, so the request the client sent is still queued, the peek returns
// 1 byte and the hang-up is never seen: the entry stays "open" (and the connection thread
// busy) for the whole stall, then ends as "closed". A router that sends its request and gives
// up after its own timeout is journaled as if the fake had closed. Suggested fix: in pause(),
// also poll for POLLRDHUP (peer shut down its side) and treat it as peer_closed, or drain
// the queued bytes during an on_connect stall.
TEST(FakeWire, ClientHangingUpDuringAnOnConnectStallIsPeerClosed) {
  Started fake(chat_config({entry(R"({"at": "on_connect", "action": "stall", "ms": 600000})")}));
  {
    RawClient client(fake.provider.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.send_all(http_post(chat_body(true))));  // what any HTTP client does
    ASSERT_TRUE(fake.provider.journal().wait_for_requests(1, SteadyClock::now() + kGenerous));
  }  // gives up
  // Noticing a hang-up takes a few milliseconds; 10 s is already generous.
  EXPECT_TRUE(fake.provider.journal().wait_until_idle(SteadyClock::now() + std::chrono::seconds(10)))
      << "the on_connect stall did not notice the client leaving";
  const auto e = fake.provider.journal().entries().at(0);
  EXPECT_EQ(e.ended, ExchangeEnd::PeerClosed);
  EXPECT_FALSE(e.has_request);
}

TEST(FakeWire, Status429WithRetryAfterAndAnOpenAIShapedBody) {
  Started fake(chat_config({entry(R"({"at": "before_status", "action": "status", "status": 429,
                                     "retry_after": 2})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.end, End::Eof);
  const Response& r = got.response;
  EXPECT_EQ(r.status_line, "HTTP/1.1 429 Too Many Requests");
  ASSERT_NE(r.header("retry-after"), nullptr);
  EXPECT_EQ(*r.header("retry-after"), "2");
  ASSERT_NE(r.header("content-type"), nullptr);
  EXPECT_THAT(*r.header("content-type"), StartsWith("application/json"));
  EXPECT_FALSE(r.chunked);
  ASSERT_NE(r.header("content-length"), nullptr);
  EXPECT_EQ(std::stoul(*r.header("content-length")), r.body.size());

  const json body = json::parse(r.body, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << r.body;
  ASSERT_TRUE(body.contains("error")) << r.body;
  const json& error = body["error"];
  EXPECT_TRUE(error["message"].is_string());
  EXPECT_FALSE(error["message"].get<std::string>().empty());
  EXPECT_TRUE(error["type"].is_string());
  EXPECT_TRUE(error.contains("param"));
  EXPECT_TRUE(error["param"].is_null());
  EXPECT_TRUE(error.contains("code"));
  EXPECT_EQ(error["code"], "rate_limit_exceeded");
  EXPECT_TRUE(wire::decode_error_body(wire::Dialect::OpenAIChat, r.body).has_value());

  const auto e = only_entry(fake.provider);
  EXPECT_EQ(e.ended, ExchangeEnd::Status);
  EXPECT_EQ(e.status, 429);
  expect_fired_in_order(e);
}

TEST(FakeWire, StatusCarriesTheConfiguredErrorTypeCodeAndMessage) {
  Started fake(chat_config({entry(R"({"at": "before_status", "action": "status", "status": 503,
      "error_type": "overloaded", "error_code": "busy", "message": "Try later."})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.response.status, 503);
  EXPECT_EQ(got.response.header("retry-after"), nullptr);
  const json error = json::parse(got.response.body)["error"];
  EXPECT_EQ(error["type"], "overloaded");
  EXPECT_EQ(error["code"], "busy");
  EXPECT_EQ(error["message"], "Try later.");
}

TEST(FakeWire, ErrorEventAfterTwoDeltasThenCleanEndWithoutDone) {
  Started fake(chat_config({entry(R"({"at": "after_deltas", "n": 2, "action": "error_event"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.end, End::Eof);
  EXPECT_TRUE(got.response.terminated);
  EXPECT_THAT(got.response.payload, testing::EndsWith("0\r\n\r\n"));
  const Stream& s = got.stream;
  EXPECT_FALSE(s.has_done());
  EXPECT_THAT(s.kinds(), ElementsAre(EventKind::Preamble, EventKind::TextDelta,
                                     EventKind::TextDelta, EventKind::Error))
      << describe(s);
  ASSERT_FALSE(s.sse.empty());
  EXPECT_THAT(s.sse.back().data, StartsWith("{\"error\":"));
  const json error = json::parse(s.sse.back().data)["error"];
  EXPECT_TRUE(error["message"].is_string());
  EXPECT_EQ(error["type"], "server_error");
  EXPECT_EQ(got.bytes.find("[DONE]"), std::string::npos);

  const auto e = only_entry(fake.provider);
  EXPECT_EQ(e.ended, ExchangeEnd::ErrorEvent);
  expect_fired_in_order(e);
}

TEST(FakeWire, TruncateAfterTwoDeltasEndsCleanlyWithoutDone) {
  Started fake(chat_config({entry(R"({"at": "after_deltas", "n": 2, "action": "truncate"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.end, End::Eof);
  EXPECT_TRUE(got.response.terminated);
  EXPECT_FALSE(got.stream.has_done());
  EXPECT_EQ(got.bytes.find("[DONE]"), std::string::npos);
  EXPECT_THAT(got.stream.kinds(),
              ElementsAre(EventKind::Preamble, EventKind::TextDelta, EventKind::TextDelta))
      << describe(got.stream);
  EXPECT_TRUE(got.stream.at_boundary);
  const auto e = only_entry(fake.provider);
  EXPECT_EQ(e.ended, ExchangeEnd::Truncated);
  expect_fired_in_order(e);
}

TEST(FakeWire, OnConnectResetIsAnEconnresetBeforeAnyByte) {
  Started fake(chat_config({entry(R"({"at": "on_connect", "action": "reset"})")}));
  RawClient client(fake.provider.port());
  ASSERT_TRUE(client.connected()) << std::strerror(client.error());
  // Nothing is sent: the fault fires on accept.
  EXPECT_EQ(client.read_to_end(), End::Reset) << std::strerror(client.last_errno());
  EXPECT_EQ(client.last_errno(), ECONNRESET);
  EXPECT_EQ(client.received(), "");

  const auto e = only_entry(fake.provider);
  EXPECT_FALSE(e.has_request);
  EXPECT_EQ(e.ended, ExchangeEnd::Reset);
  expect_fired_in_order(e);
}

TEST(FakeWire, OnConnectFaultIsTakenByTheNextConnectionOnly) {
  Started fake(chat_config({entry(R"({"at": "on_connect", "action": "close"})")}));
  {
    RawClient faulted(fake.provider.port());
    ASSERT_TRUE(faulted.connected());
    EXPECT_EQ(faulted.read_to_end(), End::Eof);
    EXPECT_EQ(faulted.received(), "");
  }
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.stream.text(), kAnswer);
  ASSERT_TRUE(fake.provider.journal().wait_until_idle(SteadyClock::now() + kGenerous));
  const auto entries = fake.provider.journal().entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].ended, ExchangeEnd::Closed);
  EXPECT_EQ(entries[1].ended, ExchangeEnd::Completed);
}

// Regression test, fixed: fake_provider.cpp serve_connection only looks for an on_connect entry when a connection
// is accepted (take_on_connect); on a reused keep-alive connection the next request takes the
// on_connect entry through take_entry, and exchange.cpp answers it normally (neither
// answer_stream's fire_index nor answer_whole handles OnConnect), so the planned fault never
// fires although the script says request 2 gets it. Any client with a connection pool (the
// reference router's non-streamed calls, the OpenAI SDKs) hits this. Suggested fix: when the
// next entry is an on_connect fault, answer the current request with "Connection: close" (or
// fire the on_connect action on the current connection before reading the next request).
TEST(FakeWire, OnConnectEntryReachedOnAKeepAliveConnectionStillFires) {
  Started fake(chat_config({entry(R"("ok")"), entry(R"({"at": "on_connect", "action": "reset"})")}));
  RawClient client(fake.provider.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all(http_post(chat_body(false), /*close=*/false)));
  client.read_until([](const std::string& b) { return parse_response(b).complete; },
                    SteadyClock::now() + kGenerous);
  ASSERT_EQ(parse_response(client.received()).status, 200);
  // Request 2: on the same connection if the fake kept it open, else on a new one.
  client.clear_received();
  const bool sent = client.send_all(http_post(chat_body(false), /*close=*/true));
  const End end = client.read_to_end();
  if (!sent || client.received().empty()) {
    RawClient again(fake.provider.port());
    ASSERT_TRUE(again.connected());
    again.send_all(http_post(chat_body(false)));
    again.read_to_end();
  }
  ASSERT_TRUE(fake.provider.journal().wait_until_idle(SteadyClock::now() + kGenerous));
  const auto entries = fake.provider.journal().entries();
  ASSERT_GE(entries.size(), 2u);
  const auto& second = entries[1];
  ASSERT_TRUE(second.fault.has_value());
  EXPECT_EQ(second.fault->describe(), "on_connect reset");
  EXPECT_TRUE(second.fault_fired) << "request 2 ended \"" << second.ended << "\" with status "
                                  << second.status << " (client saw " << to_string(end) << ")";
}

TEST(FakeWire, BeforeStatusCloseIsAnEofBeforeAnyByte) {
  Started fake(chat_config({entry(R"({"at": "before_status", "action": "close"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.end, End::Eof) << to_string(got.end);
  EXPECT_EQ(got.bytes, "");
  const auto e = only_entry(fake.provider);
  EXPECT_TRUE(e.has_request);
  EXPECT_EQ(e.ended, ExchangeEnd::Closed);
  EXPECT_EQ(e.status, 0);
  expect_fired_in_order(e);
}

TEST(FakeWire, AfterHeadersResetSendsTheHeadAndNoEvent) {
  Started fake(chat_config({entry(R"({"at": "after_headers", "action": "reset"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.end, End::Reset);
  EXPECT_EQ(got.response.status, 200);
  EXPECT_EQ(got.response.payload, "");
}

TEST(FakeWire, MidEventCloseEndsTheBodyInsideAnEvent) {
  Started fake(chat_config({entry(R"({"at": "mid_event", "n": 2, "action": "close"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.end, End::Eof);
  EXPECT_FALSE(got.response.terminated);
  EXPECT_FALSE(got.response.bad_chunking);
  const Stream& s = got.stream;
  EXPECT_THAT(s.deltas(), ElementsAre("The", " quick")) << describe(s);
  // The last SSE event has no blank line after it: the body stops inside delta 3.
  EXPECT_FALSE(s.at_boundary);
  EXPECT_FALSE(s.tail.empty());
  EXPECT_THAT(s.tail, StartsWith("data: {"));
  EXPECT_EQ(s.tail.find('\n'), std::string::npos);
  EXPECT_THAT(got.response.body, Not(testing::EndsWith("\n\n")));
  const auto e = only_entry(fake.provider);
  EXPECT_EQ(e.ended, ExchangeEnd::Closed);
  expect_fired_in_order(e);
}

TEST(FakeWire, MidEventStallResumesWithTheRestOfThatEvent) {
  Started fake(chat_config({entry(R"({"at": "mid_event", "n": 2, "action": "stall", "ms": 200})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.stream.deltas(), kWords) << describe(got.stream);
  EXPECT_TRUE(got.stream.has_done());
  EXPECT_EQ(got.stream.count(EventKind::Malformed), 0);
}

// An error_event inside an event: the cut event is closed first, so the client still reads the
// dialect's in-band error as an event of its own (and one malformed event before it).
TEST(FakeWire, MidEventErrorEventStillDeliversTheInBandError) {
  Started fake(chat_config({entry(R"({"at": "mid_event", "n": 2, "action": "error_event"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_TRUE(got.response.terminated);
  EXPECT_EQ(got.stream.count(EventKind::Error), 1) << describe(got.stream);
  EXPECT_THAT(got.stream.deltas(), ElementsAre("The", " quick"));
  EXPECT_FALSE(got.stream.has_done());
  EXPECT_EQ(only_entry(fake.provider).ended, ExchangeEnd::ErrorEvent);
}

TEST(FakeWire, DuplicateEventSendsTheNextEventTwice) {
  Started fake(chat_config({entry(R"({"at": "after_deltas", "n": 2, "action": "duplicate_event"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_THAT(got.stream.deltas(), ElementsAre("The", " quick", " brown", " brown", " fox", " jumps",
                                               " over", " the", " lazy", " dog."));
  EXPECT_TRUE(got.stream.has_done());
  ASSERT_GE(got.stream.sse.size(), 5u);
  EXPECT_EQ(got.stream.sse[3], got.stream.sse[4]);  // byte-identical duplicate
  const auto e = only_entry(fake.provider);
  EXPECT_EQ(e.ended, ExchangeEnd::Completed);
  expect_fired_in_order(e);
}

TEST(FakeWire, MalformedSendsOneInvalidJsonEventThenCarriesOn) {
  Started fake(chat_config({entry(R"({"at": "after_deltas", "n": 2, "action": "malformed"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  const Stream& s = got.stream;
  std::vector<EventKind> expected = {EventKind::Preamble, EventKind::TextDelta,
                                     EventKind::TextDelta, EventKind::Malformed};
  expected.insert(expected.end(), kWords.size() - 2, EventKind::TextDelta);
  expected.insert(expected.end(), {EventKind::Finish, EventKind::End});
  EXPECT_THAT(s.kinds(), ElementsAreArray(expected)) << describe(s);
  EXPECT_EQ(s.text(), kAnswer);
  ASSERT_GE(s.sse.size(), 4u);
  EXPECT_TRUE(json::parse(s.sse[3].data, nullptr, false).is_discarded()) << s.sse[3].data;
  expect_fired_in_order(only_entry(fake.provider));
}

TEST(FakeWire, SlowSpacesEveryEventAfterTheFault) {
  constexpr int64_t kMs = 200;
  Started fake(chat_config({entry(R"({"at": "after_preamble", "action": "slow", "ms": 200})")}, {},
                           "Hello there world"));
  RawClient client(fake.provider.port());
  ASSERT_TRUE(client.connected());
  std::vector<SteadyClock::time_point> arrivals;  // when each complete event was first read
  client.on_read([&](const std::string& bytes) {
    const size_t events = decode_sse(parse_response(bytes).body).sse.size();
    while (arrivals.size() < events) arrivals.push_back(SteadyClock::now());
  });
  const auto sent_at = SteadyClock::now();
  ASSERT_TRUE(client.send_all(http_post(chat_body(true, /*include_usage=*/true))));
  EXPECT_EQ(client.read_to_end(), End::Eof);
  const Stream s = decode_sse(parse_response(client.received()).body);
  // role, 3 deltas, finish, usage, [DONE]
  ASSERT_EQ(s.sse.size(), 7u) << describe(s);
  ASSERT_EQ(arrivals.size(), 7u);
  // The fake waits kMs before each event after the preamble, so event k cannot be read before
  // k * kMs after the request: a lower bound no scheduling delay can break.
  for (size_t k = 1; k < arrivals.size(); ++k)
    EXPECT_GE(ms_between(sent_at, arrivals[k]), static_cast<double>(k * kMs)) << "event " << k;
  // Gap by gap (the pacing is per event, not one delay up front). A late read of the earlier
  // event shortens the measured gap by that lateness, so only half of kMs is demanded here.
  for (size_t k = 1; k < arrivals.size(); ++k)
    EXPECT_GE(ms_between(arrivals[k - 1], arrivals[k]), static_cast<double>(kMs) / 2)
        << "gap before event " << k;
  expect_fired_in_order(only_entry(fake.provider));
}

TEST(FakeWire, DripSplitsEventsIntoTinyChunks) {
  Started fake(chat_config({entry(R"({"at": "after_preamble", "action": "drip", "bytes": 5})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.end, End::Eof);
  const Response& r = got.response;
  EXPECT_TRUE(r.terminated);
  ASSERT_GE(r.chunk_sizes.size(), 2u);
  EXPECT_GT(r.chunk_sizes.front(), 5u);  // the preamble, before the fault, is whole
  const std::vector<size_t> after(r.chunk_sizes.begin() + 1, r.chunk_sizes.end());
  EXPECT_GT(after.size(), 50u);
  EXPECT_TRUE(std::all_of(after.begin(), after.end(), [](size_t n) { return n >= 1 && n <= 5; }))
      << testing::PrintToString(after);
  EXPECT_EQ(got.stream.text(), kAnswer);
  EXPECT_TRUE(got.stream.has_done());
}

TEST(FakeWire, BeforeTerminalCloseSendsAllContentButNoFinish) {
  Started fake(chat_config({entry(R"({"at": "before_terminal", "action": "close"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true, true)));
  EXPECT_EQ(got.end, End::Eof);
  EXPECT_EQ(got.stream.text(), kAnswer);
  EXPECT_EQ(got.stream.count(EventKind::Finish), 0);
  EXPECT_EQ(got.stream.count(EventKind::Usage), 0);
  EXPECT_FALSE(got.stream.has_done());
}

TEST(FakeWire, AfterUsageCloseSendsUsageButNoDone) {
  Started fake(chat_config({entry(R"({"at": "after_usage", "action": "close"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true, true)));
  EXPECT_EQ(got.end, End::Eof);
  EXPECT_EQ(got.stream.count(EventKind::Usage), 1) << describe(got.stream);
  EXPECT_FALSE(got.stream.has_done());
  EXPECT_FALSE(got.response.terminated);
}

TEST(FakeWire, RejectPrefillAnswersA400ForAFinalAssistantMessage) {
  auto config = chat_config();
  config.reject_prefill = true;
  Started fake(config);
  auto got = round_trip(fake.provider.port(),
                        http_post(chat_body(true, false, {{"user", kPrompt}, {"assistant", "The"}})));
  EXPECT_EQ(got.response.status, 400);
  const json body = json::parse(got.response.body);
  EXPECT_THAT(body["error"]["message"].get<std::string>(), HasSubstr("prefill"));
  EXPECT_EQ(only_entry(fake.provider).ended, ExchangeEnd::Rejected);
  // A continuation with an instruction after the partial is not a prefill.
  auto ok = round_trip(fake.provider.port(),
                       http_post(chat_body(true, false, {{"user", kPrompt},
                                                         {"assistant", "The"},
                                                         {"user", "continue"}})));
  EXPECT_EQ(ok.response.status, 200);
  EXPECT_EQ(ok.stream.text(), " quick brown fox jumps over the lazy dog.");
}

TEST(FakeWire, FaultThePositionNeverReachesIsJournaledAsNotFired) {
  Started fake(chat_config({entry(R"({"at": "after_deltas", "n": 50, "action": "reset"})")}));
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.stream.text(), kAnswer);
  EXPECT_TRUE(got.stream.has_done());
  const auto e = only_entry(fake.provider);
  ASSERT_TRUE(e.fault.has_value());
  EXPECT_FALSE(e.fault_fired);  // so a scenario can grade ERROR instead of a false PASS
  EXPECT_EQ(e.ended, ExchangeEnd::Completed);
}

TEST(FakeWire, EventDelayPacesEveryEvent) {
  auto config = chat_config();
  config.event_delay_ms = 30;
  Started fake(config);
  const auto from = SteadyClock::now();
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  // role + 9 deltas + finish + [DONE], each after a 30 ms pause (at least).
  EXPECT_GE(ms_between(from, SteadyClock::now()), 12 * 30.0);
  EXPECT_EQ(got.stream.text(), kAnswer);
  EXPECT_TRUE(got.stream.has_done());
}

TEST(FakeWire, ChunkedRequestBodyIsRead) {
  Started fake(chat_config());
  const std::string body = chat_body(true);
  const std::string half = body.substr(0, body.size() / 2), rest = body.substr(body.size() / 2);
  auto hex = [](size_t n) {
    char text[32];
    std::snprintf(text, sizeof text, "%zx", n);
    return std::string(text);
  };
  const std::string request =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
      hex(half.size()) + "\r\n" + half + "\r\n" + hex(rest.size()) + "\r\n" + rest +
      "\r\n0\r\n\r\n";
  auto got = round_trip(fake.provider.port(), request);
  EXPECT_EQ(got.response.status, 200);
  EXPECT_EQ(got.stream.text(), kAnswer);
  EXPECT_EQ(only_entry(fake.provider).body, body);
}

TEST(FakeWire, OneStalledConnectionDoesNotHoldUpAnother) {
  Started fake(chat_config({entry(R"({"at": "after_preamble", "action": "stall", "ms": 600000})")}));
  RawClient stalled(fake.provider.port());
  ASSERT_TRUE(stalled.connected());
  ASSERT_TRUE(stalled.send_all(http_post(chat_body(true))));
  stalled.read_until(
      [](const std::string& b) { return !decode_sse(parse_response(b).body).sse.empty(); },
      SteadyClock::now() + kGenerous);
  auto got = round_trip(fake.provider.port(), http_post(chat_body(true)));
  EXPECT_EQ(got.stream.text(), kAnswer);
  EXPECT_TRUE(got.stream.has_done());
  const auto entries = fake.provider.journal().entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].ended, ExchangeEnd::Open);
  EXPECT_EQ(entries[1].ended, ExchangeEnd::Completed);
}

TEST(FakeWire, RestartsAfterStop) {
  FakeProvider provider(chat_config());
  provider.start();
  EXPECT_EQ(round_trip(provider.port(), http_post(chat_body(true))).stream.text(), kAnswer);
  provider.stop();
  provider.start();
  EXPECT_EQ(round_trip(provider.port(), http_post(chat_body(true))).stream.text(), kAnswer);
  provider.stop();
  EXPECT_EQ(provider.journal().size(), 2u);
}

TEST(FakeWire, RefuseConnectionsIsEconnrefused) {
  auto config = chat_config();
  config.refuse_connections = true;
  Started fake(config);
  ASSERT_NE(fake.provider.port(), 0);
  RawClient client(fake.provider.port());
  EXPECT_FALSE(client.connected());
  EXPECT_EQ(client.error(), ECONNREFUSED) << std::strerror(client.error());
  EXPECT_EQ(fake.provider.journal().size(), 0u);
}

TEST(FakeWire, StopIsPromptWithAnIdleKeepAliveConnection) {
  Started fake(chat_config());
  RawClient client(fake.provider.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all(http_post(chat_body(false), /*close=*/false)));
  client.read_until([](const std::string& b) { return parse_response(b).complete; },
                    SteadyClock::now() + kGenerous);
  ASSERT_TRUE(parse_response(client.received()).complete);
  const auto from = SteadyClock::now();
  fake.provider.stop();
  EXPECT_LT(ms_between(from, SteadyClock::now()), 1000.0);
}

}  // namespace
}  // namespace midstream::fakes
