// A misspelt key in a fault is named, with the fault's whole vocabulary and the closest key,
// before the fault's position and action are judged ("acton" used to read "expected a fault
// action").
#include <gtest/gtest.h>

#include "fakes/provider_config.h"
#include "wire/json_reader.h"

namespace midstream::fakes {
namespace {

std::string error_of(const char* fault) {
  try {
    parse_script_entry(nlohmann::json::parse(fault), "s.json", "/providers/p/script/0");
  } catch (const wire::ConfigError& error) {
    return error.what();
  }
  return "no error";
}

TEST(FaultKeys, ATypoIsNamedWithTheClosestKey) {
  const std::string error = error_of(R"({"at": "after_deltas", "n": 3, "acton": "reset"})");
  EXPECT_NE(error.find("/providers/p/script/0/acton"), std::string::npos) << error;
  EXPECT_NE(error.find("did you mean \"action\""), std::string::npos) << error;
  EXPECT_NE(error.find("retry_after"), std::string::npos) << "every fault key is listed: " << error;
}

TEST(FaultKeys, AKeyOfAnotherActionIsStillRefused) {
  const std::string error = error_of(R"({"at": "after_deltas", "n": 3, "action": "reset", "ms": 5})");
  EXPECT_NE(error.find("/providers/p/script/0/ms"), std::string::npos) << error;
}

}  // namespace
}  // namespace midstream::fakes
