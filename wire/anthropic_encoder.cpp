// anthropic stream encoding, in the shapes of fixtures/anthropic: `event: TYPE` on every frame;
// a ping after the first content block starts; message_delta (stop reason, cumulative output
// usage) once both Finish and the final Usage are known, or at End.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "wire/anthropic.h"
#include "wire/json_text.h"

namespace midstream::wire::anthropic {
namespace {

using detail::ordered_json;

class AnthropicEncoder final : public StreamEncoder {
 public:
  AnthropicEncoder(EncoderOptions options, detail::EncodePath path)
      : options_(std::move(options)), path_(path) {}

  void encode(const StreamEvent& event, std::string& out) override {
    if (terminated_ && event.kind != EventKind::Malformed) return;
    switch (event.kind) {
      case EventKind::Preamble:
        usage_ = event.usage;
        start_input_tokens_ = event.usage.input_tokens;
        write(out, "message_start",
              {{"message", message_object(options_.id, options_.model, ordered_json::array(), "",
                                          event.usage)}});
        break;
      case EventKind::TextDelta:
        if (!open_block_ || open_block_->is_tool) {
          start_block(out, false, {{"type", "text"}, {"text", ""}});
        }
        if (path_ == detail::EncodePath::Direct) {
          write_delta_direct(out, open_block_->index, kTextDeltaField, event.text);
        } else {
          write_delta(out, open_block_->index, {{"type", "text_delta"}, {"text", event.text}});
        }
        break;
      case EventKind::ToolDelta:
        write_tool_delta(out, event.tool);
        break;
      case EventKind::Finish:
        stop_block(out);
        finish_reason_ = event.finish_reason;
        break;
      case EventKind::Usage:
        usage_ = event.usage;
        // Usage before Finish is message_start's; after it, the final count.
        if (finish_reason_) write_message_delta(out);
        break;
      case EventKind::Error:
        write(out, "error",
              {{"error",
                {{"type", event.error.type.empty() ? "api_error" : event.error.type},
                 {"message", event.error.message}}}});
        terminated_ = true;
        break;
      case EventKind::Malformed:
        append_sse_frame(out, "", event.text);  // the fakes inject invalid JSON this way
        break;
      case EventKind::End:
        stop_block(out);
        write_message_delta(out);
        write(out, "message_stop", ordered_json::object());
        terminated_ = true;
        break;
    }
  }

 private:
  struct Block {
    int64_t index = 0;
    bool is_tool = false;
  };

  void write(std::string& out, const std::string& type, ordered_json fields) {
    ordered_json event;
    event["type"] = type;
    for (auto& [key, value] : fields.items()) event[key] = std::move(value);
    append_sse_frame(out, type, detail::dump_compact(event));
  }

  void write_delta(std::string& out, int64_t index, ordered_json delta) {
    write(out, "content_block_delta", {{"index", index}, {"delta", std::move(delta)}});
  }

  // The hot path: the content_block_delta frames write_delta would dump, appended directly
  // (wire/json_text.h says why); tests hold the two byte-identical. A field runs from the delta's
  // type up to its string's value.
  static constexpr std::string_view kTextDeltaField = "\"type\":\"text_delta\",\"text\":";
  static constexpr std::string_view kArgumentsDeltaField =
      "\"type\":\"input_json_delta\",\"partial_json\":";

  static void write_delta_direct(std::string& out, int64_t index, std::string_view field,
                                 const std::string& value) {
    out += "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":";
    detail::append_json_int(out, index);
    out += ",\"delta\":{";
    out += field;
    detail::append_json_string(out, value);
    out += "}}\n\n";
  }

  void start_block(std::string& out, bool is_tool, ordered_json content_block) {
    stop_block(out);
    open_block_ = Block{next_block_++, is_tool};
    write(out, "content_block_start",
          {{"index", open_block_->index}, {"content_block", std::move(content_block)}});
    if (!pinged_) {
      pinged_ = true;
      write(out, "ping", ordered_json::object());
    }
  }

  void stop_block(std::string& out) {
    if (!open_block_) return;
    write(out, "content_block_stop", {{"index", open_block_->index}});
    open_block_.reset();
  }

  void write_tool_delta(std::string& out, const ToolDelta& tool) {
    auto it = tool_blocks_.find(tool.index);
    if (it == tool_blocks_.end()) {
      start_block(out, true,
                  {{"type", "tool_use"},
                   {"id", tool.id},
                   {"name", tool.name},
                   {"input", ordered_json::object()}});
      it = tool_blocks_.emplace(tool.index, open_block_->index).first;
    }
    if (tool.arguments.empty()) return;
    if (path_ == detail::EncodePath::Direct) {
      write_delta_direct(out, it->second, kArgumentsDeltaField, tool.arguments);
    } else {
      write_delta(out, it->second,
                  {{"type", "input_json_delta"}, {"partial_json", tool.arguments}});
    }
  }

  void write_message_delta(std::string& out) {
    if (delta_written_) return;
    delta_written_ = true;
    // Input tokens are restated only when message_start did not know them (a bridged
    // stream), as current Anthropic message_delta events may do.
    ordered_json usage;
    if (usage_.input_tokens != start_input_tokens_) usage["input_tokens"] = usage_.input_tokens;
    usage["output_tokens"] = usage_.output_tokens;
    write(out, "message_delta",
          {{"delta",
            {{"stop_reason", stop_reason_from_finish(finish_reason_.value_or(""))},
             {"stop_sequence", nullptr}}},
           {"usage", std::move(usage)}});
  }

  EncoderOptions options_;
  detail::EncodePath path_;
  std::optional<Block> open_block_;
  int64_t next_block_ = 0;
  std::map<int, int64_t> tool_blocks_;  // canonical tool index -> content block index
  bool pinged_ = false;
  std::optional<std::string> finish_reason_;
  Usage usage_;
  int64_t start_input_tokens_ = 0;  // what message_start reported
  bool delta_written_ = false;
  bool terminated_ = false;
};

}  // namespace

std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options) {
  return make_encoder(std::move(options), detail::EncodePath::Direct);
}

std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options, detail::EncodePath path) {
  return std::make_unique<AnthropicEncoder>(std::move(options), path);
}

}  // namespace midstream::wire::anthropic
