#pragma once
// What the launch-command target writes into {config} for a router it starts (`--config-format`).
// Pure: the formats turn a scenario's bound router config into file text; command_target.cpp
// writes it and runs the router.
//
//   litellm          LiteLLM proxy config.yaml (litellm_config.h), JSON text (valid YAML)
//   json             the router config as the deployments sheet has it (model_list with bound
//                    api_base values, router_settings), loadable by `midstream router --config`
//   template=FILE    FILE with its {name} placeholders filled (template_placeholders_help)
//   nginx            peers/nginx/nginx.conf.in filled for the chain (nginx_config.h)
//
// litellm and json carry a model_list, so several scenarios merge into one file (launch_plan.h);
// a template or nginx file serves one scenario's config.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "targets/harness_types.h"

namespace midstream::targets {

// Where one launch of a router runs.
struct LaunchSite {
  uint16_t port = 0;  // the router's loopback port, {port}
  std::string dir;    // a folder of its own (the config file, its output), {dir}
};

struct ConfigFormat {
  std::string name;    // "litellm", "json", "template", "nginx"
  std::string suffix;  // of the file written for {config}: ".yaml", ".json", ".conf"
  // Why the scenario cannot be written in this format: graded UNSUPPORTED. Nothing: it runs.
  std::function<std::optional<std::string>(const Scenario&)> unsupported;
  // Merging formats: the document for one scenario (model_list, router_settings, ...), merged
  // with others' by launch_plan.h and written as JSON.
  std::function<nlohmann::ordered_json(const nlohmann::json& bound, const ClientSpec& client)> document;
  // Other formats: the whole file for one scenario at a launch site.
  std::function<std::string(const nlohmann::json& bound, const ClientSpec& client, const LaunchSite& site)> render;

  bool merges() const { return static_cast<bool>(document); }
};

ConfigFormat litellm_format();
ConfigFormat json_format();
// `text` is the template (read from `file`, named in errors). Throws std::invalid_argument for a
// placeholder the format does not know.
ConfigFormat template_format(const std::string& text, const std::string& file);
// `text` is peers/nginx/nginx.conf.in.
ConfigFormat nginx_format(const std::string& text);

// The placeholders of template=FILE, one per line with what each becomes, for `--help`.
extern const char* const kTemplatePlaceholdersHelp;

// The values of a template's placeholders for one scenario at a launch site (pure; chain.I.*
// for every deployment of the chain the request walks).
std::map<std::string, std::string> template_values(const nlohmann::json& bound, const ClientSpec& client,
                                                   const LaunchSite& site);

}  // namespace midstream::targets
