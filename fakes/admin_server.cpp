#include "fakes/admin_server.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <httplib.h>

#include "wire/json_reader.h"

namespace midstream::fakes {
namespace {

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace),
                   "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"error", {{"message", message}, {"type", "invalid_request_error"}}}});
}

}  // namespace

AdminServer::AdminServer(FakeFleet& fleet) : fleet_(fleet) {}

AdminServer::~AdminServer() { stop(); }

uint16_t AdminServer::start(uint16_t port) {
  server_ = std::make_unique<httplib::Server>();
  auto& server = *server_;
  server.Get("/fakes", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& name : fleet_.names()) {
      auto& provider = fleet_.provider(name);
      list.push_back({{"name", name},
                      {"dialect", wire::to_string(provider.dialect())},
                      {"port", provider.port()},
                      {"base_url", provider.base_url()}});
    }
    send_json(res, 200, list);
  });
  server.Get(R"(/fakes/([^/]+)/journal)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    if (!fleet_.has(name)) return send_error(res, 404, "no fake named '" + name + "'");
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& entry : fleet_.provider(name).journal().entries()) entries.push_back(to_json(entry));
    send_json(res, 200, entries);
  });
  server.Delete(R"(/fakes/([^/]+)/journal)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  const std::string name = req.matches[1];
                  if (!fleet_.has(name)) return send_error(res, 404, "no fake named '" + name + "'");
                  fleet_.provider(name).journal().clear();
                  send_json(res, 200, {{"cleared", name}});
                });
  server.Put(R"(/fakes/([^/]+)/script)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    if (!fleet_.has(name)) return send_error(res, 404, "no fake named '" + name + "'");
    try {
      auto body = wire::parse_json_text(req.body, "request body");
      wire::ObjectReader reader(body, "request body", "");
      std::vector<ScriptEntry> script;
      const auto& entries = reader.array("script");
      for (size_t i = 0; i < entries.size(); ++i)
        script.push_back(parse_script_entry(entries[i], "request body",
                                            wire::join_pointer("/script", i)));
      ScriptEntry then;
      if (reader.has("then")) then = parse_script_entry(reader.raw("then"), "request body", "/then");
      reader.finish();
      fleet_.provider(name).set_script(std::move(script), std::move(then));
      send_json(res, 200, {{"script_set", name}});
    } catch (const wire::ConfigError& error) {
      send_error(res, 400, error.what());
    }
  });
  // SO_REUSEADDR only (cpp-httplib's default adds SO_REUSEPORT: two could share the port).
  server.set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  errno = 0;
  int bound = port == 0 ? server.bind_to_any_port("127.0.0.1") : (server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) {
    const int error = errno;
    throw std::runtime_error("admin API: cannot listen on 127.0.0.1:" + std::to_string(port) + ": " +
                             (error != 0 ? std::strerror(error) : "bind failed"));
  }
  thread_ = std::thread([&server] { server.listen_after_bind(); });
  // cpp-httplib 0.11.4 ignores a stop() that comes before its loop runs: wait for it.
  for (int i = 0; i < 5000 && !server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return static_cast<uint16_t>(bound);
}

void AdminServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace midstream::fakes
