#include "fakes/exchange.h"

#include "fakes/error_defaults.h"
#include "fakes/fake_model.h"
#include "fakes/stream_plan.h"
#include "fakes/stream_playback.h"
#include "wire/codec.h"
#include "wire/request.h"

namespace midstream::fakes {
namespace {

std::string status_response(int status, const std::string& body, const std::string& retry_after,
                            bool keep_alive) {
  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(net::reason_phrase(status)) + "\r\n";
  out += "Content-Type: application/json\r\n";
  if (!retry_after.empty()) out += "Retry-After: " + retry_after + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  out += "\r\n" + body;
  return out;
}

// An error answer that is not a fault (bad request, wrong path, rejected prefill).
bool send_plain_error(Exchange& ex, ExchangeOutput& out, int status, const std::string& message,
                      ExchangeEnd how, bool keep_alive) {
  const std::string body = wire::encode_error_body(
      ex.config.dialect, status_error(ex.config.dialect, status, "", "", message));
  ex.journal.update(ex.entry, [&](JournalEntry& e) {
    e.status = status;
    e.response_bytes = body;
  });
  if (!out.write_raw(status_response(status, body, "", keep_alive))) return false;
  out.finish(how);
  return keep_alive;
}

// Fires a fault that ends or pauses the exchange (reset, close, stall) where it stands. Returns
// true to carry on with the answer.
bool interrupt(ExchangeOutput& out, const FaultSpec& fault) {
  return play_steps(out, interruption_steps(fault)) == Played::CarriedOn;
}

// The status fault: an HTTP error answer with the provider's error body.
bool send_status_fault(Exchange& ex, ExchangeOutput& out, const FaultSpec& fault, bool keep_alive) {
  out.fired();
  const std::string error_body = wire::encode_error_body(
      ex.config.dialect, status_error(ex.config.dialect, fault.status, fault.error_type,
                                      fault.error_code, fault.error_message));
  ex.journal.update(ex.entry, [&](JournalEntry& e) {
    e.status = fault.status;
    e.response_bytes = error_body;
  });
  if (!out.write_raw(status_response(fault.status, error_body, fault.retry_after, keep_alive)))
    return false;
  out.finish(ExchangeEnd::Status);
  return keep_alive;
}

bool answer_whole(Exchange& ex, ExchangeOutput& out, const ModelReply& reply,
                  const std::optional<FaultSpec>& fault, bool keep_alive) {
  const auto& config = ex.config;
  wire::Completion completion;
  completion.id = answer_id(config, ex.entry);
  completion.model = config.model;
  completion.text = reply.text;
  completion.finish_reason = "stop";
  completion.usage = reply.usage;
  if (config.tool_call && !reply.mismatch) {
    completion.finish_reason = "tool_calls";
    completion.tool_calls.push_back(
        {0, config.tool_call->id, config.tool_call->name, config.tool_call->arguments});
  }
  const std::string body = wire::encode_completion(config.dialect, completion);
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n" +
                     (keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n") + "\r\n";
  ex.journal.update(ex.entry, [&](JournalEntry& e) { e.status = 200; });
  // A non-streamed body has no events: any position after the headers cuts the body in half.
  size_t cut = body.size();
  if (fault && fault->position != FaultPosition::OnConnect &&
      fault->position != FaultPosition::BeforeStatus &&
      (fault->action == FaultAction::Reset || fault->action == FaultAction::Close ||
       fault->action == FaultAction::Stall))
    cut = fault->position == FaultPosition::AfterHeaders ? 0 : body.size() / 2;
  if (!out.write_raw(head + body.substr(0, cut))) return false;
  if (cut < body.size()) {
    if (!interrupt(out, *fault)) return false;
    if (!out.write_raw(std::string_view(body).substr(cut))) return false;
  }
  const double written_ms = ex.journal.now_ms();  // not inside update(): it holds the lock
  ex.journal.update(ex.entry, [&](JournalEntry& e) {
    e.text_sent = reply.text;
    e.usage_sent = reply.usage;
    e.usage_trail.push_back({written_ms, reply.usage});
    e.response_bytes = body.substr(0, kResponseCapture);
  });
  out.finish(ExchangeEnd::Completed);
  return keep_alive;
}

}  // namespace

void fire_on_connect(Exchange& exchange, const FaultSpec& fault) {
  ExchangeOutput out(exchange);
  // A stall at on_connect ends with a FIN once it is over: the connection never answers.
  if (interrupt(out, fault)) out.close();
}

bool answer_exchange(Exchange& ex, const net::RequestHead& head, const std::string& body,
                     const ScriptEntry& plan) {
  ExchangeOutput out(ex);
  // HTTP/1.1 keeps the connection unless the client says close; HTTP/1.0 only if it asks.
  const bool keep_alive = !net::header_has_token(head.headers, "connection", "close") &&
                          (head.version != "HTTP/1.0" ||
                           net::header_has_token(head.headers, "connection", "keep-alive"));
  const auto& fault = plan.fault;

  std::string path = head.target.substr(0, head.target.find('?'));
  if (head.method != "POST" || path != wire::request_path(ex.config.dialect))
    return send_plain_error(ex, out, 404,
                            "midstream fake '" + ex.config.name + "' serves POST " +
                                std::string(wire::request_path(ex.config.dialect)) + " only",
                            ExchangeEnd::BadRequest, keep_alive);

  auto json = nlohmann::json::parse(body, nullptr, false);
  wire::RequestError error;
  std::optional<wire::CanonicalRequest> request;
  if (!json.is_discarded())
    request = wire::decode_request(ex.config.dialect, json, &error);
  else
    error.message = "the body is not valid JSON";
  if (!request)
    return send_plain_error(ex, out, 400,
                            "Invalid request" +
                                (error.pointer.empty() ? "" : " at " + error.pointer) + ": " +
                                error.message,
                            ExchangeEnd::BadRequest, keep_alive);
  // What the request is (a continuation, and of which partial) is journaled before any fault
  // fires, so a continuation that meets a fault before its status line still reads as one.
  ModelReply reply = answer_request(*request, ex.config.answer);
  ex.journal.update(ex.entry, [&](JournalEntry& e) {
    e.stream = request->stream;
    e.continuation = reply.continuation;
    e.partial = reply.partial;
    e.mismatch = reply.mismatch;
  });

  if (fault && fault->position == FaultPosition::BeforeStatus) {
    if (fault->action == FaultAction::Status) return send_status_fault(ex, out, *fault, keep_alive);
    if (!interrupt(out, *fault)) return false;
  }

  if (ex.config.dialect == wire::Dialect::Anthropic || ex.config.reject_prefill) {
    auto verdict = check_prefill(*request, ex.config.reject_prefill);
    if (verdict.rejected)
      return send_plain_error(ex, out, 400, verdict.message, ExchangeEnd::Rejected, keep_alive);
  }

  if (ex.config.tool_call && !reply.mismatch)
    reply.usage.output_tokens += wire::count_tokens(ex.config.tool_call->arguments);
  if (!request->stream) return answer_whole(ex, out, reply, fault, keep_alive);
  const StreamPlan stream = plan_stream(ex.config, stream_options(ex.config, *request, ex.entry),
                                        reply, fault, keep_alive);
  return play_stream(ex, out, stream, keep_alive);
}

}  // namespace midstream::fakes
