#pragma once
// Shared pieces of reading request bodies (internal to wire/). Untrusted input: every reader
// reports a RequestError value and returns false, never throws.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "wire/request.h"

namespace midstream::wire::detail {

using nlohmann::json;

// Fills *error (when given) and returns false, so readers can `return fail(...)`.
bool fail(RequestError* error, std::string pointer, std::string message);

// `model`: a required non-empty string.
bool read_model(const json& body, std::string& out, RequestError* error);
// An optional boolean field; `out` is left alone when the field is absent.
bool read_bool(const json& body, const std::string& key, bool& out, RequestError* error);
// An optional integer field; `out` is left alone when the field is absent.
bool read_int(const json& body, const std::string& key, std::optional<int64_t>& out,
              RequestError* error);
// Message content: a string, or an array of parts where "text", "input_text" and "output_text"
// parts contribute their text (concatenated) and other parts (images, files) contribute nothing.
bool read_content(const json& content, const std::string& pointer, std::string& out,
                  RequestError* error);
// Copies every field not in `known` into out.extra, unchanged.
void copy_extra(const json& body, std::initializer_list<std::string_view> known,
                CanonicalRequest& out);
// Writes out.extra's fields into body, without replacing fields body already has.
void merge_extra(const CanonicalRequest& request, json& body);

}  // namespace midstream::wire::detail
