#pragma once
// JSON text written straight into an output string, for the stream encoders' hot paths (internal
// to wire/). An encoder is called once per text delta; building an ordered_json object for each
// and dumping it costs several times the bytes it writes, so the frequent frames are appended as
// fixed, pre-escaped prefixes and suffixes around the variable strings and numbers. What is
// appended is byte for byte what detail::dump_compact writes for the same values.
#include <cstdint>
#include <string>
#include <string_view>

namespace midstream::wire::detail {

// Appends `text` as a JSON string, quotes included, exactly as dump_compact escapes it
// (nlohmann's dump without ensure_ascii, error_handler replace): `"` and `\` backslashed;
// \b \f \n \r \t by name; other bytes 0x00-0x1f as \u00XX in lowercase hex; `/`, 0x7f and valid
// UTF-8 as they are. Each ill-formed UTF-8 sequence becomes U+FFFD (EF BF BD): a byte that
// cannot start a sequence, a sequence cut short by a byte that cannot continue it (that byte is
// then read afresh), and a sequence left unfinished at the end.
void append_json_string(std::string& out, std::string_view text);

// `text` as a JSON string (append_json_string into an empty string).
std::string json_string(std::string_view text);

// Appends an integer in its JSON spelling (decimal, a leading '-' when negative).
void append_json_int(std::string& out, int64_t value);

// How an encoder writes its frequent frames (text deltas, tool-argument deltas): Direct appends
// them with the functions above; OrderedJson builds and dumps them like every other frame, the
// reference Direct must equal byte for byte (tests/wire_fast_encode_test.cpp compares the two).
enum class EncodePath { Direct, OrderedJson };

}  // namespace midstream::wire::detail

// Each dialect's header (wire/<dialect>.h) declares make_encoder(options, path) beside
// make_encoder(options), which is the Direct one.
