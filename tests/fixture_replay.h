#pragma once
// Replay of the recorded provider streams in tests/fixtures (see its SOURCES.md) as the bytes a
// provider sent: for the decoders' and encoders' tests and the benchmarks, not for midstream
// itself (tests/CMakeLists.txt links it into the wire tests; bench/ compiles it in).
#include <string>
#include <vector>

namespace midstream::fixtures {

// `.sse` files are returned unchanged. `.jsonl` files hold one event payload per line; each
// non-empty line is framed as `event: <its "type">` + `data: <the line>` + a blank line.
// Throws wire::ConfigError when the file cannot be read.
std::string read_fixture_stream(const std::string& path);

// The recorded streams under `root` that midstream can decode: `<dialect>/<name>.sse` or
// `.jsonl` whose folder names a dialect of wire::dialect_from_string, as paths relative to root
// ("anthropic/basic.sse"), sorted. Folders of dialects without a decoder (gemini,
// bedrock-converse, ...) are left out. Empty when root is not a directory.
std::vector<std::string> decodable_fixtures(const std::string& root);

}  // namespace midstream::fixtures
