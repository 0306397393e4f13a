// anthropic stream decoding: message_start (input usage), content_block_*, ping,
// message_delta (stop reason, cumulative usage), message_stop, and in-band `error` events.
#include <map>
#include <utility>

#include "wire/anthropic.h"
#include "wire/json_fields.h"

namespace midstream::wire::anthropic {
namespace {

using detail::json;

class AnthropicDecoder final : public StreamDecoder {
 public:
  void decode(const SseEvent& event, std::vector<StreamEvent>& out) override {
    json payload;
    if (!detail::parse_event_object(event, payload, out)) return;
    std::string type = detail::string_member(payload, "type");
    if (type.empty()) type = event.event;

    if (type == "message_start") {
      const json& message = detail::object_member(payload, "message");
      const json& usage = detail::object_member(message, "usage");
      usage_ = Usage{detail::count_member(usage, "input_tokens"),
                     detail::count_member(usage, "output_tokens")};
      StreamEvent preamble = StreamEvent::preamble(detail::string_member(message, "id"),
                                                   detail::string_member(message, "model"));
      preamble.usage = usage_;
      out.push_back(std::move(preamble));
      out.push_back(StreamEvent::usage_report(usage_));
    } else if (type == "content_block_start") {
      const json& block = detail::object_member(payload, "content_block");
      const std::string block_type = detail::string_member(block, "type");
      if (block_type == "tool_use") {
        ToolDelta tool;
        tool.index = tool_index(detail::int_member(payload, "index"));
        tool.id = detail::string_member(block, "id");
        tool.name = detail::string_member(block, "name");
        out.push_back(StreamEvent::tool_delta(std::move(tool)));
      } else if (block_type == "text") {
        push_text(detail::string_member(block, "text"), out);
      }
    } else if (type == "content_block_delta") {
      const json& delta = detail::object_member(payload, "delta");
      const std::string delta_type = detail::string_member(delta, "type");
      if (delta_type == "text_delta") {
        push_text(detail::string_member(delta, "text"), out);
      } else if (delta_type == "input_json_delta") {
        std::string fragment = detail::string_member(delta, "partial_json");
        if (fragment.empty()) return;  // the first fragment of a tool block is always ""
        ToolDelta tool;
        tool.index = tool_index(detail::int_member(payload, "index"));
        tool.arguments = std::move(fragment);
        out.push_back(StreamEvent::tool_delta(std::move(tool)));
      }
      // thinking_delta and signature_delta are not part of the answer.
    } else if (type == "message_delta") {
      const json& delta = detail::object_member(payload, "delta");
      if (const json* reason = detail::member(delta, "stop_reason"); reason && reason->is_string()) {
        out.push_back(StreamEvent::finish(finish_from_stop_reason(reason->get<std::string>())));
      }
      // Cumulative: input as message_start said unless this event restates it.
      const json& usage = detail::object_member(payload, "usage");
      usage_.input_tokens = detail::count_member(usage, "input_tokens", usage_.input_tokens);
      usage_.output_tokens = detail::count_member(usage, "output_tokens", usage_.output_tokens);
      out.push_back(StreamEvent::usage_report(usage_));
    } else if (type == "message_stop") {
      out.push_back(StreamEvent::end());
    } else if (type == "error") {
      const json& error = detail::object_member(payload, "error");
      ErrorInfo info;
      info.type = detail::string_member(error, "type");
      info.message = detail::string_member(error, "message");
      out.push_back(StreamEvent::error_event(std::move(info)));
    }
    // ping and content_block_stop: nothing.
  }

 private:
  static void push_text(std::string text, std::vector<StreamEvent>& out) {
    if (!text.empty()) out.push_back(StreamEvent::text_delta(std::move(text)));
  }

  // Content blocks are numbered across text and tools; tool calls are numbered 0, 1, ...
  int tool_index(int64_t block_index) {
    const auto [it, inserted] = tool_by_block_.try_emplace(block_index, next_tool_);
    if (inserted) ++next_tool_;
    return it->second;
  }

  Usage usage_;
  int next_tool_ = 0;
  std::map<int64_t, int> tool_by_block_;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_decoder() { return std::make_unique<AnthropicDecoder>(); }

}  // namespace midstream::wire::anthropic
