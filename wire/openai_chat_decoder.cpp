// openai-chat stream decoding: `data: <chunk>` events ending with `data: [DONE]`.
#include <map>
#include <utility>

#include "wire/json_fields.h"
#include "wire/openai_chat.h"
#include "wire/openai_error.h"

namespace midstream::wire::openai_chat {
namespace {

using detail::json;

class ChatDecoder final : public StreamDecoder {
 public:
  void decode(const SseEvent& event, std::vector<StreamEvent>& out) override {
    if (event.data == "[DONE]") {
      out.push_back(StreamEvent::end());
      return;
    }
    json chunk;
    if (!detail::parse_event_object(event, chunk, out)) return;
    if (chunk.contains("error")) {
      out.push_back(StreamEvent::error_event(detail::read_openai_error(chunk["error"])));
      return;
    }
    if (!started_) {
      started_ = true;
      out.push_back(StreamEvent::preamble(detail::string_member(chunk, "id"),
                                          detail::string_member(chunk, "model")));
    }
    for (const json& choice : detail::array_member(chunk, "choices")) {
      // The canonical model has one answer: further choices (n > 1) are not followed.
      if (detail::int_member(choice, "index", 0) != 0) continue;
      decode_delta(detail::object_member(choice, "delta"), out);
      if (const json* reason = detail::member(choice, "finish_reason"); reason != nullptr) {
        out.push_back(StreamEvent::finish(detail::scalar_text(*reason)));
      }
    }
    if (const json* usage = detail::member(chunk, "usage"); usage != nullptr) {
      out.push_back(StreamEvent::usage_report(
          Usage{detail::count_member(*usage, "prompt_tokens"),
                detail::count_member(*usage, "completion_tokens")}));
    }
  }

 private:
  void decode_delta(const json& delta, std::vector<StreamEvent>& out) {
    if (std::string text = detail::string_member(delta, "content"); !text.empty()) {
      out.push_back(StreamEvent::text_delta(std::move(text)));
    }
    for (const json& call : detail::array_member(delta, "tool_calls")) {
      const json& function = detail::object_member(call, "function");
      ToolDelta tool;
      tool.index = tool_index(detail::int_member(call, "index", 0));
      tool.id = detail::string_member(call, "id");
      tool.name = detail::string_member(function, "name");
      tool.arguments = detail::string_member(function, "arguments");
      out.push_back(StreamEvent::tool_delta(std::move(tool)));
    }
  }

  // The wire's own index keys a call; canonical calls are numbered 0, 1, ... in the order they
  // appear, as in every dialect (a stream that starts at index 5, or at 2^31, is still call 0).
  int tool_index(int64_t wire_index) {
    const auto [it, inserted] = tool_by_index_.try_emplace(wire_index, next_tool_);
    if (inserted) ++next_tool_;
    return it->second;
  }

  bool started_ = false;
  int next_tool_ = 0;
  std::map<int64_t, int> tool_by_index_;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_decoder() { return std::make_unique<ChatDecoder>(); }

}  // namespace midstream::wire::openai_chat
