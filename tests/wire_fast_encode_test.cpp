// The encoders' direct hot path (wire/json_text.h) against the ordered_json path it replaced:
// the JSON string escaper and integer spelling against nlohmann's dump with dump_compact's
// options, then whole streams encoded both ways, byte for byte: every recorded fixture in every
// dialect, and streams of adversarial text, ids and indices.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/fixture_replay.h"
#include "wire/anthropic.h"
#include "wire/codec.h"
#include "wire/json_fields.h"
#include "wire/json_text.h"
#include "wire/openai_chat.h"
#include "wire/openai_responses.h"

namespace midstream::wire {

using fixtures::decodable_fixtures;
using fixtures::read_fixture_stream;

namespace {

namespace fs = std::filesystem;
using detail::EncodePath;
using detail::ordered_json;

// What the ordered_json path writes for a string value.
std::string dumped(const std::string& text) { return detail::dump_compact(ordered_json(text)); }

// Checks one string and reports it as hex on a mismatch (most of them are not printable).
void expect_escaped_like_dump(const std::string& text) {
  const std::string want = dumped(text);
  const std::string got = detail::json_string(text);
  if (got == want) return;
  std::string hex;
  for (const char c : text) {
    static constexpr char kHex[] = "0123456789abcdef";
    const auto b = static_cast<unsigned char>(c);
    hex += kHex[b >> 4];
    hex += kHex[b & 0xF];
    hex += ' ';
  }
  ADD_FAILURE() << "input bytes: " << hex << "\n dump: " << want << "\n direct: " << got;
}

TEST(WireJsonText, EverySingleByte) {
  for (int b = 0; b < 256; ++b) expect_escaped_like_dump(std::string(1, static_cast<char>(b)));
}

TEST(WireJsonText, EveryPairOfBytes) {
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; ++b) {
      const char pair[] = {static_cast<char>(a), static_cast<char>(b)};
      expect_escaped_like_dump(std::string(pair, 2));
      if (HasFailure()) return;  // one report, not thousands
    }
}

// Every UTF-8 boundary byte and some ASCII, in all sequences of three and four: leads cut short,
// continuation ranges just inside and outside each lead's, surrogates, overlongs, past U+10FFFF.
TEST(WireJsonText, EverySequenceOfBoundaryBytes) {
  const std::vector<unsigned char> alphabet = {
      0x00, 0x0a, 0x1f, '"', '/', '\\', 'a', 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
      0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4,
      0xf5, 0xff};
  const size_t n = alphabet.size();
  std::string text;
  for (size_t length : {3u, 4u}) {
    size_t combinations = 1;
    for (size_t i = 0; i < length; ++i) combinations *= n;
    for (size_t k = 0; k < combinations; ++k) {
      text.clear();
      for (size_t i = 0, rest = k; i < length; ++i, rest /= n) {
        text.push_back(static_cast<char>(alphabet[rest % n]));
      }
      expect_escaped_like_dump(text);
      if (HasFailure()) return;
    }
  }
}

std::vector<std::string> adversarial_strings() {
  std::vector<std::string> strings = {
      "",
      "plain ascii",
      "\"quoted\" and \\backslashed\\ and /slashed/ and </script>",
      "\x7f del",
      "line\nbreak\r\ncrlf\ttab\bback\fform",
      "\xe2\x80\xa8 U+2028 \xe2\x80\xa9 U+2029",
      "emoji \xf0\x9f\x98\x80 and \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb",
      "\xf4\x8f\xbf\xbf max code point, \xef\xbf\xbf U+FFFF, \xef\xbf\xbd U+FFFD",
      "caf\xc3\xa9 na\xc3\xafve \xe4\xb8\xad\xe6\x96\x87",
      "\xff\xfe invalid leads",
      "\xc3 cut two-byte",
      "\xe2\x82 cut three-byte",
      "\xf0\x9f\x98 cut four-byte",
      "ends cut \xf0\x9f\x98",
      "ends cut \xe2",
      "\xed\xa0\x80 surrogate \xed\xbf\xbf",
      "\xc0\xaf overlong slash \xe0\x80\xaf \xf0\x80\x80\xaf",
      "\xf4\x90\x80\x80 past U+10FFFF",
      "\x80\x80\x80 stray continuations",
      "\xe2\x28\xa1 broken by ascii",
      std::string("nul \0 inside", 12),
  };
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  controls.push_back('\x7f');
  strings.push_back(controls);
  // nlohmann escapes through a 512-byte buffer: put invalid sequences across its edges.
  for (size_t pad = 500; pad < 520; ++pad) {
    strings.push_back(std::string(pad, 'x') + "\xe2\x82" + "tail");
    strings.push_back(std::string(pad, 'x') + "\x01\xf0\x9f\x98\x80\x1f" + "tail");
    strings.push_back(std::string(pad, '"') + "\xf0\x9f\x98");
  }
  // Long: a megabyte of mixed text with a bad byte every so often.
  std::string longer;
  while (longer.size() < (1u << 20)) longer += "Hello \"world\" \xe2\x80\xa8\x01\xf0\x9f\x98\x80\\/ \xc3";
  strings.push_back(longer);
  strings.push_back(std::string(1u << 20, 'a'));
  return strings;
}

TEST(WireJsonText, AdversarialStrings) {
  for (const std::string& text : adversarial_strings()) expect_escaped_like_dump(text);
}

TEST(WireJsonText, RandomBytes) {
  std::mt19937 random(20240607);  // fixed: the same strings every run
  // Mostly high bytes and controls, where the escaper decides something.
  const std::vector<unsigned char> common = {'a', ' ', '"', '\\', '/', 0x00, 0x1f, 0x7f};
  std::string text;
  for (int round = 0; round < 200'000; ++round) {
    text.clear();
    const size_t length = static_cast<size_t>(random() % 24);
    for (size_t i = 0; i < length; ++i) {
      const auto r = static_cast<uint32_t>(random());
      text.push_back(static_cast<char>(r % 3 == 0 ? common[(r >> 8) % common.size()]
                                                  : 0x80 + ((r >> 8) % 0x80)));
    }
    expect_escaped_like_dump(text);
    if (HasFailure()) return;
  }
}

TEST(WireJsonText, IntegersAtTheirBoundaries) {
  for (const int64_t n : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{9}, int64_t{10}, int64_t{-10},
                          int64_t{INT32_MAX}, int64_t{INT32_MIN}, int64_t{INT32_MAX} + 1,
                          int64_t{INT32_MIN} - 1, int64_t{1} << 53, INT64_MAX, INT64_MIN,
                          INT64_MAX - 1, INT64_MIN + 1}) {
    std::string got;
    detail::append_json_int(got, n);
    EXPECT_EQ(got, detail::dump_compact(ordered_json(n))) << n;
  }
}

