// openai-responses stream encoding, in the shapes of fixtures/openai-responses: every frame has
// an `event:` line and a sequence_number counted from 0; Finish and Usage are held for the
// terminal response.completed, which is written at End.
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "wire/json_text.h"
#include "wire/openai_responses.h"

namespace midstream::wire::openai_responses {
namespace {

using detail::ordered_json;

class ResponsesEncoder final : public StreamEncoder {
 public:
  ResponsesEncoder(EncoderOptions options, detail::EncodePath path)
      : options_(std::move(options)), path_(path) {
    // Item ids share the response id's suffix, as OpenAI's do.
    base_id_ = options_.id.rfind("resp_", 0) == 0 ? options_.id.substr(5) : options_.id;
  }

  void restart_numbering() override { sequence_ = 0; }

  void encode(const StreamEvent& event, std::string& out) override {
    if (terminated_ && event.kind != EventKind::Malformed) return;
    switch (event.kind) {
      case EventKind::Preamble:
        write_response_event(out, "response.created", shape("in_progress"));
        write_response_event(out, "response.in_progress", shape("in_progress"));
        break;
      case EventKind::TextDelta:
        write_text_delta(out, event.text);
        break;
      case EventKind::ToolDelta:
        write_tool_delta(out, event.tool);
        break;
      case EventKind::Finish:
        finish_reason_ = event.finish_reason;
        break;
      case EventKind::Usage:
        usage_ = event.usage;
        break;
      case EventKind::Error:
        write_failure(out, event.error);
        break;
      case EventKind::Malformed:
        append_sse_frame(out, "", event.text);  // the fakes inject invalid JSON this way
        break;
      case EventKind::End:
        write_completion(out);
        break;
    }
  }

 private:
  // One output item: the assistant message or a function call.
  struct Item {
    std::string id;
    int64_t output_index = 0;
    bool is_message = true;
    bool done = false;
    std::string text;  // message
    ToolDelta call;    // function call, arguments accumulated
    // For the direct path: the fields after a delta's `"delta":"..."` up to the sequence
    // number's value, `,"item_id":"...",...,"sequence_number":` (escaped once per item).
    std::string direct_tail;
  };

  void write_event(std::string& out, const std::string& type, ordered_json fields) {
    ordered_json event;
    event["type"] = type;
    for (auto& [key, value] : fields.items()) event[key] = std::move(value);
    event["sequence_number"] = sequence_++;
    append_sse_frame(out, type, detail::dump_compact(event));
  }

  void write_response_event(std::string& out, const std::string& type, const ResponseShape& s) {
    write_event(out, type, {{"response", response_object(s)}});
  }

  ResponseShape shape(std::string status) const {
    ResponseShape s;
    s.id = options_.id;
    s.model = options_.model;
    s.created_at = options_.created;
    s.status = std::move(status);
    return s;
  }

  ordered_json item_json(const Item& item) const {
    const std::string status = item.done ? "completed" : "in_progress";
    return item.is_message ? message_item(item.id, status, item.text)
                           : function_call_item(item.id, status, item.call);
  }

  Item& open_item(bool is_message, const std::string& prefix) {
    Item item;
    item.output_index = static_cast<int64_t>(items_.size());
    item.id = prefix + base_id_ + "_" + std::to_string(item.output_index);
    item.is_message = is_message;
    items_.push_back(std::move(item));
    return items_.back();
  }

  void write_text_delta(std::string& out, const std::string& text) {
    close_open_tool(out);
    if (message_ == nullptr) {
      message_ = &open_item(true, "msg_");
      write_event(out, "response.output_item.added",
                  {{"item", item_json(*message_)}, {"output_index", message_->output_index}});
      write_event(out, "response.content_part.added",
                  {{"content_index", 0},
                   {"item_id", message_->id},
                   {"output_index", message_->output_index},
                   {"part", output_text_part("")}});
    }
    message_->text += text;
    if (path_ == detail::EncodePath::Direct) {
      write_delta_direct(out, kTextDeltaHead, text, *message_);
      return;
    }
    write_event(out, "response.output_text.delta",
                {{"content_index", 0},
                 {"delta", text},
                 {"item_id", message_->id},
                 {"logprobs", ordered_json::array()},
                 {"output_index", message_->output_index}});
  }

  // The hot path: the frames write_event would dump for response.output_text.delta and
  // response.function_call_arguments.delta, appended directly (wire/json_text.h says why); tests
  // hold the two byte-identical. Each head runs up to the delta string's value.
  static constexpr std::string_view kTextDeltaHead =
      "event: response.output_text.delta\n"
      "data: {\"type\":\"response.output_text.delta\",\"content_index\":0,\"delta\":";
  static constexpr std::string_view kArgumentsDeltaHead =
      "event: response.function_call_arguments.delta\n"
      "data: {\"type\":\"response.function_call_arguments.delta\",\"delta\":";

