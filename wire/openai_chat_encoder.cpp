// openai-chat stream encoding, in the shapes of fixtures/openai-chat/text-with-usage.sse.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "wire/json_fields.h"
#include "wire/json_text.h"
#include "wire/openai_chat.h"
#include "wire/openai_error.h"

namespace midstream::wire::openai_chat {
namespace {

using detail::ordered_json;

class ChatEncoder final : public StreamEncoder {
 public:
  ChatEncoder(EncoderOptions options, detail::EncodePath path)
      : options_(std::move(options)), path_(path) {
    // Every chunk up to its delta object: escaped once, not once per delta.
    direct_head_ = "data: {\"id\":";
    detail::append_json_string(direct_head_, options_.id);
    direct_head_ += ",\"object\":\"chat.completion.chunk\",\"created\":";
    detail::append_json_int(direct_head_, options_.created);
    direct_head_ += ",\"model\":";
    detail::append_json_string(direct_head_, options_.model);
    direct_head_ += ",\"choices\":[{\"index\":0,\"delta\":";
  }

  void encode(const StreamEvent& event, std::string& out) override {
    switch (event.kind) {
      case EventKind::Preamble:
        write_choice(out, {{"role", "assistant"}, {"content", ""}}, nullptr);
        break;
      case EventKind::TextDelta:
        if (path_ == detail::EncodePath::Direct) {
          write_text_direct(out, event.text);
        } else {
          write_choice(out, {{"content", event.text}}, nullptr);
        }
        break;
      case EventKind::ToolDelta:
        if (path_ == detail::EncodePath::Direct) {
          write_tool_direct(out, event.tool);
        } else {
          write_choice(out, {{"tool_calls", ordered_json::array({tool_call(event.tool)})}},
                       nullptr);
        }
        break;
      case EventKind::Finish:
        write_choice(out, ordered_json::object(), event.finish_reason);
        finished_ = true;
        break;
      case EventKind::Usage:
        // Chat reports usage once, after the finish chunk: a usage reported before Finish
        // (Anthropic's message_start, Responses' terminal event) waits for a later one or End.
        held_usage_ = event.usage;
        if (finished_) write_held_usage(out);
        break;
      case EventKind::Error:
        append_sse_frame(out, "",
                         detail::dump_compact({{"error", detail::openai_error_object(event.error)}}));
        break;
      case EventKind::Malformed:
        append_sse_frame(out, "", event.text);  // the fakes inject invalid JSON this way
        break;
      case EventKind::End:
        write_held_usage(out);
        append_sse_frame(out, "", "[DONE]");
        break;
    }
  }

 private:
  // The fields every chunk starts with, in the order OpenAI sends them.
  ordered_json chunk_head() const {
    ordered_json chunk;
    chunk["id"] = options_.id;
    chunk["object"] = "chat.completion.chunk";
    chunk["created"] = options_.created;
    chunk["model"] = options_.model;
    return chunk;
  }

  void write_choice(std::string& out, ordered_json delta, const ordered_json& finish_reason) {
    ordered_json choice;
    choice["index"] = 0;
    choice["delta"] = std::move(delta);
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = finish_reason;
    ordered_json chunk = chunk_head();
    chunk["choices"] = ordered_json::array({std::move(choice)});
    append_sse_frame(out, "", detail::dump_compact(chunk));
  }

  // The hot path: the chunk write_choice would dump for a text or tool delta (finish_reason
  // null), appended directly (wire/json_text.h says why); tests hold the two byte-identical.
  static constexpr std::string_view kDirectTail =
      ",\"logprobs\":null,\"finish_reason\":null}]}\n\n";

  void write_text_direct(std::string& out, const std::string& text) const {
    out += direct_head_;
    out += "{\"content\":";
    detail::append_json_string(out, text);
    out += '}';
    out += kDirectTail;
  }

  void write_tool_direct(std::string& out, const ToolDelta& tool) {
    out += direct_head_;
    out += "{\"tool_calls\":[{\"index\":";
    detail::append_json_int(out, tool.index);
    if (started_tools_.insert(tool.index).second) {
      out += ",\"id\":";
      detail::append_json_string(out, tool.id);
      out += ",\"type\":\"function\",\"function\":{\"name\":";
      detail::append_json_string(out, tool.name);
      out += ",\"arguments\":";
    } else {
      out += ",\"function\":{\"arguments\":";
    }
    detail::append_json_string(out, tool.arguments);
    out += "}}]}";
    out += kDirectTail;
  }

  void write_held_usage(std::string& out) {
    if (!held_usage_) return;
    const Usage usage = *held_usage_;
    held_usage_.reset();
    if (options_.include_usage) write_usage(out, usage);
  }

  void write_usage(std::string& out, const Usage& usage) const {
    ordered_json chunk = chunk_head();
    chunk["choices"] = ordered_json::array();
    chunk["usage"] = {{"prompt_tokens", usage.input_tokens},
                      {"completion_tokens", usage.output_tokens},
                      {"total_tokens", usage.total()}};
    append_sse_frame(out, "", detail::dump_compact(chunk));
  }

  // The first fragment of a call names it; later ones carry only arguments.
  ordered_json tool_call(const ToolDelta& tool) {
    ordered_json call;
    call["index"] = tool.index;
    if (started_tools_.insert(tool.index).second) {
      call["id"] = tool.id;
      call["type"] = "function";
      call["function"] = {{"name", tool.name}, {"arguments", tool.arguments}};
    } else {
      call["function"] = {{"arguments", tool.arguments}};
    }
    return call;
  }

  EncoderOptions options_;
  detail::EncodePath path_;
  std::string direct_head_;  // `data: {"id":...,"choices":[{"index":0,"delta":`
  std::set<int> started_tools_;
  bool finished_ = false;
  std::optional<Usage> held_usage_;
};

}  // namespace

std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options) {
  return make_encoder(std::move(options), detail::EncodePath::Direct);
}

std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options, detail::EncodePath path) {
  return std::make_unique<ChatEncoder>(std::move(options), path);
}

}  // namespace midstream::wire::openai_chat
