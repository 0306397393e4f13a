// Inputs the fuzz targets (fuzz/) found or were written to reach, inlined as bytes: each one
// failed before its fix (undefined behaviour under UBSan and a wrong value without it, or a
// broken documented contract). fuzz/README.md lists them.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "wire/codec.h"
#include "wire/json_reader.h"

namespace midstream::wire {

void PrintTo(const StreamEvent& event, std::ostream* os) { *os << describe(event); }

namespace {

std::vector<StreamEvent> of_kind(const std::vector<StreamEvent>& events, EventKind kind) {
  std::vector<StreamEvent> out;
  for (const StreamEvent& event : events)
    if (event.kind == kind) out.push_back(event);
  return out;
}

// fuzz_decode_openai_chat: a count as a double outside int64's range was converted to int64
// (UBSan: "1e+300 is outside the range of representable values of type 'long'"); without
// UBSan it read as INT64_MIN. An out-of-range count now reads as absent (0).
TEST(WireFuzzRegressions, OutOfRangeFloatCountIsNotConverted) {
  const std::string bytes =
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1e300,\"completion_tokens\":-1e300}}\n\n";
  const auto usage = of_kind(decode_stream(Dialect::OpenAIChat, bytes), EventKind::Usage);
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].usage, (Usage{0, 0}));
}

// The same through int_member's other users: a float index/output_index far out of range.
TEST(WireFuzzRegressions, OutOfRangeFloatIndexIsNotConverted) {
  const std::string anthropic =
      "data: {\"type\":\"content_block_start\",\"index\":-1e300,"
      "\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\"}}\n\n";
  const auto tools = of_kind(decode_stream(Dialect::Anthropic, anthropic), EventKind::ToolDelta);
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0].tool.index, 0);
  const std::string responses =
      "data: {\"type\":\"response.function_call_arguments.delta\",\"output_index\":1e300,"
      "\"delta\":\"{\"}\n\n";
  const auto deltas =
      of_kind(decode_stream(Dialect::OpenAIResponses, responses), EventKind::ToolDelta);
  ASSERT_EQ(deltas.size(), 1u);
  EXPECT_EQ(deltas[0].tool.index, 0);
}

// An unsigned count above INT64_MAX read as a negative count (-1).
TEST(WireFuzzRegressions, UnsignedCountAboveInt64ReadsAsAbsent) {
  const std::string bytes =
      "event: response.completed\n"
      "data: {\"type\":\"response.completed\",\"response\":{\"status\":\"completed\","
      "\"usage\":{\"input_tokens\":18446744073709551615,\"output_tokens\":3}}}\n\n";
  const auto usage = of_kind(decode_stream(Dialect::OpenAIResponses, bytes), EventKind::Usage);
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].usage, (Usage{0, 3}));
}

// fuzz_decode_*: counts near INT64_MAX overflowed Usage::total() (signed overflow, UBSan) when
// the usage was re-encoded for a chat or Responses client. Counts above 2^53 read as absent,
// so totals and the router's sums stay in range.
TEST(WireFuzzRegressions, HugeCountsCannotOverflowTheTotal) {
  const std::string bytes =
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9223372036854775807,"
      "\"completion_tokens\":9007199254740993}}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":-5,\"completion_tokens\":"
      "9007199254740992}}\n\n";
  std::vector<StreamEvent> events = decode_stream(Dialect::OpenAIChat, bytes);
  const auto usage = of_kind(events, EventKind::Usage);
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_EQ(usage[0].usage, (Usage{0, 0}));
  EXPECT_EQ(usage[1].usage, (Usage{0, int64_t{1} << 53}));
  EXPECT_EQ(usage[1].usage.total(), int64_t{1} << 53);
  events.push_back(StreamEvent::finish("stop"));
  events.push_back(StreamEvent::end());
  const std::string chat = encode_stream(Dialect::OpenAIChat, {}, events);
  EXPECT_NE(chat.find("\"total_tokens\":9007199254740992"), std::string::npos) << chat;
}

// fuzz_decode_openai_chat: the chat decoder passed the wire's tool index through, so a stream
// whose first call had index 2147483647 (or 5, or -1) broke the documented numbering (calls are
// 0, 1, ... in the order they appear) and made the harness's front view resize its list of
// calls to 2^31 entries.
TEST(WireFuzzRegressions, ChatToolCallsAreNumberedInOrderOfAppearance) {
  const std::string bytes =
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":2147483647,"
      "\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":-1,"
      "\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"{\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":2147483647,"
      "\"function\":{\"arguments\":\"{}\"}},{\"index\":-1,\"function\":{\"arguments\":\"}\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":4294967296,"
      "\"id\":\"c\",\"function\":{\"name\":\"h\",\"arguments\":\"[]\"}}]}}]}\n\n";
  const auto tools = of_kind(decode_stream(Dialect::OpenAIChat, bytes), EventKind::ToolDelta);
  ASSERT_EQ(tools.size(), 5u);
  EXPECT_EQ(tools[0].tool, (ToolDelta{0, "a", "f", ""}));
  EXPECT_EQ(tools[1].tool, (ToolDelta{1, "b", "g", "{"}));
  EXPECT_EQ(tools[2].tool, (ToolDelta{0, "", "", "{}"}));
  EXPECT_EQ(tools[3].tool, (ToolDelta{1, "", "", "}"}));
  EXPECT_EQ(tools[4].tool, (ToolDelta{2, "c", "h", "[]"}));
}

// nlohmann's parser ends the input at a NUL byte: a config or scenario file `{...}\0<junk>`
// loaded as the JSON before the NUL (found through fuzz_router_request, the same parse).
TEST(WireFuzzRegressions, ConfigTextWithANulByteIsInvalidJson) {
  std::string text = "{\"a\": 1}\n";
  text.push_back('\0');
  text += "[[[ junk";
  try {
    parse_json_text(text, "x.json");
    FAIL() << "loaded";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.expected(), "valid JSON; syntax error at line 2, column 1: a NUL byte");
  }
  EXPECT_EQ(parse_json_text("{\"a\": \"\\u0000\"}", "x.json")["a"], std::string(1, '\0'));
}

// fuzz_scenario_loader: a number too large for a double is nlohmann's out_of_range 406, not a
// parse_error, so it escaped the loader as a non-ConfigError exception (std::terminate in the
// fuzz target; `midstream list` reported no file and pointer).
TEST(WireFuzzRegressions, NumberOverflowInConfigIsAConfigError) {
  try {
    parse_json_text("{\"id\": 1e999}", "x.json");
    FAIL() << "loaded";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.file(), "x.json");
    EXPECT_EQ(error.expected(), "valid JSON; number overflow parsing '1e999'");
  }
}

}  // namespace
}  // namespace midstream::wire
