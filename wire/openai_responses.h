#pragma once
// The openai-responses dialect (POST /v1/responses), internal to wire/: codec.cpp and
// request.cpp dispatch here; the response-object builders are shared by the stream encoder and
// the non-streamed body.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wire/codec.h"
#include "wire/json_text.h"
#include "wire/json_fields.h"
#include "wire/request.h"

namespace midstream::wire::openai_responses {

std::unique_ptr<StreamDecoder> make_decoder();
std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options);
// The same on a chosen path for its frequent frames (wire/json_text.h).
std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options, detail::EncodePath path);

std::string encode_completion(const Completion& completion);
std::optional<Completion> decode_completion(std::string_view body, std::string* error);

std::optional<CanonicalRequest> decode_request(const nlohmann::json& body, RequestError* error);
nlohmann::json encode_request(const CanonicalRequest& request);

// What varies between the response objects of response.created/completed/failed and the body.
struct ResponseShape {
  std::string id;
  std::string model;
  int64_t created_at = 0;
  std::string status;  // in_progress, completed, incomplete, failed
  detail::ordered_json output = detail::ordered_json::array();
  std::optional<Usage> usage;
  std::optional<ErrorInfo> error;     // failed
  std::string incomplete_reason;      // incomplete: max_output_tokens, content_filter
};

detail::ordered_json response_object(const ResponseShape& shape);
detail::ordered_json message_item(const std::string& id, const std::string& status,
                                  const std::string& text);
detail::ordered_json function_call_item(const std::string& id, const std::string& status,
                                        const ToolDelta& call);
detail::ordered_json output_text_part(const std::string& text);

// Canonical finish reason of a terminal response object: "length" or "content_filter" when
// incomplete, "tool_calls" when the output holds a function call, else "stop".
std::string finish_reason_of(const detail::json& response);
// The response status and incomplete reason a canonical finish reason maps to.
std::string status_for_finish(const std::string& finish_reason);
std::string incomplete_reason_for_finish(const std::string& finish_reason);

}  // namespace midstream::wire::openai_responses
