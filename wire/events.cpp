#include "wire/events.h"

#include <utility>

#include <nlohmann/json.hpp>

namespace midstream::wire {

std::string_view to_string(Dialect dialect) {
  switch (dialect) {
    case Dialect::OpenAIChat: return "openai-chat";
    case Dialect::OpenAIResponses: return "openai-responses";
    case Dialect::Anthropic: return "anthropic";
    case Dialect::Unknown: break;
  }
  return "unknown";
}

Dialect dialect_from_string(std::string_view name) {
  if (name == "openai-chat") return Dialect::OpenAIChat;
  if (name == "openai-responses") return Dialect::OpenAIResponses;
  if (name == "anthropic") return Dialect::Anthropic;
  return Dialect::Unknown;
}

std::string_view request_path(Dialect dialect) {
  switch (dialect) {
    case Dialect::OpenAIChat: return "/v1/chat/completions";
    case Dialect::OpenAIResponses: return "/v1/responses";
    case Dialect::Anthropic: return "/v1/messages";
    case Dialect::Unknown: break;
  }
  return "";
}

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::Preamble: return "preamble";
    case EventKind::TextDelta: return "text_delta";
    case EventKind::ToolDelta: return "tool_delta";
    case EventKind::Usage: return "usage";
    case EventKind::Finish: return "finish";
    case EventKind::Error: return "error";
    case EventKind::Malformed: return "malformed";
    case EventKind::End: return "end";
  }
  return "unknown";
}

std::string describe(const StreamEvent& event) {
  // JSON string quoting keeps control characters and quotes readable on one line.
  const auto quoted = [](const std::string& text) {
    return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string out(to_string(event.kind));
  switch (event.kind) {
    case EventKind::Preamble:
      out += " id=" + quoted(event.id) + " model=" + quoted(event.model);
      if (event.usage != Usage{}) {
        out += " usage " + std::to_string(event.usage.input_tokens) + "/" +
               std::to_string(event.usage.output_tokens);
      }
      break;
    case EventKind::TextDelta:
      out += " " + quoted(event.text);
      break;
    case EventKind::ToolDelta:
      out += " #" + std::to_string(event.tool.index);
      if (!event.tool.id.empty()) out += " id=" + quoted(event.tool.id);
      if (!event.tool.name.empty()) out += " name=" + quoted(event.tool.name);
      out += " args=" + quoted(event.tool.arguments);
      break;
    case EventKind::Usage:
      out += " " + std::to_string(event.usage.input_tokens) + "/" +
             std::to_string(event.usage.output_tokens);
      break;
    case EventKind::Finish:
      out += " " + event.finish_reason;
      break;
    case EventKind::Error:
      out += " type=" + quoted(event.error.type) + " code=" + quoted(event.error.code) +
             " message=" + quoted(event.error.message);
      break;
    case EventKind::Malformed:
      out += " " + quoted(event.text) + " (" + event.error.message + ")";
      break;
    case EventKind::End:
      break;
  }
  return out;
}

StreamEvent StreamEvent::preamble(std::string id, std::string model) {
  StreamEvent event;
  event.kind = EventKind::Preamble;
  event.id = std::move(id);
  event.model = std::move(model);
  return event;
}

StreamEvent StreamEvent::text_delta(std::string text) {
  StreamEvent event;
  event.kind = EventKind::TextDelta;
  event.text = std::move(text);
  return event;
}

StreamEvent StreamEvent::tool_delta(ToolDelta delta) {
  StreamEvent event;
  event.kind = EventKind::ToolDelta;
  event.tool = std::move(delta);
  return event;
}

StreamEvent StreamEvent::usage_report(Usage usage) {
  StreamEvent event;
  event.kind = EventKind::Usage;
  event.usage = usage;
  return event;
}

StreamEvent StreamEvent::finish(std::string reason) {
  StreamEvent event;
  event.kind = EventKind::Finish;
  event.finish_reason = std::move(reason);
  return event;
}

StreamEvent StreamEvent::error_event(ErrorInfo error) {
  StreamEvent event;
  event.kind = EventKind::Error;
  event.error = std::move(error);
  return event;
}

StreamEvent StreamEvent::malformed(std::string raw, std::string why) {
  StreamEvent event;
  event.kind = EventKind::Malformed;
  event.text = std::move(raw);
  event.error.type = "malformed_event";
  event.error.message = std::move(why);
  return event;
}

StreamEvent StreamEvent::end() {
  StreamEvent event;
  event.kind = EventKind::End;
  return event;
}

}  // namespace midstream::wire