// --- Whole streams -------------------------------------------------------------------------

std::unique_ptr<StreamEncoder> reference_encoder(Dialect dialect, EncoderOptions options) {
  switch (dialect) {
    case Dialect::OpenAIChat: return openai_chat::make_encoder(std::move(options), EncodePath::OrderedJson);
    case Dialect::OpenAIResponses:
      return openai_responses::make_encoder(std::move(options), EncodePath::OrderedJson);
    case Dialect::Anthropic: return anthropic::make_encoder(std::move(options), EncodePath::OrderedJson);
    case Dialect::Unknown: break;
  }
  return nullptr;
}

constexpr Dialect kDialects[] = {Dialect::OpenAIChat, Dialect::OpenAIResponses, Dialect::Anthropic};

// Encodes `events` with the public encoder (the direct path) and the ordered_json one, event by
// event, and fails at the first event whose bytes differ. `restart_at` calls restart_numbering
// on both before that event (the sequence-restart defect).
void expect_same_bytes(Dialect dialect, const EncoderOptions& options,
                       const std::vector<StreamEvent>& events, size_t restart_at = SIZE_MAX) {
  SCOPED_TRACE(std::string(to_string(dialect)));
  std::unique_ptr<StreamEncoder> direct = make_encoder(dialect, options);
  std::unique_ptr<StreamEncoder> reference = reference_encoder(dialect, options);
  ASSERT_TRUE(direct && reference);
  std::string direct_bytes;
  std::string reference_bytes;
  for (size_t i = 0; i < events.size(); ++i) {
    if (i == restart_at) {
      direct->restart_numbering();
      reference->restart_numbering();
    }
    // Only this event's bytes: everything before them already matched.
    direct_bytes.clear();
    reference_bytes.clear();
    direct->encode(events[i], direct_bytes);
    reference->encode(events[i], reference_bytes);
    ASSERT_EQ(direct_bytes, reference_bytes) << "event " << i << " (" << describe(events[i]) << ")";
  }
}

