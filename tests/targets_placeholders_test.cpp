// The launch-command target's text handling (targets/placeholders.h): a command line split into
// words without a shell, and {name} placeholders found and filled in one pass.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "targets/placeholders.h"

namespace midstream::targets {

namespace {

using testing::ElementsAre;
using testing::HasSubstr;

TEST(SplitCommand, BlanksSeparateWordsAndQuotesKeepThemTogether) {
  EXPECT_THAT(split_command("midstream router --config {config}  --port {port}"),
              ElementsAre("midstream", "router", "--config", "{config}", "--port", "{port}"));
  EXPECT_THAT(split_command("nginx -g 'daemon off;' -p {dir}"), ElementsAre("nginx", "-g", "daemon off;", "-p", "{dir}"));
  EXPECT_THAT(split_command(R"("/opt/my router/bin/r" --name "a \"b\" \\c \x")"),
              ElementsAre("/opt/my router/bin/r", "--name", R"(a "b" \c \x)"));
  EXPECT_THAT(split_command(R"(a\ b c'd'"e")"), ElementsAre("a b", "cde"));
  EXPECT_THAT(split_command("sh -c 'echo $0 && exit 3' {port}"), ElementsAre("sh", "-c", "echo $0 && exit 3", "{port}"));
  EXPECT_THAT(split_command("x ''"), ElementsAre("x", ""));
}

TEST(SplitCommand, UnterminatedQuotesAndEmptyCommandsAreErrors) {
  EXPECT_THROW(split_command("router 'no end"), std::invalid_argument);
  EXPECT_THROW(split_command("router \"no end"), std::invalid_argument);
  EXPECT_THROW(split_command("   "), std::invalid_argument);
}

TEST(Placeholders, OnlyBracedLowerCaseNamesArePlaceholders) {
  const std::string text = "events {\n} ${x} {\"a\": 1} {port} {chain.0.api_base} {Port} {1x} {a-b} {dir}";
  EXPECT_THAT(placeholders_in(text), ElementsAre("chain.0.api_base", "dir", "port"));
}

TEST(Placeholders, ExpandFillsEveryPlaceholderOnceAndLeavesOtherBraces) {
  const auto out = expand_placeholders("listen 127.0.0.1:{port}; pid {dir}/pid; events { } {port}",
                                       {{"port", "4000"}, {"dir", "/tmp/{port}"}}, "the template");
  EXPECT_EQ(out, "listen 127.0.0.1:4000; pid /tmp/{port}/pid; events { } 4000");  // a value is not expanded again
}

TEST(Placeholders, AnUnknownPlaceholderNamesItselfAndTheKnownOnes) {
  try {
    expand_placeholders("--config {config} --port {prot}", {{"config", "c"}, {"port", "1"}}, "the router command");
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_THAT(error.what(), HasSubstr("the router command has a placeholder {prot} with no value"));
    EXPECT_THAT(error.what(), HasSubstr("known: {config}, {port}"));
  }
}

}  // namespace
}  // namespace midstream::targets
