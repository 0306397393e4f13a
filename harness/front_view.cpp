#include "harness/front_view.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "wire/codec.h"
#include "wire/sse.h"

namespace midstream::harness {
namespace {

void read_error_body(const std::string& body, FrontView& view) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("error") || !json["error"].is_object())
    return;
  const auto& error = json["error"];
  view.error_body_shaped = error.contains("message") && error["message"].is_string() &&
                           error.contains("type") && error["type"].is_string();
  wire::ErrorInfo info;
  if (error.contains("type") && error["type"].is_string()) info.type = error["type"];
  if (error.contains("message") && error["message"].is_string()) info.message = error["message"];
  if (error.contains("code") && error["code"].is_string()) info.code = error["code"];
  view.errors.push_back(info);
}

// Chat-specific wire facts: one id across chunks, the chunk object type.
void inspect_chat_chunk(const std::string& data, FrontView& view) {
  if (data == "[DONE]") return;
  auto json = nlohmann::json::parse(data, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return;
  if (json.contains("error")) return;
  if (json.contains("id") && json["id"].is_string()) view.chunk_ids.insert(json["id"]);
  // Every role chunk is a preamble on the wire, whatever the decoder makes of a second one.
  const auto& choices = json.value("choices", nlohmann::json::array());
  if (choices.is_array() && !choices.empty() && choices[0].is_object() &&
      choices[0].value("delta", nlohmann::json::object()).contains("role"))
    ++view.role_chunks;
  if (json.value("object", "") != "chat.completion.chunk")
    view.shape_problems.push_back("a chunk whose object is not chat.completion.chunk: " + data.substr(0, 120));
}

int64_t output_index_of(const nlohmann::json& json) {
  const auto it = json.find("output_index");
  return it != json.end() && it->is_number_integer() ? it->get<int64_t>() : -1;
}

// A string member, "" when absent or of another type (a router under test may send anything).
std::string string_member(const nlohmann::json& json, const char* key) {
  if (!json.is_object()) return "";
  const auto it = json.find(key);
  return it != json.end() && it->is_string() ? it->get<std::string>() : "";
}

// The item an output_item.added adds, or the one an output_text.delta writes to (kept once).
void note_output_item(const std::string& type, const nlohmann::json& json,
                      FrontView::ResponsesLifecycle& life) {
  using ItemRef = FrontView::ResponsesLifecycle::ItemRef;
  if (type == "response.output_item.added") {
    static const nlohmann::json kNoItem = nlohmann::json::object();
    const auto item = json.find("item");
    const nlohmann::json& added = item != json.end() ? *item : kNoItem;
    life.items_added.push_back(
        {string_member(added, "id"), string_member(added, "type"), output_index_of(json)});
  } else if (type == "response.output_text.delta") {
    ItemRef ref{string_member(json, "item_id"), "", output_index_of(json)};
    auto& refs = life.text_delta_items;
    if (std::find(refs.begin(), refs.end(), ref) == refs.end()) refs.push_back(std::move(ref));
  }
}

// Responses-specific wire facts: event names, sequence numbers, the lifecycle's texts.
void inspect_responses_event(const wire::SseEvent& sse, FrontView& view) {
  auto json = nlohmann::json::parse(sse.data, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return;
  const std::string type = json.value("type", "");
  auto& life = view.responses;
  if (sse.event.empty()) {
    if (life.without_event_line++ == 0) life.first_without_event_line = type;
  } else if (sse.event != type) {
    view.shape_problems.push_back("event line '" + sse.event + "' does not match type '" + type + "'");
  }
  if (json.contains("sequence_number") && json["sequence_number"].is_number_integer())
    life.sequence.push_back(json["sequence_number"].get<int64_t>());
  else
    view.shape_problems.push_back("an event without sequence_number: " + type);
  note_output_item(type, json, life);
  if (type == "response.created") ++life.created;
  if (type == "response.failed") ++life.failed;
  if (type == "response.output_text.done") life.text_done.push_back(json.value("text", ""));
  if (type == "response.completed") {
    ++life.completed;
    std::string text;
    const auto& response = json.value("response", nlohmann::json::object());
    for (const auto& item : response.value("output", nlohmann::json::array())) {
      if (!item.is_object() || item.value("type", "") != "message") continue;
      for (const auto& part : item.value("content", nlohmann::json::array()))
        if (part.is_object() && part.value("type", "") == "output_text") text += part.value("text", "");
    }
    life.completed_text = text;
  }
}

}  // namespace

FrontView read_front(const ClientSpec& spec, const ClientTranscript& t) {
  FrontView view;
  const auto front = front_dialect(spec.front);
  if (t.status != 0 && (t.status < 200 || t.status > 299)) {
    read_error_body(t.body, view);
    return view;
  }
  const auto* type = net::find_header(t.headers, "content-type");
  view.streamed = type && type->find("text/event-stream") != std::string::npos;
  if (!view.streamed) {
    std::string error;
    auto completion = wire::decode_completion(front, t.body, &error);
    if (!completion) {
      if (!t.body.empty()) view.shape_problems.push_back("the body is not a completion: " + error);
      return view;
    }
    view.text = completion->text;
    view.tool_calls = completion->tool_calls;
    view.usage = completion->usage;
    if (!completion->finish_reason.empty()) view.finish_reasons.push_back(completion->finish_reason);
    view.preambles = 1;
    view.terminator = true;
    return view;
  }

  auto decoder = wire::make_decoder(front);
  wire::SseFramer framer;
  size_t arrival = 0;
  size_t fed = 0;
  auto on_event = [&](const wire::SseEvent& sse) {
    ++view.sse_events;
    if (front == wire::Dialect::OpenAIChat) inspect_chat_chunk(sse.data, view);
    else inspect_responses_event(sse, view);
    std::vector<wire::StreamEvent> decoded;
    decoder->decode(sse, decoded);
    for (auto& event : decoded) {
      if (view.terminator) ++view.events_after_terminator;
      switch (event.kind) {
        case wire::EventKind::Preamble: ++view.preambles; break;
        case wire::EventKind::TextDelta: view.text += event.text; break;
        case wire::EventKind::ToolDelta: {
          const auto index = static_cast<size_t>(std::max(0, event.tool.index));
          if (view.tool_calls.size() <= index) view.tool_calls.resize(index + 1);
          auto& call = view.tool_calls[index];
          call.index = static_cast<int>(index);
          if (!event.tool.id.empty()) call.id = event.tool.id;
          if (!event.tool.name.empty()) call.name = event.tool.name;
          call.arguments += event.tool.arguments;
          break;
        }
        case wire::EventKind::Usage: view.usage = event.usage; break;
        case wire::EventKind::Finish: view.finish_reasons.push_back(event.finish_reason); break;
        case wire::EventKind::Error: view.errors.push_back(event.error); break;
        case wire::EventKind::Malformed: ++view.malformed; break;
        case wire::EventKind::End: view.terminator = true; break;
        default: break;
      }
      view.events.push_back(std::move(event));
      view.event_ms.push_back(arrival < t.arrivals.size() ? t.arrivals[arrival].ms : t.ended_ms);
    }
  };
  // Feeds the body read by read, so each event gets the time its last byte arrived.
  for (; arrival < t.arrivals.size(); ++arrival) {
    framer.feed(std::string_view(t.body).substr(fed, t.arrivals[arrival].offset - fed), on_event);
    fed = t.arrivals[arrival].offset;
  }
  if (fed < t.body.size()) framer.feed(std::string_view(t.body).substr(fed), on_event);
  view.preambles = std::max(view.preambles, view.role_chunks);
  if (front == wire::Dialect::OpenAIResponses) {
    // Only response.completed ends a Responses stream cleanly; response.failed is its error.
    view.terminator = view.responses.completed > 0;
    view.preambles = std::max(view.preambles, view.responses.created);
    for (size_t i = 0; i < view.responses.sequence.size(); ++i)
      if (view.responses.sequence[i] != static_cast<int64_t>(i)) {
        view.shape_problems.push_back("sequence_number " + std::to_string(view.responses.sequence[i]) +
                                      " at event " + std::to_string(i) + " (expected " + std::to_string(i) +
                                      ": from 0, without gaps)");
        break;
      }
  }
  if (framer.buffered() > 0)
    view.shape_problems.push_back("the stream ended inside an event (" +
                                  std::to_string(framer.buffered()) + " bytes left unframed)");
  return view;
}

}  // namespace midstream::harness
