// Scenario files the loader mishandled, found with fuzz/fuzz_scenario_loader.cpp or while writing
// it (fuzz/README.md). Each failed before its fix: a crash (stack overflow) or a wrong value.
#include <gtest/gtest.h>

#include <string>

#include "harness/scenario.h"
#include "wire/json_reader.h"

namespace midstream::harness {
namespace {

nlohmann::json valid() {
  return nlohmann::json::parse(R"({
    "id": "9.1.1", "title": "t", "requirement": "A router MUST do it.",
    "providers": {"primary": {"dialect": "openai-chat"}},
    "router": {"model_list": [
        {"model_name": "m", "litellm_params": {"model": "openai/m", "api_base": "{{primary}}"}}]},
    "request": {"front": "chat", "stream": true},
    "expect": {"outcome": "error", "status": [502]}
  })");
}

// The ConfigError's pointer and expectation, or "" when the scenario loaded.
std::string error_of(const nlohmann::json& json) {
  try {
    parse_scenario(json, "x.json");
  } catch (const wire::ConfigError& e) {
    return e.pointer() + " | " + e.expected();
  }
  return "";
}

TEST(HarnessFuzzRegressions, ValidBaseLoads) { EXPECT_EQ(error_of(valid()), ""); }

// The id was checked with std::regex_match("\d+(\.\d+)*"), which recurses once per character:
// a 200,000-character id overflowed the stack (SIGSEGV).
TEST(HarnessFuzzRegressions, LongIdDoesNotOverflowTheStack) {
  std::string id = "1";
  while (id.size() < 200'000) id += ".2";
  auto json = valid();
  json["id"] = id;
  EXPECT_EQ(error_of(json), "");
  json["id"] = id + ".";
  EXPECT_NE(error_of(json).find("/id"), std::string::npos);
  for (const char* bad : {"", ".1", "1..2", "1.a", "1 ", "١"}) {
    json["id"] = bad;
    EXPECT_NE(error_of(json).find("/id |"), std::string::npos) << bad;
  }
}

// Placeholders were found with the regex \{\{([^}]*)\}\}, which recurses once per character of
// a long placeholder (SIGSEGV).
TEST(HarnessFuzzRegressions, LongPlaceholderDoesNotOverflowTheStack) {
  auto json = valid();
  json["router"]["model_list"][0]["litellm_params"]["api_key"] =
      "{{" + std::string(200'000, 'p') + "}}";
  const std::string error = error_of(json);
  EXPECT_NE(error.find("/router/model_list/0/litellm_params/api_key | a {{provider}} placeholder"),
            std::string::npos)
      << error.substr(0, 200);
  // What the regex accepted and refused, unchanged.
  json["router"]["model_list"][0]["litellm_params"]["api_key"] = "x{{primary}}y{{{z}";
  EXPECT_EQ(error_of(json), "");
  json["router"]["model_list"][0]["litellm_params"]["api_key"] = "{{{primary}}";
  EXPECT_NE(error_of(json).find("got {{{primary}}"), std::string::npos) << error_of(json);
  json["router"]["model_list"][0]["litellm_params"]["api_key"] = "{{a}b}}{{primary}}";
  EXPECT_EQ(error_of(json), "");
}

// An expected status was range-checked as an int: 4294967496 (2^32 + 200) read as 200.
TEST(HarnessFuzzRegressions, StatusOutsideIntIsRefused) {
  auto json = valid();
  json["expect"]["status"] = 4294967496LL;
  EXPECT_NE(error_of(json).find("/expect/status"), std::string::npos);
  json["expect"]["status"] = nlohmann::json::array({502, 4294967798LL});
  EXPECT_NE(error_of(json).find("/expect/status"), std::string::npos);
  json["expect"]["status"] = 18446744073709551615ULL;
  EXPECT_NE(error_of(json).find("/expect/status"), std::string::npos);
}

}  // namespace
}  // namespace midstream::harness
