#pragma once
// The anthropic dialect (POST /v1/messages), internal to wire/: codec.cpp and request.cpp
// dispatch here.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wire/codec.h"
#include "wire/json_text.h"
#include "wire/json_fields.h"
#include "wire/request.h"

namespace midstream::wire::anthropic {

std::unique_ptr<StreamDecoder> make_decoder();
std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options);
// The same on a chosen path for its frequent frames (wire/json_text.h).
std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options, detail::EncodePath path);

std::string encode_completion(const Completion& completion);
std::optional<Completion> decode_completion(std::string_view body, std::string* error);

// {"type":"error","error":{"type","message"}}
std::string encode_error_body(const ErrorInfo& error);
std::optional<ErrorInfo> decode_error_body(std::string_view body);

std::optional<CanonicalRequest> decode_request(const nlohmann::json& body, RequestError* error);
nlohmann::json encode_request(const CanonicalRequest& request);

// stop_reason <-> canonical finish reason: end_turn/stop_sequence/pause_turn -> stop,
// max_tokens -> length, tool_use -> tool_calls, refusal -> content_filter.
std::string finish_from_stop_reason(const std::string& stop_reason);
std::string stop_reason_from_finish(const std::string& finish_reason);

// The message object of message_start and of a non-streamed answer; an empty stop reason is
// written as null.
detail::ordered_json message_object(const std::string& id, const std::string& model,
                                    detail::ordered_json content, const std::string& stop_reason,
                                    const Usage& usage);

}  // namespace midstream::wire::anthropic
