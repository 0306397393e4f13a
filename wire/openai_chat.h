#pragma once
// The openai-chat dialect (POST /v1/chat/completions), internal to wire/: codec.cpp and
// request.cpp dispatch here.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wire/codec.h"
#include "wire/request.h"

namespace midstream::wire::openai_chat {

std::unique_ptr<StreamDecoder> make_decoder();
std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options);

std::string encode_completion(const Completion& completion);
std::optional<Completion> decode_completion(std::string_view body, std::string* error);

std::optional<CanonicalRequest> decode_request(const nlohmann::json& body, RequestError* error);
nlohmann::json encode_request(const CanonicalRequest& request);

}  // namespace midstream::wire::openai_chat
