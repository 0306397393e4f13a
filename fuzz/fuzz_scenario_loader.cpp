// The strict scenario loader (harness/scenario.h) on arbitrary file contents: the text parsed as
// load_scenario parses a file (wire::parse_json_text, the same path as wire::read_json_file),
// then parse_scenario, which also loads the fake providers and the bound router config. A
// wire::ConfigError is the loader's way to refuse a file and is fine; any other exception, a
// crash or a sanitizer report is a finding. A scenario that loads is also put through what the
// runner asks of it (category, dialects, answer, the router config bound to provider URLs).
// Seeds: the catalogue in scenarios/.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "harness/scenario.h"
#include "wire/json_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const nlohmann::json json = midstream::wire::parse_json_text(text, "fuzz.json");
    const midstream::harness::Scenario scenario = midstream::harness::parse_scenario(json, "fuzz.json");
    (void)scenario.category();
    (void)scenario.upstream_dialects();
    (void)scenario.answer();
    std::map<std::string, std::string> urls;
    for (const auto& provider : scenario.providers) urls[provider.name] = "http://127.0.0.1:9/v1";
    (void)midstream::harness::bind_router_config(scenario.router, urls).dump();
  } catch (const midstream::wire::ConfigError&) {
    // A refused file: what the loader is for.
  }
  return 0;
}
