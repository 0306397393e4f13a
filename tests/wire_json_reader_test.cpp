#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "wire/json_reader.h"

namespace midstream::wire {
namespace {

using nlohmann::json;

// A scratch file named after the running test, removed at the end.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
    path_ = (std::filesystem::temp_directory_path() /
             ("midstream_wire_" + std::string(test->name()) + ".json"))
                .string();
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The message of the ConfigError `body` throws.
template <typename Body>
std::string error_of(Body body) {
  try {
    body();
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "(no ConfigError)";
}

TEST(ConfigError, NamesFilePointerAndExpectation) {
  const ConfigError error("s.json", "/router/num_retries", "an integer");
  EXPECT_STREQ(error.what(), "s.json: at JSON pointer /router/num_retries: expected an integer");
  EXPECT_EQ(error.file(), "s.json");
  EXPECT_EQ(error.pointer(), "/router/num_retries");
  EXPECT_EQ(error.expected(), "an integer");
  EXPECT_STREQ(ConfigError("s.json", "", "an object").what(),
               "s.json: at JSON pointer (root): expected an object");
}

TEST(ReadJsonFile, ParsesAFile) {
  const TempFile file(R"({"a": [1, 2]})");
  EXPECT_EQ(read_json_file(file.path()), json::parse(R"({"a":[1,2]})"));
}

TEST(ReadJsonFile, MissingFileIsAConfigError) {
  const std::string message = error_of([] { read_json_file("/nonexistent/midstream.json"); });
  EXPECT_EQ(message.rfind("/nonexistent/midstream.json: at JSON pointer (root): expected a "
                          "readable JSON file",
                          0),
            0u)
      << message;
}

TEST(ReadJsonFile, SyntaxErrorNamesLineAndColumn) {
  const TempFile file("{\n  \"a\": 1,\n  \"b\": tru\n}\n");
  const std::string message = error_of([&] { read_json_file(file.path()); });
  EXPECT_NE(message.find(file.path() + ": at JSON pointer (root): expected valid JSON"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("line 3, column"), std::string::npos) << message;
}

TEST(ParseJsonText, NamesTheOrigin) {
  EXPECT_EQ(parse_json_text("[1]", "request body"), json::array({1}));
  const std::string message = error_of([] { parse_json_text("{\"a\":}", "request body"); });
  EXPECT_EQ(message.rfind("request body: at JSON pointer (root): expected valid JSON; syntax "
                          "error at line 1, column 6",
                          0),
            0u)
      << message;
}

TEST(ObjectReader, ReadsTypedValuesWithFallbacks) {
  const json value = json::parse(R"({
    "name": "x", "count": 3, "flag": true, "mode": "fast", "list": ["a", "b"],
    "inner": {"k": 1}, "items": [1], "free": {"any": "thing"}})");
  ObjectReader reader(value, "f.json", "");
  EXPECT_EQ(reader.required_string("name"), "x");
  EXPECT_EQ(reader.string_or("missing", "dflt"), "dflt");
  EXPECT_EQ(reader.required_int("count"), 3);
  EXPECT_EQ(reader.int_or("absent", 9), 9);
  EXPECT_EQ(reader.optional_int("nothing"), std::nullopt);
  EXPECT_TRUE(reader.bool_or("flag", false));
  EXPECT_EQ(reader.enum_or("mode", "slow", {"fast", "slow"}), "fast");
  EXPECT_EQ(reader.string_list_or("list", {}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(reader.int_in("count", 0, 1, 5), 3);
  EXPECT_TRUE(reader.is_object("inner"));
  ObjectReader inner = reader.object("inner");
  EXPECT_EQ(inner.pointer(), "/inner");
  EXPECT_EQ(inner.required_int("k"), 1);
  inner.finish();
  EXPECT_EQ(reader.array("items").size(), 1u);
  reader.accept("free");
  EXPECT_TRUE(reader.has("free"));
  EXPECT_FALSE(reader.has("nope"));
  reader.finish();
}

TEST(ObjectReader, TypeErrorsSayWhatWasExpectedAndWhatCame) {
  const json value = json::parse(R"({"n": "3", "b": 1, "s": null, "l": ["a", 2], "f": 1.5,
                                     "o": [], "m": "medium", "r": 12})");
  ObjectReader reader(value, "f.json", "/cfg");
  EXPECT_EQ(error_of([&] { reader.required_int("n"); }),
            "f.json: at JSON pointer /cfg/n: expected an integer, got a string");
  EXPECT_EQ(error_of([&] { reader.bool_or("b", false); }),
            "f.json: at JSON pointer /cfg/b: expected a boolean, got an integer");
  EXPECT_EQ(error_of([&] { reader.string_or("s", ""); }),
            "f.json: at JSON pointer /cfg/s: expected a string, got null");
  EXPECT_EQ(error_of([&] { reader.string_list_or("l", {}); }),
            "f.json: at JSON pointer /cfg/l/1: expected a string, got an integer");
  EXPECT_EQ(error_of([&] { reader.int_or("f", 0); }),
            "f.json: at JSON pointer /cfg/f: expected an integer, got a number with a fraction");
  EXPECT_EQ(error_of([&] { reader.object("o"); }),
            "f.json: at JSON pointer /cfg/o: expected an object, got an array");
  EXPECT_EQ(error_of([&] { reader.enum_or("m", "fast", {"fast", "slow"}); }),
            "f.json: at JSON pointer /cfg/m: expected one of \"fast\", \"slow\", got \"medium\"");
  EXPECT_EQ(error_of([&] { reader.int_in("r", 0, 1, 10); }),
            "f.json: at JSON pointer /cfg/r: expected an integer from 1 to 10, got 12");
  EXPECT_EQ(error_of([&] { reader.required_string("absent"); }),
            "f.json: at JSON pointer /cfg/absent: expected a string; the key is required");
  EXPECT_EQ(error_of([&] { reader.array("absent"); }),
            "f.json: at JSON pointer /cfg/absent: expected an array; the key is required");
}

TEST(ObjectReader, RejectsANonObject) {
  const json value = json::array();
  EXPECT_EQ(error_of([&] { ObjectReader reader(value, "f.json", "/x"); }),
            "f.json: at JSON pointer /x: expected an object, got an array");
}

TEST(ObjectReader, FinishNamesTheFirstUnknownKeyAndTheAllowedOnes) {
  const json value = json::parse(R"({"num_retries": 1, "num_retrys": 2, "zzz": 3})");
  ObjectReader reader(value, "s.json", "/router_settings");
  reader.int_or("num_retries", 0);
  reader.int_or("cooldown_ms", 0);  // asked for but absent: still an allowed key
  EXPECT_EQ(error_of([&] { reader.finish(); }),
            "s.json: at JSON pointer /router_settings/num_retrys: expected a known key "
            "(\"num_retrys\" is not one of: cooldown_ms, num_retries; did you mean \"num_retries\"?)");
}

TEST(ObjectReader, OnlyKeysNamesATypoBeforeAnythingIsReadAndSuggestsTheClosest) {
  const json value = json::parse(R"({"at": "after_deltas", "acton": "reset"})");
  ObjectReader reader(value, "s.json", "/script/0");
  EXPECT_EQ(error_of([&] { reader.only_keys({"action", "at", "n"}); }),
            "s.json: at JSON pointer /script/0/acton: expected a known key "
            "(\"acton\" is not one of: action, at, n; did you mean \"action\"?)");
  const json far = json::parse(R"({"zzzzzz": 1})");
  ObjectReader other(far, "s.json", "");
  EXPECT_EQ(error_of([&] { other.only_keys({"action", "at"}); }).find("did you mean"), std::string::npos)
      << "nothing close: no suggestion";
}

TEST(JoinPointer, EscapesPerRfc6901) {
  EXPECT_EQ(join_pointer("", "a"), "/a");
  EXPECT_EQ(join_pointer("/a", "b/c~d"), "/a/b~1c~0d");
  EXPECT_EQ(join_pointer("/list", size_t{3}), "/list/3");
  EXPECT_EQ(join_pointer("", ""), "/");
}

}  // namespace
}  // namespace midstream::wire
