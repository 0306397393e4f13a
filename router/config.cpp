#include "router/config.h"

#include <algorithm>
#include <limits>

#include "router/defects.h"
#include "wire/json_reader.h"

namespace midstream::router {
namespace {

using nlohmann::json;
using wire::ConfigError;
using wire::ObjectReader;

constexpr int64_t kDayMs = 24 * 3600 * 1000;

// The wire dialect a LiteLLM provider prefix speaks when litellm_params.dialect is absent
// (an explicit `dialect` always overrides this).
wire::Dialect dialect_for_provider(const std::string& provider) {
  if (provider == "openai" || provider == "azure" || provider == "openrouter") {
    return wire::Dialect::OpenAIChat;
  }
  if (provider == "anthropic" || provider == "vertex_ai" || provider == "bedrock") {
    return wire::Dialect::Anthropic;
  }
  if (provider == "openai-responses") return wire::Dialect::OpenAIResponses;
  return wire::Dialect::Unknown;
}

Deployment read_deployment(const json& value, const std::string& file, const std::string& pointer) {
  ObjectReader entry(value, file, pointer);
  Deployment deployment;
  deployment.model_name = entry.required_string("model_name");
  if (deployment.model_name.empty()) entry.fail("model_name", "a non-empty model group name");

  ObjectReader params = entry.object("litellm_params");
  const std::string model = params.required_string("model");
  const size_t slash = model.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == model.size()) {
    params.fail("model", "\"provider/model\", e.g. \"openai/gpt-4o\"");
  }
  deployment.provider = model.substr(0, slash);
  deployment.model = model.substr(slash + 1);

  deployment.api_base = params.required_string("api_base");
  if (deployment.api_base.rfind("http://", 0) != 0 || deployment.api_base.size() == 7) {
    params.fail("api_base", "an http:// URL such as \"http://127.0.0.1:8080/v1\"");
  }
  deployment.api_key = params.string_or("api_key", "");
  if (params.has("dialect")) {
    deployment.dialect = wire::dialect_from_string(
        params.enum_or("dialect", "", {"openai-chat", "openai-responses", "anthropic"}));
  } else {
    params.accept("dialect");  // listed among the known keys in errors
    deployment.dialect = dialect_for_provider(deployment.provider);
    if (deployment.dialect == wire::Dialect::Unknown) {
      params.fail("model",
                  "a provider prefix of openai, azure, openrouter, openai-responses, anthropic, "
                  "vertex_ai or bedrock (or an explicit \"dialect\"), not \"" +
                      deployment.provider + "\"");
    }
  }
  deployment.supports_prefill = params.bool_or("supports_prefill", false);
  params.finish();
  entry.finish();
  return deployment;
}

// LiteLLM's shape: [{"gpt-4o": ["claude", "mistral"]}, {"other": [...]}].
void read_fallbacks(ObjectReader& settings, const std::string& key, const RouterConfig& config,
                    std::map<std::string, std::vector<std::string>>& out) {
  if (!settings.has(key)) {
    settings.accept(key);  // listed among the known keys in errors
    return;
  }
  const std::string& file = settings.file();
  const std::string base = settings.pointer_to(key);
  const json& list = settings.array(key);
  for (size_t i = 0; i < list.size(); ++i) {
    const json& item = list[i];
    const std::string item_pointer = wire::join_pointer(base, i);
    if (!item.is_object() || item.size() != 1) {
      throw ConfigError(file, item_pointer,
                        "an object with one key, {\"group\": [\"fallback group\", ...]}");
    }
    const std::string& group = item.begin().key();
    const json& targets = item.begin().value();
    const std::string group_pointer = wire::join_pointer(item_pointer, group);
    if (!config.has_group(group)) {
      throw ConfigError(file, group_pointer,
                        "a model_name of model_list (no group \"" + group + "\")");
    }
    if (out.count(group) > 0) {
      throw ConfigError(file, group_pointer, "one entry per group (\"" + group + "\" repeats)");
    }
    if (!targets.is_array() || targets.empty()) {
      throw ConfigError(file, group_pointer, "a non-empty list of fallback model groups");
    }
    std::vector<std::string> chain;
    for (size_t j = 0; j < targets.size(); ++j) {
      const std::string target_pointer = wire::join_pointer(group_pointer, j);
      if (!targets[j].is_string()) throw ConfigError(file, target_pointer, "a model group name");
      const std::string target = targets[j].get<std::string>();
      if (!config.has_group(target)) {
        throw ConfigError(file, target_pointer,
                          "a model_name of model_list (no group \"" + target + "\")");
      }
      if (target == group) {
        throw ConfigError(file, target_pointer, "a group other than \"" + group + "\" itself");
      }
      chain.push_back(target);
    }
    out.emplace(group, std::move(chain));
  }
}

RouterSettings read_settings(ObjectReader& settings, const RouterConfig& config) {
  RouterSettings out;
  read_fallbacks(settings, "fallbacks", config, out.fallbacks);
  read_fallbacks(settings, "context_window_fallbacks", config, out.context_window_fallbacks);
  read_fallbacks(settings, "content_policy_fallbacks", config, out.content_policy_fallbacks);
  out.num_retries = static_cast<int>(settings.int_in("num_retries", out.num_retries, 0, 100));
  out.retry_after_max_ms =
      settings.int_in("retry_after_max_ms", out.retry_after_max_ms, 0, kDayMs);
  out.backoff_base_ms = settings.int_in("backoff_base_ms", out.backoff_base_ms, 0, kDayMs);
  out.backoff_max_ms = settings.int_in("backoff_max_ms", out.backoff_max_ms, 0, kDayMs);
  out.timeout_ms = settings.int_in("timeout_ms", out.timeout_ms, 1, kDayMs);
  out.stream_timeout_ms = settings.int_in("stream_timeout_ms", out.stream_timeout_ms, 1, kDayMs);
  out.idle_timeout_ms = settings.int_in("idle_timeout_ms", out.idle_timeout_ms, 1, kDayMs);
  out.keepalive_ms = settings.int_in("keepalive_ms", out.keepalive_ms, 0, kDayMs);
  out.deadline_ms = settings.int_in("deadline_ms", out.deadline_ms, 1, kDayMs);
  out.cooldown_ms = settings.int_in("cooldown_ms", out.cooldown_ms, 0, kDayMs);
  out.allowed_fails =
      static_cast<int>(settings.int_in("allowed_fails", out.allowed_fails, 0, 1'000'000));
  out.mid_stream = settings.enum_or("mid_stream", "continue", {"continue", "error"}) == "error"
                       ? MidStreamPolicy::Error
                       : MidStreamPolicy::Continue;
  out.usage_policy = settings.enum_or("usage_policy", "billed", {"billed", "served"}) == "served"
                         ? UsagePolicy::Served
                         : UsagePolicy::Billed;
  out.seed = static_cast<uint64_t>(settings.int_in("seed", static_cast<int64_t>(out.seed), 0,
                                                   std::numeric_limits<int64_t>::max()));
  settings.finish();
  return out;
}

std::string known_defect_names() {
  std::string names;
  for (const DefectInfo& info : all_defects()) {
    if (!names.empty()) names += ", ";
    names += info.name;
  }
  return names;
}

}  // namespace