std::vector<std::string> fixture_paths() {
  std::vector<std::string> paths;
  for (const std::string& relative : decodable_fixtures(MIDSTREAM_FIXTURE_DIR))
    paths.push_back((fs::path(MIDSTREAM_FIXTURE_DIR) / relative).string());
  return paths;
}

TEST(WireFastEncode, EveryFixtureInEveryDialect) {
  const std::vector<std::string> paths = fixture_paths();
  ASSERT_GE(paths.size(), 13u) << "fixtures missing under " << MIDSTREAM_FIXTURE_DIR;
  size_t content_events = 0;
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    const std::string relative = fs::relative(path, MIDSTREAM_FIXTURE_DIR).generic_string();
    const Dialect source = dialect_from_string(relative.substr(0, relative.find('/')));
    ASSERT_NE(source, Dialect::Unknown);
    const std::vector<StreamEvent> events = decode_stream(source, read_fixture_stream(path));
    content_events += static_cast<size_t>(
        std::count_if(events.begin(), events.end(), [](const StreamEvent& e) { return e.is_content(); }));
    for (const Dialect front : kDialects) {
      for (const bool include_usage : {true, false}) {
        EncoderOptions options;
        options.id = events.empty() || events.front().id.empty() ? "resp_fixture" : events.front().id;
        options.model = events.empty() ? "model" : events.front().model;
        options.created = 1'700'000'000;
        options.include_usage = include_usage;
        expect_same_bytes(front, options, events);
        expect_same_bytes(front, options, events, events.size() / 2);
      }
    }
  }
  EXPECT_GT(content_events, 10u);  // the fixtures do exercise the direct frames
}

