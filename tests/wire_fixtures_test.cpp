// Every recorded stream in fixtures/: decoded without a Malformed event, terminated the way its
// dialect terminates, re-encoded by its own dialect to the same events, and bridged to every
// other dialect with the same text, tool calls, finish reason and usage.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "tests/fixture_replay.h"
#include "wire/codec.h"

namespace midstream::wire {

using fixtures::decodable_fixtures;
using fixtures::read_fixture_stream;

void PrintTo(const StreamEvent& event, std::ostream* os) { *os << describe(event); }

namespace {

namespace fs = std::filesystem;

// Empty when the directory is missing (FixtureDirectory fails then).
std::vector<std::string> fixture_paths() { return decodable_fixtures(MIDSTREAM_FIXTURE_DIR); }

TEST(FixtureDirectory, HoldsTheRecordedStreams) {
  ASSERT_TRUE(fs::is_directory(MIDSTREAM_FIXTURE_DIR))
      << MIDSTREAM_FIXTURE_DIR << " is missing: the recorded provider streams live in tests/fixtures";
  EXPECT_GE(fixture_paths().size(), 13u);
}

// The upstream fixture is a fragment of a longer stream: one error event, nothing around it.
bool is_fragment(const std::string& path) {
  return path == "openai-responses/error-event-null-code.jsonl";
}

Completion fold(const std::vector<StreamEvent>& events) {
  Completion completion;
  for (const StreamEvent& event : events) accumulate(completion, event);
  return completion;
}

size_t count(const std::vector<StreamEvent>& events, EventKind kind) {
  return static_cast<size_t>(std::count_if(
      events.begin(), events.end(), [kind](const StreamEvent& event) { return event.kind == kind; }));
}

class Fixture : public testing::TestWithParam<std::string> {
 protected:
  Dialect dialect() const {
    return dialect_from_string(GetParam().substr(0, GetParam().find('/')));
  }
  std::vector<StreamEvent> decoded() const {
    return decode_stream(dialect(), read_fixture_stream(std::string(MIDSTREAM_FIXTURE_DIR) + "/" +
                                                        GetParam()));
  }
};

TEST(Fixtures, AllThirteenAreFound) { EXPECT_EQ(fixture_paths().size(), 13u); }

TEST_P(Fixture, DecodesCleanlyAndEndsWithTheTerminator) {
  ASSERT_NE(dialect(), Dialect::Unknown);
  const std::vector<StreamEvent> events = decoded();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(count(events, EventKind::Malformed), 0u);
  if (is_fragment(GetParam())) {
    EXPECT_EQ(events.back().kind, EventKind::Error);
    return;
  }
  EXPECT_EQ(events.front().kind, EventKind::Preamble);
  EXPECT_FALSE(events.front().id.empty());
  EXPECT_FALSE(events.front().model.empty());
  EXPECT_EQ(count(events, EventKind::Preamble), 1u);
  EXPECT_EQ(count(events, EventKind::End), 1u);
  EXPECT_EQ(events.back().kind, EventKind::End);
  // A stream ends either finished or failed, never both.
  EXPECT_EQ(count(events, EventKind::Finish) + count(events, EventKind::Error), 1u);
}

TEST_P(Fixture, OwnDialectReencodesToTheSameEvents) {
  if (is_fragment(GetParam())) GTEST_SKIP() << "no preamble to re-encode";
  const std::vector<StreamEvent> events = decoded();
  EncoderOptions options;
  options.id = events.front().id;
  options.model = events.front().model;
  const std::string bytes = encode_stream(dialect(), options, events);
  EXPECT_EQ(decode_stream(dialect(), bytes), events);
}

TEST_P(Fixture, BridgesToEveryDialect) {
  const std::vector<StreamEvent> events = decoded();
  const Completion upstream = fold(events);
  for (const Dialect front : {Dialect::OpenAIChat, Dialect::OpenAIResponses, Dialect::Anthropic}) {
    SCOPED_TRACE(std::string(to_string(front)));
    EncoderOptions options;
    options.id = "bridge-id";
    options.model = "bridge-model";
    const std::vector<StreamEvent> client =
        decode_stream(front, encode_stream(front, options, events));
    EXPECT_EQ(count(client, EventKind::Malformed), 0u);
    const Completion seen = fold(client);
    EXPECT_EQ(seen.text, upstream.text);
    EXPECT_EQ(seen.tool_calls, upstream.tool_calls);
    EXPECT_EQ(seen.finish_reason, upstream.finish_reason);
    if (count(events, EventKind::Error) == 0) {
      EXPECT_EQ(seen.usage, upstream.usage);
      EXPECT_EQ(client.back().kind, EventKind::End);
    } else {
      EXPECT_EQ(count(client, EventKind::Error), 1u);
      EXPECT_EQ(count(client, EventKind::Finish), 0u);
    }
  }
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Fixture);  // FixtureDirectory reports why
INSTANTIATE_TEST_SUITE_P(All, Fixture, testing::ValuesIn(fixture_paths()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           std::string name;
                           for (const char c : param.param) {
                             name.push_back(std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_');
                           }
                           return name;
                         });

}  // namespace
}  // namespace midstream::wire
