// The target table and the --target parser (registry.h).
#include "targets/registry.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>

#include "targets/command_target.h"

namespace midstream::targets {
namespace {

std::string known_forms() {
  std::string forms;
  for (const auto& kind : target_kinds()) forms += (forms.empty() ? "" : "; ") + kind.forms;
  return forms;
}

// cmd=COMMAND and its presets litellm[@VERSION|=PATH] and nginx[=PATH] (command_target.h).
TargetFactory launched_target(const std::string& kind, const std::optional<std::string>& value,
                              const TargetOptions& options) {
  const std::string name = kind.substr(0, kind.find('@'));
  if (!options.defects.empty())
    throw std::runtime_error("defect switches belong to the reference router; the " + name +
                             " target cannot take them (for the reference router as a command, put them in the "
                             "command: cmd='midstream router --defect NAME --config {config} --port {port}')");
  if (name != "cmd" && (!options.config_format.empty() || !options.ready_path.empty()))
    throw std::runtime_error("--config-format and --ready-path are for a cmd= target; the " + name +
                             " target sets its own");
  if (value && value->empty())
    throw std::runtime_error("target '" + kind + "=' needs " +
                             (name == "cmd" ? "the router's command line, e.g. cmd='midstream router --config {config} "
                                              "--port {port}'"
                                            : "the path of the " + name + " executable"));
  if (name == "cmd") {
    if (!value) throw std::runtime_error("target 'cmd' needs the router's command line: cmd=COMMAND");
    CommandTargetOptions c;
    c.command = *value;
    c.format = config_format_option(options.config_format);
    c.ready_path = options.ready_path;
    if (options.ready_timeout.count() > 0) c.ready_timeout = options.ready_timeout;
    return command_target(std::move(c));
  }
  if (name == "litellm") {
    LiteLLMTargetOptions l;
    if (kind.size() > name.size()) l.version = kind.substr(name.size() + 1);
    if (value) l.executable = *value;
    if (value && !l.version.empty()) throw std::runtime_error("litellm@VERSION=PATH: give a version or a path");
    if (options.ready_timeout.count() > 0) l.ready_timeout = options.ready_timeout;
    return litellm_target(std::move(l));
  }
  NginxTargetOptions n;
  if (value) n.executable = *value;
  if (options.ready_timeout.count() > 0) n.ready_timeout = options.ready_timeout;
  return nginx_target(std::move(n));
}

}  // namespace

const std::vector<TargetKind>& target_kinds() {
  static const std::vector<TargetKind> kinds = {
      {"embedded", "embedded (alias reference)", "the reference router in-process, port 0", 0, true},
      {"process", "process, process=PATH", "`midstream router` as its own process per scenario", 0, true},
      {"url", "url=http://127.0.0.1:PORT", "a router you started and configured (needs --fakes-port-base)", 1, false},
      {"portkey", "portkey", "the Portkey AI gateway pinned by peers/portkey, one process per run", 0, false},
      {"cmd", "cmd=COMMAND", "any router that reads a config file and listens on a port, launched by midstream",
       0, false},
      {"litellm", "litellm, litellm@VERSION, litellm=PATH", "the LiteLLM proxy pinned by peers/litellm", 0, false},
      {"nginx", "nginx, nginx=PATH", "Debian's nginx as a plain reverse proxy (peers/nginx)", 0, false},
  };
  return kinds;
}

const TargetKind& target_kind(const std::string& spec) {
  const auto equals = spec.find('=');
  std::string name = spec.substr(0, std::min(equals, spec.find('@')));
  if (name == "reference") name = "embedded";
  for (const auto& kind : target_kinds())
    if (kind.name == name) return kind;
  throw std::runtime_error("unknown target '" + spec + "' (known: " + known_forms() + ")");
}

TargetFactory make_target_factory(const std::string& spec, const TargetOptions& options) {
  const auto equals = spec.find('=');
  const std::string kind = spec.substr(0, equals);
  const std::string value = equals == std::string::npos ? "" : spec.substr(equals + 1);
  if ((kind == "embedded" || kind == "reference") && equals == std::string::npos)
    return embedded_target(options.defects, options.seed);
  if (kind == "process") {
    if (equals != std::string::npos && value.empty())
      throw std::runtime_error("target 'process=' needs the path of a midstream executable");
    ProcessTargetOptions process;
    process.executable = equals == std::string::npos ? options.executable : value;
    process.defects = options.defects;
    process.seed = options.seed;
    return process_target(std::move(process));
  }
  if (kind == "url") {
    if (value.empty())
      throw std::runtime_error("target 'url' needs the router's address: url=http://127.0.0.1:PORT");
    if (!options.defects.empty())
      throw std::runtime_error("defect switches belong to the reference router (targets embedded and "
                               "process); the router behind url=" + value + " cannot take them");
    if (options.fakes_port_base == 0)
      throw std::runtime_error("target url=" + value +
                               " needs --fakes-port-base N: the fakes must listen on fixed ports that "
                               "the router's deployments point at");
    return url_target(value, options.fakes_port_base);
  }
  if (kind == "portkey" && equals == std::string::npos) {
    if (!options.defects.empty())
      throw std::runtime_error("defect switches belong to the reference router (targets embedded and "
                               "process); the portkey target cannot take them");
    return portkey_target(default_portkey_options());
  }
  if (kind == "cmd" || kind == "litellm" || kind.rfind("litellm@", 0) == 0 || kind == "nginx")
    return launched_target(kind, equals == std::string::npos ? std::nullopt : std::optional<std::string>(value),
                           options);
  throw std::runtime_error("unknown target '" + spec + "' (known: " + known_forms() + ")");
}


UrlRunSheet write_url_sheet(const std::string& url, const std::vector<Scenario>& dilated_scenarios,
                            uint16_t fakes_port_base, const std::string& out_dir) {
  const uint16_t router_port = parse_loopback_url(url);
  UrlRunSheet result;
  for (const auto& s : dilated_scenarios) result.most_providers = std::max(result.most_providers, s.providers.size());
  for (const auto& s : dilated_scenarios) fixed_base_urls(s, fakes_port_base);  // throws past 65535
  if (router_port >= fakes_port_base && router_port < fakes_port_base + result.most_providers)
    throw std::runtime_error("the router's port " + std::to_string(router_port) + " is among the fakes' ports " +
                             std::to_string(fakes_port_base) + ".." +
                             std::to_string(fakes_port_base + result.most_providers - 1) +
                             "; pick another --fakes-port-base");
  result.sheet = deployment_sheet(dilated_scenarios, url, fakes_port_base);
  std::filesystem::create_directories(out_dir);
  result.path = (std::filesystem::path(out_dir) / "deployments.json").string();
  std::ofstream file(result.path);
  file << result.sheet.dump(2) << "\n";
  file.close();
  if (!file) throw std::runtime_error("cannot write " + result.path);
  return result;
}

}  // namespace midstream::targets
