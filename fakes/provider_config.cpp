#include "fakes/provider_config.h"

namespace midstream::fakes {

ScriptEntry parse_script_entry(const nlohmann::json& json, const std::string& file,
                               const std::string& pointer) {
  ScriptEntry entry;
  if (json.is_string() && json.get<std::string>() == "ok") return entry;
  if (!json.is_object())
    throw wire::ConfigError(file, pointer,
                            "\"ok\" or a fault object like {\"at\": \"after_deltas\", \"n\": 3, "
                            "\"action\": \"reset\"}");
  wire::ObjectReader reader(json, file, pointer);
  entry.fault = parse_fault(reader);
  return entry;
}

ProviderConfig parse_provider(const nlohmann::json& json, const std::string& name,
                              const std::string& file, const std::string& pointer) {
  wire::ObjectReader reader(json, file, pointer);
  ProviderConfig config;
  config.name = name;
  const std::string dialect =
      reader.enum_or("dialect", "", {"openai-chat", "openai-responses", "anthropic"});
  if (dialect.empty()) reader.fail("dialect", "one of openai-chat, openai-responses, anthropic");
  config.dialect = wire::dialect_from_string(dialect);
  config.answer = reader.string_or("answer", kDefaultAnswer);
  if (config.answer.empty()) reader.fail("answer", "a non-empty canonical answer");
  config.model = reader.string_or("model", "fake-model");
  config.words_per_delta = static_cast<int>(reader.int_in("words_per_delta", 1, 1, 1000));
  if (reader.has("script")) {
    const auto& script = reader.array("script");
    for (size_t i = 0; i < script.size(); ++i)
      config.script.push_back(
          parse_script_entry(script[i], file, wire::join_pointer(reader.pointer_to("script"), i)));
  }
  if (reader.has("then"))
    config.then = parse_script_entry(reader.raw("then"), file, reader.pointer_to("then"));
  config.refuse_connections = reader.bool_or("refuse_connections", false);
  config.reject_prefill = reader.bool_or("reject_prefill", false);
  config.event_delay_ms = reader.int_in("event_delay_ms", 0, 0, 60'000);
  if (reader.has("tool_call")) {
    wire::ObjectReader tool = reader.object("tool_call");
    ToolCallSpec spec;
    spec.id = tool.string_or("id", spec.id);
    spec.name = tool.required_string("name");
    spec.arguments = tool.required_string("arguments");
    if (nlohmann::json::parse(spec.arguments, nullptr, false).is_discarded())
      tool.fail("arguments", "the tool call's arguments as a JSON text");
    tool.finish();
    config.tool_call = std::move(spec);
  }
  reader.finish();
  return config;
}

}  // namespace midstream::fakes
