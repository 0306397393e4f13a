#include "bench/bench_data.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "tests/fixture_replay.h"

namespace midstream::bench {
namespace {

std::string fixture_dir() {
  if (const char* env = std::getenv("MIDSTREAM_FIXTURE_DIR"); env && *env) return env;
  return MIDSTREAM_FIXTURE_DIR;
}

// Words of the kind a model streams one per delta: short, with the space in front.
constexpr const char* kWords[] = {" The", " quick", " brown", " fox", " jumps", " over", " the",
                                  " lazy", " dog", ",", " and", " then", " it", " rests", "."};

}  // namespace

const std::vector<FixtureStream>& fixtures() {
  static const std::vector<FixtureStream> all = [] {
    std::vector<FixtureStream> out;
    const std::filesystem::path root(fixture_dir());
    for (const std::string& relative : midstream::fixtures::decodable_fixtures(root.string())) {
      FixtureStream f;
      f.name = relative;
      f.dialect = wire::dialect_from_string(relative.substr(0, relative.find('/')));
      f.bytes = midstream::fixtures::read_fixture_stream((root / relative).string());
      out.push_back(std::move(f));
    }
    if (out.empty()) throw std::runtime_error("no fixtures (.sse, .jsonl) under " + root.string());
    return out;
  }();
  return all;
}

std::string synthetic_text(int deltas) {
  std::string text;
  for (int i = 0; i < deltas; ++i) text += kWords[static_cast<size_t>(i) % std::size(kWords)];
  return text;
}

std::vector<wire::StreamEvent> synthetic_events(int deltas) {
  std::vector<wire::StreamEvent> events;
  events.reserve(static_cast<size_t>(deltas) + 4);
  events.push_back(wire::StreamEvent::preamble("chatcmpl-bench", "bench-model"));
  for (int i = 0; i < deltas; ++i)
    events.push_back(wire::StreamEvent::text_delta(kWords[static_cast<size_t>(i) % std::size(kWords)]));
  events.push_back(wire::StreamEvent::finish("stop"));
  events.push_back(wire::StreamEvent::usage_report({12, deltas}));
  events.push_back(wire::StreamEvent::end());
  return events;
}

std::string synthetic_stream(wire::Dialect dialect, int deltas) {
  wire::EncoderOptions options;
  options.id = "bench";
  options.model = "bench-model";
  options.created = 1'700'000'000;
  options.include_usage = true;
  return wire::encode_stream(dialect, options, synthetic_events(deltas));
}

std::vector<wire::SseEvent> frame_events(const std::string& bytes) {
  std::vector<wire::SseEvent> events;
  wire::SseFramer framer;
  auto sink = [&](const wire::SseEvent& e) { events.push_back(e); };
  framer.feed(bytes, sink);
  framer.finish(sink);
  return events;
}

std::string dialect_name(wire::Dialect dialect) { return std::string(wire::to_string(dialect)); }

const std::vector<wire::Dialect>& all_dialects() {
  static const std::vector<wire::Dialect> all = {
      wire::Dialect::OpenAIChat, wire::Dialect::OpenAIResponses, wire::Dialect::Anthropic};
  return all;
}

}  // namespace midstream::bench
