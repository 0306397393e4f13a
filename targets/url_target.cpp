// The `url` target: a router the user started and configured, at a loopback URL. midstream
// cannot configure it, so the fakes listen on fixed ports (the user's deployments point at them,
// see deployment_sheet) and scenarios run one at a time.
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "targets/registry.h"
#include "net/socket.h"

namespace midstream::targets {
namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

class UrlTarget : public Target {
 public:
  UrlTarget(std::string url, uint16_t port, uint16_t fakes_port_base)
      : url_(std::move(url)), port_(port), fakes_port_base_(fakes_port_base) {}

  reports::TargetInfo info() const override { return {"url", "router at " + url_, {}}; }

  // The router is already configured (by the user, from the deployment sheet); this only checks
  // that something listens, so a router that is not running is one clear ERROR per scenario.
  uint16_t start(const nlohmann::json&) override {
    int error = 0;
    net::Fd fd = net::start_connect("127.0.0.1", port_, &error);
    if (fd.valid()) {
      const auto status = net::wait_writable(fd.get(), net::Clock::now() + std::chrono::seconds(5), nullptr);
      socklen_t length = sizeof error;
      if (status != net::IoStatus::Ok) error = ETIMEDOUT;
      else if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    }
    if (error != 0)
      throw std::runtime_error("cannot connect to the router at " + url_ + ": " + std::strerror(error) +
                               " (start it, configured from deployments.json, before `midstream run`)");
    return port_;
  }

  void stop() override {}
  bool supports_front(harness::Front) const override { return true; }
  uint16_t fakes_port_base() const override { return fakes_port_base_; }
  int max_jobs() const override { return 1; }

 private:
  std::string url_;
  uint16_t port_;
  uint16_t fakes_port_base_;
};

}  // namespace

uint16_t parse_loopback_url(const std::string& url) {
  const std::string accepted = " (accepted: http://127.0.0.1:PORT or http://localhost:PORT)";
  const std::string lower = lowercase(url);
  if (lower.rfind("https://", 0) == 0)
    throw std::runtime_error("router URL " + url + ": https is not supported, the router is on this machine" +
                             accepted);
  if (lower.rfind("http://", 0) != 0) throw std::runtime_error("router URL " + url + ": not an http:// URL" + accepted);
  std::string rest = url.substr(7);
  std::string path;
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    path = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  std::string host = rest, port_text;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:PORT
    const auto close = rest.find(']');
    host = rest.substr(0, close == std::string::npos ? rest.size() : close + 1);
    if (close != std::string::npos && close + 1 < rest.size() && rest[close + 1] == ':')
      port_text = rest.substr(close + 2);
  } else if (const auto colon = rest.find(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
  }
  const std::string host_lower = lowercase(host);
  if (host_lower != "127.0.0.1" && host_lower != "localhost") {
    const std::string bare = host.size() > 1 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
    if (net::is_loopback_host(bare))
      throw std::runtime_error("router URL " + url + ": the harness's client connects to 127.0.0.1 only; "
                               "bind the router there" + accepted);
    throw std::runtime_error("router URL " + url + ": refusing a router that is not on the loopback "
                             "interface: midstream sends its scenarios to 127.0.0.1 only" + accepted);
  }
  if (port_text.empty()) throw std::runtime_error("router URL " + url + ": give the port explicitly" + accepted);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (*end != '\0' || port < 1 || port > 65535)
    throw std::runtime_error("router URL " + url + ": bad port '" + port_text + "'" + accepted);
  if (!path.empty() && path != "/")
    throw std::runtime_error("router URL " + url + ": give the router's origin without a path (the client "
                             "posts to /v1/chat/completions and /v1/responses under it)" + accepted);
  return static_cast<uint16_t>(port);
}

std::map<std::string, std::string> fixed_base_urls(const Scenario& scenario, uint16_t port_base) {
  std::vector<std::string> names;
  for (const auto& p : scenario.providers) names.push_back(p.name);
  std::sort(names.begin(), names.end());  // FakeFleet::start gives ports in name order
  if (static_cast<long>(port_base) + static_cast<long>(names.size()) - 1 > 65535)
    throw std::runtime_error("fakes port base " + std::to_string(port_base) + ": scenario " + scenario.id +
                             " needs " + std::to_string(names.size()) + " ports, past 65535");
  std::map<std::string, std::string> urls;
  for (size_t i = 0; i < names.size(); ++i)
    urls[names[i]] = "http://127.0.0.1:" + std::to_string(port_base + i) + "/v1";
  return urls;
}

nlohmann::ordered_json deployment_sheet(const std::vector<Scenario>& scenarios, const std::string& router_url,
                                        uint16_t fakes_port_base) {
  nlohmann::ordered_json sheet;
  sheet["schema"] = "midstream.deployments.v1";
  sheet["router_url"] = router_url;
  sheet["fakes_port_base"] = fakes_port_base;
  sheet["ports"] =
      "per scenario, its fake providers in name order listen on fakes_port_base, fakes_port_base + 1, ...; "
      "the fakes restart between scenarios, which run one at a time";
  sheet["scenarios"] = nlohmann::ordered_json::array();
  for (const auto& s : scenarios) {
    const auto urls = fixed_base_urls(s, fakes_port_base);
    nlohmann::ordered_json entry;
    entry["scenario"] = s.id;
    entry["title"] = s.title;
    entry["file"] = s.file;
    entry["providers"] = nlohmann::ordered_json::object();
    for (const auto& [name, url] : urls) {
      const auto* provider = s.provider(name);
      entry["providers"][name] = {{"dialect", std::string(wire::to_string(provider->dialect))},
                                  {"port", std::stoi(url.substr(url.rfind(':') + 1))},
                                  {"api_base", url}};
    }
    entry["config"] = nlohmann::ordered_json::parse(bind_router_config(s.router, urls).dump());
    sheet["scenarios"].push_back(std::move(entry));
  }
  return sheet;
}

TargetFactory url_target(const std::string& url, uint16_t fakes_port_base) {
  const uint16_t port = parse_loopback_url(url);
  if (fakes_port_base == 0) throw std::runtime_error("url target: the fakes need a fixed port base (not 0)");
  std::string origin = url;
  if (!origin.empty() && origin.back() == '/') origin.pop_back();
  return [origin, port, fakes_port_base] { return std::make_unique<UrlTarget>(origin, port, fakes_port_base); };
}

}  // namespace midstream::targets