  void write_delta_direct(std::string& out, std::string_view head, const std::string& delta,
                          Item& item) {
    if (item.direct_tail.empty()) {
      item.direct_tail = ",\"item_id\":";
      detail::append_json_string(item.direct_tail, item.id);
      // Text deltas carry an empty logprobs list between the item id and the output index.
      if (item.is_message) item.direct_tail += ",\"logprobs\":[]";
      item.direct_tail += ",\"output_index\":";
      detail::append_json_int(item.direct_tail, item.output_index);
      item.direct_tail += ",\"sequence_number\":";
    }
    out += head;
    detail::append_json_string(out, delta);
    out += item.direct_tail;
    detail::append_json_int(out, sequence_++);
    out += "}\n\n";
  }

  void close_message(std::string& out) {
    if (message_ == nullptr) return;
    Item& item = *message_;
    message_ = nullptr;
    write_event(out, "response.output_text.done",
                {{"content_index", 0},
                 {"item_id", item.id},
                 {"logprobs", ordered_json::array()},
                 {"output_index", item.output_index},
                 {"text", item.text}});
    write_event(out, "response.content_part.done",
                {{"content_index", 0},
                 {"item_id", item.id},
                 {"output_index", item.output_index},
                 {"part", output_text_part(item.text)}});
    item.done = true;
    write_event(out, "response.output_item.done",
                {{"item", item_json(item)}, {"output_index", item.output_index}});
  }

  void write_tool_delta(std::string& out, const ToolDelta& delta) {
    close_message(out);
    Item* item = nullptr;
    if (const auto it = tools_.find(delta.index); it != tools_.end()) {
      item = &items_[it->second];
    } else {
      close_open_tool(out);
      item = &open_item(false, "fc_");
      item->call = ToolDelta{delta.index, delta.id, delta.name, ""};
      tools_[delta.index] = static_cast<size_t>(item->output_index);
      open_tool_ = item;
      write_event(out, "response.output_item.added",
                  {{"item", item_json(*item)}, {"output_index", item->output_index}});
    }
    if (delta.arguments.empty()) return;
    item->call.arguments += delta.arguments;
    if (path_ == detail::EncodePath::Direct) {
      write_delta_direct(out, kArgumentsDeltaHead, delta.arguments, *item);
      return;
    }
    write_event(out, "response.function_call_arguments.delta",
                {{"delta", delta.arguments},
                 {"item_id", item->id},
                 {"output_index", item->output_index}});
  }

  void close_open_tool(std::string& out) {
    if (open_tool_ == nullptr) return;
    Item& item = *open_tool_;
    open_tool_ = nullptr;
    write_event(out, "response.function_call_arguments.done",
                {{"arguments", item.call.arguments},
                 {"item_id", item.id},
                 {"output_index", item.output_index}});
    item.done = true;
    write_event(out, "response.output_item.done",
                {{"item", item_json(item)}, {"output_index", item.output_index}});
  }

  ordered_json output() const {
    ordered_json list = ordered_json::array();
    for (const Item& item : items_) list.push_back(item_json(item));
    return list;
  }

  void write_completion(std::string& out) {
    close_message(out);
    close_open_tool(out);
    ResponseShape s = shape(status_for_finish(finish_reason_));
    s.incomplete_reason = incomplete_reason_for_finish(finish_reason_);
    s.output = output();
    s.usage = usage_;
    write_response_event(out, s.status == "completed" ? "response.completed"
                                                      : "response.incomplete",
                         s);
    terminated_ = true;
  }

  // An in-band failure: the `error` event, then response.failed; open items stay unfinished.
  void write_failure(std::string& out, const ErrorInfo& error) {
    ordered_json fields;
    fields["type"] = error.type;
    fields["code"] = error.code.empty() ? ordered_json(nullptr) : ordered_json(error.code);
    fields["message"] = error.message;
    fields["param"] = nullptr;
    write_event(out, "error", {{"error", std::move(fields)}});
    ResponseShape s = shape("failed");
    s.output = output();
    s.usage = usage_;
    s.error = error;
    write_response_event(out, "response.failed", s);
    terminated_ = true;
  }

  EncoderOptions options_;
  detail::EncodePath path_;
  std::string base_id_;
  int64_t sequence_ = 0;
  std::deque<Item> items_;  // a deque, so the pointers below survive push_back
  Item* message_ = nullptr;    // the message item receiving text, if open
  Item* open_tool_ = nullptr;  // the function call receiving arguments, if open
  std::map<int, size_t> tools_;  // canonical tool index -> position in items_
  std::string finish_reason_;
  std::optional<Usage> usage_;
  bool terminated_ = false;
};

}  // namespace

std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options) {
  return make_encoder(std::move(options), detail::EncodePath::Direct);
}

std::unique_ptr<StreamEncoder> make_encoder(EncoderOptions options, detail::EncodePath path) {
  return std::make_unique<ResponsesEncoder>(std::move(options), path);
}

}  // namespace midstream::wire::openai_responses
