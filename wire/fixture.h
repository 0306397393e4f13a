#pragma once
// Recorded provider streams (tests/fixtures, see its SOURCES.md) as the bytes a provider
// sent, for the decoders' tests and for fakes that replay a recording.
#include <string>
#include <vector>

namespace midstream::wire {

// `.sse` files are returned unchanged. `.jsonl` files hold one event payload per line; each
// non-empty line is framed as `event: <its "type">` + `data: <the line>` + a blank line.
// Throws ConfigError when the file cannot be read.
std::string read_fixture_stream(const std::string& path);

// The recorded streams under `root` that midstream can decode: `<dialect>/<name>.sse` or
// `.jsonl` whose folder names a dialect of dialect_from_string, as paths relative to root
// ("anthropic/basic.sse"), sorted. Folders of dialects without a decoder (gemini,
// bedrock-converse, ...) are left out. Empty when root is not a directory.
std::vector<std::string> decodable_fixtures(const std::string& root);

}  // namespace midstream::wire
