#pragma once
// The openai-chat dialect (POST /v1/chat/completions), internal to wire/: codec.cpp and
// request.cpp dispatch here.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wire/codec.h"
#include "wire/json_text.h"
#include "wire/request.h"

namespace midstream::wire::openai_chat {

std::unique_ptr<StreamDecoder> make_decoder();
std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options);
// The same on a chosen path for its frequent frames (wire/json_text.h).
std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options, detail::EncodePath path);

std::string encode_completion(const Completion& completion);
std::optional<Completion> decode_completion(std::string_view body, std::string* error);

std::optional<CanonicalRequest> decode_request(const nlohmann::json& body, RequestError* error);
nlohmann::json encode_request(const CanonicalRequest& request);

}  // namespace midstream::wire::openai_chat
