#pragma once
// Recorded provider streams (../shared/fixtures, see its SOURCES.md) as the bytes a provider
// sent, for the decoders' tests and for fakes that replay a recording.
#include <string>

namespace midstream::wire {

// `.sse` files are returned unchanged. `.jsonl` files hold one event payload per line; each
// non-empty line is framed as `event: <its "type">` + `data: <the line>` + a blank line.
// Throws ConfigError when the file cannot be read.
std::string read_fixture_stream(const std::string& path);

}  // namespace midstream::wire