std::vector<const Deployment*> RouterConfig::deployments_of(const std::string& model_name) const {
  std::vector<const Deployment*> out;
  for (const Deployment& deployment : model_list) {
    if (deployment.model_name == model_name) out.push_back(&deployment);
  }
  return out;
}

bool RouterConfig::has_group(const std::string& model_name) const {
  return std::any_of(model_list.begin(), model_list.end(),
                     [&](const Deployment& d) { return d.model_name == model_name; });
}

RouterConfig load_router_config(const json& value, const std::string& file) {
  ObjectReader top(value, file, "");
  RouterConfig config;

  const std::string list_pointer = top.pointer_to("model_list");
  const json& list = top.array("model_list");
  if (list.empty()) throw ConfigError(file, list_pointer, "at least one deployment");
  std::map<std::string, int> per_group;
  for (size_t i = 0; i < list.size(); ++i) {
    Deployment deployment = read_deployment(list[i], file, wire::join_pointer(list_pointer, i));
    deployment.id = deployment.model_name + "#" + std::to_string(per_group[deployment.model_name]++);
    config.model_list.push_back(std::move(deployment));
  }

  if (top.has("router_settings")) {
    ObjectReader settings = top.object("router_settings");
    config.settings = read_settings(settings, config);
  }
  top.accept("router_settings");

  if (top.has("defects")) {
    const std::string defects_pointer = top.pointer_to("defects");
    const json& names = top.array("defects");
    for (size_t i = 0; i < names.size(); ++i) {
      if (!names[i].is_string() || !is_known_defect(names[i].get<std::string>())) {
        throw ConfigError(file, wire::join_pointer(defects_pointer, i),
                          "a known defect: " + known_defect_names());
      }
      config.defects.insert(names[i].get<std::string>());
    }
  }
  top.accept("defects");
  top.finish();
  return config;
}

RouterConfig load_router_config_file(const std::string& path) {
  return load_router_config(wire::read_json_file(path), path);
}

std::string_view to_string(MidStreamPolicy policy) {
  return policy == MidStreamPolicy::Error ? "error" : "continue";
}

std::string_view to_string(UsagePolicy policy) {
  return policy == UsagePolicy::Served ? "served" : "billed";
}

}  // namespace midstream::router
