// openai-responses stream decoding: typed events (`event: TYPE` + JSON with the same "type"),
// no [DONE]; the terminal response.completed|incomplete|failed carries the usage.
#include <map>
#include <utility>

#include "wire/json_fields.h"
#include "wire/openai_error.h"
#include "wire/openai_responses.h"

namespace midstream::wire::openai_responses {
namespace {

using detail::json;

class ResponsesDecoder final : public StreamDecoder {
 public:
  void decode(const SseEvent& event, std::vector<StreamEvent>& out) override {
    json payload;
    if (!detail::parse_event_object(event, payload, out)) return;
    // The payload's own type decides: the `event:` line is optional for a reader.
    std::string type = detail::string_member(payload, "type");
    if (type.empty()) type = event.event;

    if (type == "response.created") {
      const json& response = detail::object_member(payload, "response");
      out.push_back(StreamEvent::preamble(detail::string_member(response, "id"),
                                          detail::string_member(response, "model")));
    } else if (type == "response.output_text.delta") {
      if (std::string text = detail::string_member(payload, "delta"); !text.empty()) {
        out.push_back(StreamEvent::text_delta(std::move(text)));
      }
    } else if (type == "response.output_item.added") {
      const json& item = detail::object_member(payload, "item");
      if (detail::string_member(item, "type") != "function_call") return;
      ToolDelta tool;
      tool.index = tool_index(payload, detail::string_member(item, "id"));
      tool.id = detail::string_member(item, "call_id");
      tool.name = detail::string_member(item, "name");
      tool.arguments = detail::string_member(item, "arguments");
      out.push_back(StreamEvent::tool_delta(std::move(tool)));
    } else if (type == "response.function_call_arguments.delta") {
      ToolDelta tool;
      tool.index = tool_index(payload, detail::string_member(payload, "item_id"));
      tool.arguments = detail::string_member(payload, "delta");
      out.push_back(StreamEvent::tool_delta(std::move(tool)));
    } else if (type == "response.completed" || type == "response.incomplete") {
      const json& response = detail::object_member(payload, "response");
      push_usage(response, out);
      out.push_back(StreamEvent::finish(finish_reason(response)));
      out.push_back(StreamEvent::end());
    } else if (type == "response.failed") {
      const json& response = detail::object_member(payload, "response");
      push_usage(response, out);
      if (!error_seen_) out.push_back(StreamEvent::error_event(response_error(response)));
      out.push_back(StreamEvent::end());
    } else if (type == "error") {
      error_seen_ = true;
      out.push_back(StreamEvent::error_event(error_event(payload)));
    }
    // in_progress, output_item.done, content_part.*, *.done, reasoning events: nothing.
  }

 private:
  // Tool calls are numbered 0, 1, ... in the order they appear, whatever their output_index
  // (reasoning and message items share that numbering).
  int tool_index(const json& payload, const std::string& item_id) {
    if (!item_id.empty()) {
      if (const auto it = tool_by_item_.find(item_id); it != tool_by_item_.end()) return it->second;
    }
    const int64_t output_index = detail::int_member(payload, "output_index", -1);
    if (const auto it = tool_by_output_.find(output_index); it != tool_by_output_.end()) {
      return it->second;
    }
    const int index = next_tool_++;
    if (!item_id.empty()) tool_by_item_[item_id] = index;
    tool_by_output_[output_index] = index;
    return index;
  }

  std::string finish_reason(const json& response) const {
    const std::string reason = finish_reason_of(response);
    // A completed response without its output still ended in a tool call if one streamed.
    if (reason == "stop" && next_tool_ > 0) return "tool_calls";
    return reason;
  }

  static void push_usage(const json& response, std::vector<StreamEvent>& out) {
    if (const json* usage = detail::member(response, "usage")) {
      out.push_back(StreamEvent::usage_report(Usage{detail::count_member(*usage, "input_tokens"),
                                                    detail::count_member(*usage, "output_tokens")}));
    }
  }

  // The `error` event nests its error object in the recordings; the API reference shows the
  // fields at the top level. Both are read.
  static ErrorInfo error_event(const json& payload) {
    if (const json* nested = detail::member(payload, "error"); nested && nested->is_object()) {
      return detail::read_openai_error(*nested);
    }
    ErrorInfo error;
    if (const json* code = detail::member(payload, "code")) error.code = detail::scalar_text(*code);
    error.message = detail::string_member(payload, "message");
    return error;
  }

  // response.error carries a code and a message; the code doubles as the type.
  static ErrorInfo response_error(const json& response) {
    ErrorInfo error = detail::read_openai_error(detail::object_member(response, "error"));
    if (error.type.empty()) error.type = error.code;
    return error;
  }

  bool error_seen_ = false;
  int next_tool_ = 0;
  std::map<std::string, int> tool_by_item_;
  std::map<int64_t, int> tool_by_output_;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_decoder() { return std::make_unique<ResponsesDecoder>(); }

}  // namespace midstream::wire::openai_responses
