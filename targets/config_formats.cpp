#include "targets/config_formats.h"

#include <algorithm>
#include <iterator>
#include <regex>
#include <stdexcept>

#include "targets/litellm_config.h"
#include "targets/nginx_config.h"
#include "targets/placeholders.h"
#include "targets/translation.h"
#include "router/config.h"

namespace midstream::targets {
namespace {

const char* const kFixedPlaceholders[] = {"port", "dir", "model", "router_json", "num_retries", "timeout_ms",
                                          "stream_timeout_ms", "idle_timeout_ms", "chain_length"};
const std::regex kChainPlaceholder(R"(chain\.([0-9]+)\.(model_name|model|provider|dialect|api_base|address|api_key))");

// The number of chain deployments a template names (chain.0 ... chain.N-1), 0 when it names none.
size_t chain_slots(const std::string& text, const std::string& file) {
  size_t slots = 0;
  for (const auto& name : placeholders_in(text)) {
    std::smatch match;
    if (std::regex_match(name, match, kChainPlaceholder)) {
      slots = std::max(slots, std::stoul(match[1].str()) + 1);
      continue;
    }
    if (std::find(std::begin(kFixedPlaceholders), std::end(kFixedPlaceholders), name) == std::end(kFixedPlaceholders))
      throw std::invalid_argument("config template " + file + ": unknown placeholder {" + name +
                                  "} (see `midstream run --help` for the placeholders)");
  }
  return slots;
}

std::string address_of(const std::string& api_base) {
  static const std::regex kOrigin(R"(https?://([^/]+).*)");
  std::smatch match;
  return std::regex_match(api_base, match, kOrigin) ? match[1].str() : api_base;
}

}  // namespace

const char* const kTemplatePlaceholdersHelp =
    "{port} the router's port, {dir} a folder of the launch's own,\n"
    "{model} the model group the client asks for, {router_json} the\n"
    "scenario's router config on one line (as json writes it),\n"
    "{num_retries} {timeout_ms} {stream_timeout_ms} {idle_timeout_ms}\n"
    "(the reference router's values), {chain_length}, and for\n"
    "deployment I of the chain the request walks (0: the requested\n"
    "group's): {chain.I.model_name} {chain.I.model} {chain.I.provider}\n"
    "{chain.I.dialect} {chain.I.api_base} {chain.I.address}\n"
    "(127.0.0.1:PORT) {chain.I.api_key}. A template naming chain.0 ...\n"
    "chain.N-1 grades a scenario whose chain differs UNSUPPORTED.\n";

std::map<std::string, std::string> template_values(const nlohmann::json& bound, const ClientSpec& client,
                                                   const LaunchSite& site) {
  const auto config = router::load_router_config(bound, "scenario router config");
  const auto chain = chain_of(config, requested_group(config, client), false);
  std::map<std::string, std::string> values = {
      {"port", std::to_string(site.port)},
      {"dir", site.dir},
      {"model", requested_group(config, client)},
      {"router_json", bound.dump()},
      {"num_retries", std::to_string(config.settings.num_retries)},
      {"timeout_ms", std::to_string(config.settings.timeout_ms)},
      {"stream_timeout_ms", std::to_string(config.settings.stream_timeout_ms)},
      {"idle_timeout_ms", std::to_string(config.settings.idle_timeout_ms)},
      {"chain_length", std::to_string(chain.size())}};
  for (size_t i = 0; i < chain.size(); ++i) {
    const std::string prefix = "chain." + std::to_string(i) + ".";
    const auto& d = *chain[i];
    values[prefix + "model_name"] = d.model_name;
    values[prefix + "model"] = d.model;
    values[prefix + "provider"] = d.provider;
    values[prefix + "dialect"] = std::string(wire::to_string(d.dialect));
    values[prefix + "api_base"] = d.api_base;
    values[prefix + "address"] = address_of(d.api_base);
    values[prefix + "api_key"] = d.api_key;
  }
  return values;
}

ConfigFormat litellm_format() {
  ConfigFormat f;
  f.name = "litellm";
  f.suffix = ".yaml";
  f.unsupported = [](const Scenario& s) { return translate_for_litellm(s).unsupported; };
  f.document = [](const nlohmann::json& bound, const ClientSpec&) {
    auto translation = translate_for_litellm(bound);
    if (translation.unsupported) throw std::runtime_error("LiteLLM cannot express it: " + *translation.unsupported);
    return translation.config;
  };
  return f;
}

ConfigFormat json_format() {
  ConfigFormat f;
  f.name = "json";
  f.suffix = ".json";
  f.unsupported = [](const Scenario&) { return std::nullopt; };
  f.document = [](const nlohmann::json& bound, const ClientSpec&) {
    return nlohmann::ordered_json::parse(bound.dump());
  };
  return f;
}

ConfigFormat template_format(const std::string& text, const std::string& file) {
  const size_t slots = chain_slots(text, file);
  ConfigFormat f;
  f.name = "template";
  f.suffix = file.find('.') == std::string::npos ? ".conf" : file.substr(file.rfind('.'));
  f.unsupported = [slots, file](const Scenario& s) -> std::optional<std::string> {
    if (slots == 0) return std::nullopt;
    const auto config = router::load_router_config(placeholder_bound(s), s.file);
    const size_t length = chain_of(config, requested_group(config, s.client), false).size();
    if (length == slots) return std::nullopt;
    return "the config template " + file + " names a chain of " + std::to_string(slots) +
           " deployments (chain.0 ... chain." + std::to_string(slots - 1) + "); this request walks " +
           std::to_string(length);
  };
  f.render = [text, file](const nlohmann::json& bound, const ClientSpec& client, const LaunchSite& site) {
    return expand_placeholders(text, template_values(bound, client, site), "config template " + file);
  };
  return f;
}

ConfigFormat nginx_format(const std::string& text) {
  ConfigFormat f;
  f.name = "nginx";
  f.suffix = ".conf";
  f.unsupported = [](const Scenario& s) { return translate_for_nginx(s).unsupported; };
  f.render = [text](const nlohmann::json& bound, const ClientSpec& client, const LaunchSite& site) {
    const auto translation = translate_for_nginx(bound, client);
    if (translation.unsupported) throw std::runtime_error("nginx cannot express it: " + *translation.unsupported);
    return fill_nginx_template(text, translation, site.port, site.dir);
  };
  return f;
}

}  // namespace midstream::targets
