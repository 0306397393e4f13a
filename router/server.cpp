#include "router/server.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

#include <nlohmann/json.hpp>

#include "router/http_front.h"
#include "router/request_limits.h"
#include "router/session.h"
#include "wire/codec.h"
#include "wire/sse.h"

namespace midstream::router {
namespace {

void send_error(httplib::Response& res, int status, const std::string& message,
                const std::string& type, const std::string& code = "") {
  res.status = status;
  res.set_content(openai_error_body(message, type, code), "application/json");
}

// Folds the front's stream bytes back into one non-streamed body.
std::string fold_to_completion(wire::Dialect front, const std::string& stream_bytes) {
  auto decoder = wire::make_decoder(front);
  wire::SseFramer framer;
  std::vector<wire::StreamEvent> events;
  auto sink = [&](const wire::SseEvent& event) { decoder->decode(event, events); };
  framer.feed(stream_bytes, sink);
  framer.finish(sink);
  wire::Completion completion;
  for (const auto& event : events) wire::accumulate(completion, event);
  return wire::encode_completion(front, completion);
}

// A non-streamed answer: the session's stream folded into one body once it ended cleanly.
void answer_folded(wire::Dialect front, Session& session, httplib::Response& res) {
  std::string all = session.take_pending();
  session.run_after_commit([&all](const std::string& bytes) {
    all += bytes;
    return true;
  });
  // The client's answer is not written yet: take only what the upstream already sent.
  session.recycle_upstream(std::chrono::milliseconds(0));
  if (!session.ended_cleanly()) {
    return send_error(res, 502, "Every deployment failed before the answer was complete.",
                      "server_error", "upstream_failed_mid_stream");
  }
  res.set_content(fold_to_completion(front, all), "application/json");
}

// A streamed answer: the rest of the session through a chunked content provider.
void answer_streamed(const std::shared_ptr<Session>& session, httplib::Response& res) {
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream", [session](size_t, httplib::DataSink& sink) {
        session->run_after_commit([&sink](const std::string& bytes) {
          return sink.write(bytes.data(), bytes.size());
        });
        if (session->client_gone()) return false;
        sink.done();
        session->recycle_upstream();
        return true;
      });
}

}  // namespace

RouterServer::RouterServer(RouterConfig config, ServerOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      cooldowns_(config_.settings.cooldown_ms, config_.settings.allowed_fails) {}

RouterServer::~RouterServer() { stop(); }

size_t RouterServer::open_connections() const {
  return server_ ? server_->open_connections() : 0;
}

void RouterServer::install_routes() {
  install_info_routes();
  install_completion_routes();
  install_method_guards();
  install_error_handlers();
}

void RouterServer::install_info_routes() {
  server_->Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  server_->Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json data = nlohmann::json::array();
    std::set<std::string> seen;
    for (const auto& d : config_.model_list)
      if (seen.insert(d.model_name).second)
        data.push_back({{"id", d.model_name}, {"object", "model"}, {"owned_by", "midstream"}});
    res.set_content(nlohmann::json{{"object", "list"}, {"data", data}}.dump(), "application/json");
  });
}

void RouterServer::install_completion_routes() {
  server_->Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    handle_completion(wire::Dialect::OpenAIChat, req, res);
  });
  server_->Post("/v1/responses", [this](const httplib::Request& req, httplib::Response& res) {
    handle_completion(wire::Dialect::OpenAIResponses, req, res);
  });
}

std::optional<wire::CanonicalRequest> RouterServer::read_completion_request(
    wire::Dialect front, const httplib::Request& req, httplib::Response& res) const {
  const std::string content_type = req.get_header_value("Content-Type");
  if (!content_type.empty() && !is_json_media_type(content_type)) {
    send_error(res, 415, "The request body must be JSON (Content-Type: application/json).",
               "invalid_request_error", "unsupported_media_type");
    return std::nullopt;
  }
  auto parsed = parse_request_body(req.body, options_.max_json_depth);
  if (const auto* refusal = std::get_if<BodyRefusal>(&parsed)) {
    send_error(res, 400, refusal->message, "invalid_request_error", refusal->code);
    return std::nullopt;
  }
  wire::RequestError error;
  auto request = wire::decode_request(front, std::get<nlohmann::json>(parsed), &error);
  if (!request) {
    send_error(res, 400,
               "Invalid request" + (error.pointer.empty() ? "" : " at " + error.pointer) + ": " +
                   error.message,
               "invalid_request_error", "invalid_request");
    return std::nullopt;
  }
  if (!config_.has_group(request->model)) {
    send_error(res, 404, "The model '" + request->model + "' does not exist on this router.",
               "invalid_request_error", "model_not_found");
    return std::nullopt;
  }
  return request;
}

