// The router's request parsing: a POST body from an untrusted client, turned into the canonical
// request the way router/server.cpp's handler does it (router::parse_request_body: the NUL and
// nesting guards and nlohmann's parse; then wire::decode_request), for the chat and the Responses
// front, then the upstream
// request the router builds from it (router/upstream_attempt.cpp: encode_request(...).dump(),
// which throws on a bad string) in every upstream dialect.
//
// Asserts: no crash, no sanitizer report, no exception; the nesting guard agrees with the parsed
// depth of every body that parses (it lets nothing deeper through, refuses nothing within the
// limit); a request read from one front and written in the same dialect reads back the same
// (model, messages, stream, max_tokens).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/request_limits.h"
#include "wire/request.h"

namespace {

using nlohmann::json;
using midstream::wire::CanonicalRequest;
using midstream::wire::Dialect;

constexpr size_t kMaxJsonDepth = 64;  // ServerOptions::max_json_depth

// Nesting of arrays and objects, without recursion ([] is 1).
size_t depth_of(const json& root) {
  size_t deepest = 0;
  std::vector<std::pair<const json*, size_t>> stack{{&root, 0}};
  while (!stack.empty()) {
    auto [value, depth] = stack.back();
    stack.pop_back();
    if (!value->is_structured()) continue;
    ++depth;
    if (depth > deepest) deepest = depth;
    for (const json& child : *value) stack.emplace_back(&child, depth);
  }
  return deepest;
}

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_router_request: %s\n", what);
  std::abort();
}

void serve(Dialect front, const json& body) {
  midstream::wire::RequestError error;
  std::optional<CanonicalRequest> request = midstream::wire::decode_request(front, body, &error);
  if (!request) {
    // What the router puts in its 400 body.
    const std::string message = "Invalid request" +
                                (error.pointer.empty() ? "" : " at " + error.pointer) + ": " +
                                error.message;
    (void)json{{"error", {{"message", message}}}}.dump(-1, ' ', false,
                                                       json::error_handler_t::replace);
    return;
  }
  (void)midstream::wire::count_tokens(midstream::wire::input_text(*request));

  // Same dialect: what the router reads, written back, reads back the same.
  {
    const json again = json::parse(midstream::wire::encode_request(front, *request).dump());
    midstream::wire::RequestError again_error;
    const auto reread = midstream::wire::decode_request(front, again, &again_error);
    check(reread.has_value(), "a request written back in its own dialect does not read back");
    check(reread->model == request->model && reread->messages == request->messages &&
              reread->stream == request->stream && reread->max_tokens == request->max_tokens,
          "a request written back in its own dialect reads back different");
  }

  for (const Dialect upstream :
       {Dialect::OpenAIChat, Dialect::OpenAIResponses, Dialect::Anthropic}) {
    CanonicalRequest copy = *request;
    copy.model = "upstream-model";
    copy.stream = true;
    copy.include_usage = true;
    copy.disable_fallbacks = false;
    const std::string wire_body = midstream::wire::encode_request(upstream, copy).dump();
    // The fakes and the harness's replay check read it back.
    midstream::wire::RequestError upstream_error;
    (void)midstream::wire::decode_request(upstream, json::parse(wire_body), &upstream_error);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = midstream::router::parse_request_body(text, kMaxJsonDepth);
  // Whatever the router accepts parses, holds no NUL and is within the depth limit; whatever
  // parses cleanly (no NUL) within the limit is accepted.
  const bool has_nul = text.find('\0') != std::string_view::npos;
  const json plain = has_nul ? json(nullptr) : json::parse(text, nullptr, false);
  const bool parses = !has_nul && !plain.is_discarded();
  if (const auto* body_ptr = std::get_if<json>(&parsed)) {
    check(parses && depth_of(*body_ptr) <= kMaxJsonDepth, "the router accepted a body it should refuse");
  } else {
    check(!parses || depth_of(plain) > kMaxJsonDepth, "the router refused a valid body within the limit");
    return 0;  // 400 invalid_json / json_too_deep
  }
  const json& body = std::get<json>(parsed);
  serve(Dialect::OpenAIChat, body);
  serve(Dialect::OpenAIResponses, body);
  return 0;
}