std::vector<EncoderOptions> adversarial_options() {
  std::vector<EncoderOptions> all;
  const std::vector<std::pair<std::string, std::string>> names = {
      {"chatcmpl-abc", "gpt-4o"},
      {"resp_abc123", "gpt-4.1-mini"},
      {"resp_", ""},
      {"", ""},
      {"id \"with\" \\ quotes/\x01\x1f\x7f", "model \xe2\x80\xa8 \xf0\x9f\x98\x80"},
      {"resp_\xff\xc3 bad utf8", "cut \xe2\x82"},
  };
  const std::vector<int64_t> created = {0, 1'700'000'000, -1, INT64_MAX, INT64_MIN};
  // Each name and each time at least once (every pair would be slow for nothing: they are
  // escaped and spelled independently).
  for (size_t i = 0; i < std::max(names.size(), created.size()); ++i) {
    EncoderOptions options;
    options.id = names[i % names.size()].first;
    options.model = names[i % names.size()].second;
    options.created = created[i % created.size()];
    options.include_usage = i % 2 == 0;
    all.push_back(options);
  }
  return all;
}

// Text and tool deltas in every arrangement the encoders treat differently: text before and
// after tools (a new Responses message, a new Anthropic block), tools interleaved and repeated,
// empty arguments (no delta frame), indices at int's ends.
std::vector<StreamEvent> adversarial_stream() {
  const std::vector<std::string> strings = adversarial_strings();
  std::vector<StreamEvent> events;
  events.push_back(StreamEvent::preamble("upstream-id", "upstream-model"));
  for (const std::string& text : strings) events.push_back(StreamEvent::text_delta(text));
  const int indices[] = {0, 1, 0, INT_MAX, -1, INT_MIN, 1, INT_MAX};
  size_t s = 0;
  for (const int index : indices) {
    const std::string& a = strings[s++ % strings.size()];
    const std::string& b = strings[s++ % strings.size()];
    events.push_back(StreamEvent::tool_delta(ToolDelta{index, a, b, b}));
    events.push_back(StreamEvent::tool_delta(ToolDelta{index, "", "", ""}));
    events.push_back(StreamEvent::tool_delta(ToolDelta{index, "", "", a}));
    if (s % 3 == 0) events.push_back(StreamEvent::text_delta(a));
  }
  for (const std::string& text : strings) events.push_back(StreamEvent::text_delta(text));
  events.push_back(StreamEvent::finish("tool_calls"));
  events.push_back(StreamEvent::usage_report(Usage{12, 34}));
  events.push_back(StreamEvent::end());
  return events;
}

TEST(WireFastEncode, AdversarialStreams) {
  const std::vector<StreamEvent> events = adversarial_stream();
  for (const EncoderOptions& options : adversarial_options()) {
    for (const Dialect front : kDialects) expect_same_bytes(front, options, events, events.size() / 3);
    if (HasFatalFailure()) return;
  }
}

// Sequence numbers and block indices through every digit-count boundary up to five digits:
// 12,000 deltas, a new tool call every tenth (each a new Anthropic block and Responses item).
TEST(WireFastEncode, LongStreamsCrossDigitBoundaries) {
  std::vector<StreamEvent> events;
  events.push_back(StreamEvent::preamble("resp_long", "model"));
  for (int i = 0; i < 12'000; ++i) {
    if (i % 10 == 9) {
      events.push_back(StreamEvent::tool_delta(ToolDelta{i, "call_" + std::to_string(i), "f", "{"}));
      events.push_back(StreamEvent::tool_delta(ToolDelta{i, "", "", "}"}));
    } else {
      events.push_back(StreamEvent::text_delta("delta " + std::to_string(i)));
    }
  }
  events.push_back(StreamEvent::finish("stop"));
  events.push_back(StreamEvent::usage_report(Usage{1, 12'000}));
  events.push_back(StreamEvent::end());
  EncoderOptions options;
  options.id = "resp_long";
  options.model = "model";
  options.created = 1'700'000'000;
  for (const Dialect front : kDialects) expect_same_bytes(front, options, events);
}

// Events after a terminal event and a Malformed one in between still agree (both paths drop or
// pass them the same way).
TEST(WireFastEncode, EventsAroundErrorsAndTermination) {
  const std::vector<StreamEvent> events = {
      StreamEvent::text_delta("before the preamble"),
      StreamEvent::preamble("resp_x", "m"),
      StreamEvent::text_delta("a"),
      StreamEvent::malformed("{not json", "invalid JSON"),
      StreamEvent::tool_delta(ToolDelta{0, "call", "fn", ""}),
      StreamEvent::text_delta("b"),
      StreamEvent::error_event(ErrorInfo{"server_error", "", "boom \"\x01\"", 0}),
      StreamEvent::text_delta("after the error"),
      StreamEvent::tool_delta(ToolDelta{0, "", "", "{}"}),
      StreamEvent::end(),
      StreamEvent::text_delta("after the end"),
  };
  EncoderOptions options;
  options.id = "resp_x";
  options.model = "m";
  for (const Dialect front : kDialects) expect_same_bytes(front, options, events);
}

}  // namespace
}  // namespace midstream::wire