void RouterServer::handle_completion(wire::Dialect front, const httplib::Request& req,
                                     httplib::Response& res) {
  auto request = read_completion_request(front, req, res);
  if (!request) return;
  const uint64_t seed = config_.settings.seed + request_counter_.fetch_add(1);
  const bool stream = request->stream;
  const std::string model = request->model;
  auto session = std::make_shared<Session>(
      config_, cooldowns_, front, std::move(*request), &stop_, seed,
      options_.reuse_upstream_connections ? &upstream_pool_ : nullptr);
  auto outcome = session->run_to_commit();
  if (options_.log_requests)
    std::cerr << "router: " << req.path << " model=" << model << " outcome="
              << (outcome == Session::Outcome::Failed ? "failed" : "ok") << "\n";
  if (outcome == Session::Outcome::Failed) {
    res.status = session->error_status();
    res.set_content(session->error_body(), "application/json");
    return;
  }
  if (stream) return answer_streamed(session, res);
  answer_folded(front, *session, res);
}

void RouterServer::install_method_guards() {
  // Another method on a known path is a 405 naming the allowed ones, not an unknown path.
  auto not_allowed = [](std::string allow) {
    return [allow](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", allow);
      send_error(res, 405, req.method + " is not allowed on " + req.path + " (allowed: " + allow + ").",
                 "invalid_request_error", "method_not_allowed");
    };
  };
  auto& server = *server_;
  for (const char* path : {"/v1/chat/completions", "/v1/responses"}) {
    server.Get(path, not_allowed("POST"));
    server.Put(path, not_allowed("POST"));
    server.Patch(path, not_allowed("POST"));
    server.Delete(path, not_allowed("POST"));
    server.Options(path, not_allowed("POST"));
  }
  for (const char* path : {"/health", "/v1/models"}) {
    server.Post(path, not_allowed("GET, HEAD"));
    server.Put(path, not_allowed("GET, HEAD"));
    server.Patch(path, not_allowed("GET, HEAD"));
    server.Delete(path, not_allowed("GET, HEAD"));
    server.Options(path, not_allowed("GET, HEAD"));
  }
}

void RouterServer::install_error_handlers() {
  server_->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    send_error(res, 500, "The router failed: " + what, "server_error");
  });
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    // An error cpp-httplib found itself: the body may be unread, so the connection closes.
    if (res.status != 404) {
      HttpFront::close_after_response();
      res.set_header("Connection", "close");
    }
    const std::string message = res.status == 404   ? "Unknown path."
                                : res.status == 413 ? "The request body is too large."
                                : res.status == 414 ? "The request line is too long."
                                : res.status == 400 ? "The request is not valid HTTP."
                                                    : "The request could not be served.";
    send_error(res, res.status, message, res.status >= 500 ? "server_error" : "invalid_request_error");
  });
}

uint16_t RouterServer::start() {
  if (!options_.allow_non_loopback && !net::is_loopback_host(options_.host))
    throw std::runtime_error("refusing to bind the router to " + options_.host +
                             ": only loopback addresses are allowed unless asked for explicitly");
  stop_ = false;
  server_ = std::make_unique<HttpFront>(options_);
  server_->set_payload_max_length(options_.max_body_bytes);
  server_->set_keep_alive_max_count(kKeepAliveRequests);
  server_->set_keep_alive_timeout(std::max<time_t>(1, options_.idle_timeout_ms / 1000));
  server_->set_tcp_nodelay(true);
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which lets a second router bind
  // a port the first one serves, and the kernel then splits requests between them at random.
  server_->set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  install_routes();
  errno = 0;
  int port = options_.port == 0 ? server_->bind_to_any_port(options_.host)
                                : (server_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port <= 0) {
    const int error = errno;
    throw std::runtime_error("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                             ": " + (error != 0 ? std::strerror(error) : "bind failed") +
                             (error == EADDRINUSE ? " (another program serves that port: choose another "
                                                    "--port, or 0 for a free one)"
                                                  : ""));
  }
  port_ = static_cast<uint16_t>(port);
  server_->widen_backlog(static_cast<int>(std::min<size_t>(options_.max_connections, SOMAXCONN)));
  server_->start_connections();
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // cpp-httplib 0.11.4 ignores a stop() that comes before its loop runs: wait for it.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port_;
}

void RouterServer::stop() {
  stop_ = true;
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  if (server_) server_->stop_connections();
  server_.reset();
}

}  // namespace midstream::router
