// Dispatch from a dialect to its codec, and the dialect-independent fold of events.
#include "wire/codec.h"

#include <utility>

#include "wire/anthropic.h"
#include "wire/openai_chat.h"
#include "wire/openai_error.h"
#include "wire/openai_responses.h"

namespace midstream::wire {

std::unique_ptr<StreamDecoder> make_decoder(Dialect dialect) {
  switch (dialect) {
    case Dialect::OpenAIChat: return openai_chat::make_decoder();
    case Dialect::OpenAIResponses: return openai_responses::make_decoder();
    case Dialect::Anthropic: return anthropic::make_decoder();
    case Dialect::Unknown: break;
  }
  return nullptr;
}

std::unique_ptr<StreamEncoder> make_encoder(Dialect dialect, EncoderOptions options) {
  switch (dialect) {
    case Dialect::OpenAIChat: return openai_chat::make_encoder(std::move(options));
    case Dialect::OpenAIResponses: return openai_responses::make_encoder(std::move(options));
    case Dialect::Anthropic: return anthropic::make_encoder(std::move(options));
    case Dialect::Unknown: break;
  }
  return nullptr;
}

std::string encode_completion(Dialect dialect, const Completion& completion) {
  switch (dialect) {
    case Dialect::OpenAIChat: return openai_chat::encode_completion(completion);
    case Dialect::OpenAIResponses: return openai_responses::encode_completion(completion);
    case Dialect::Anthropic: return anthropic::encode_completion(completion);
    case Dialect::Unknown: break;
  }
  return "";
}

std::optional<Completion> decode_completion(Dialect dialect, std::string_view body,
                                            std::string* error) {
  switch (dialect) {
    case Dialect::OpenAIChat: return openai_chat::decode_completion(body, error);
    case Dialect::OpenAIResponses: return openai_responses::decode_completion(body, error);
    case Dialect::Anthropic: return anthropic::decode_completion(body, error);
    case Dialect::Unknown: break;
  }
  if (error != nullptr) *error = "unknown dialect";
  return std::nullopt;
}

std::vector<StreamEvent> decode_stream(Dialect dialect, std::string_view bytes) {
  std::vector<StreamEvent> events;
  std::unique_ptr<StreamDecoder> decoder = make_decoder(dialect);
  if (!decoder) return events;
  SseFramer framer;
  const SseFramer::Sink sink = [&](const SseEvent& event) { decoder->decode(event, events); };
  framer.feed(bytes, sink);
  framer.finish(sink);
  return events;
}

std::string encode_stream(Dialect dialect, EncoderOptions options,
                          const std::vector<StreamEvent>& events) {
  std::string out;
  std::unique_ptr<StreamEncoder> encoder = make_encoder(dialect, std::move(options));
  if (!encoder) return out;
  for (const StreamEvent& event : events) encoder->encode(event, out);
  return out;
}

std::string encode_error_body(Dialect dialect, const ErrorInfo& error) {
  if (dialect == Dialect::Anthropic) return anthropic::encode_error_body(error);
  return detail::encode_openai_error_body(error);
}

std::optional<ErrorInfo> decode_error_body(Dialect dialect, std::string_view body) {
  if (dialect == Dialect::Anthropic) return anthropic::decode_error_body(body);
  return detail::decode_openai_error_body(body);
}

void accumulate(Completion& completion, const StreamEvent& event) {
  switch (event.kind) {
    case EventKind::Preamble:
      completion.id = event.id;
      completion.model = event.model;
      break;
    case EventKind::TextDelta:
      completion.text += event.text;
      break;
    case EventKind::ToolDelta: {
      for (ToolDelta& call : completion.tool_calls) {
        if (call.index != event.tool.index) continue;
        if (!event.tool.id.empty()) call.id = event.tool.id;
        if (!event.tool.name.empty()) call.name = event.tool.name;
        call.arguments += event.tool.arguments;
        return;
      }
      completion.tool_calls.push_back(event.tool);
      break;
    }
    case EventKind::Usage:
      completion.usage = event.usage;
      break;
    case EventKind::Finish:
      completion.finish_reason = event.finish_reason;
      break;
    case EventKind::Error:
    case EventKind::Malformed:
    case EventKind::End:
      break;
  }
}

}  // namespace midstream::wire
