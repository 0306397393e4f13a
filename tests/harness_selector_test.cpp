// --filter selects by id: an exact id, an id prefix on dot boundaries, a glob over ids; a
// selector with a letter is a glob over the file name.
#include <gtest/gtest.h>

#include "harness/selector.h"

namespace midstream::harness {
namespace {

bool pick(const std::string& selector, const std::string& id) {
  return selects(selector, id, "scenarios/x/" + id + "-a-stall-then-reset.json");
}

TEST(Selector, AnIdSelectsThatIdAndWhatIsBelowItOnDotBoundaries) {
  EXPECT_TRUE(pick("1.1.1", "1.1.1"));
  EXPECT_FALSE(pick("1.1.1", "11.1.1"));
  EXPECT_FALSE(pick("1.1.1", "1.1.10"));
  EXPECT_TRUE(pick("7.1", "7.1.12"));
  EXPECT_FALSE(pick("7.1.1", "7.1.10"));
  EXPECT_FALSE(pick("7.1", "7.10.1"));
  EXPECT_FALSE(pick("7.1", "17.1.1"));
  EXPECT_TRUE(pick("3", "3.2.1"));
  EXPECT_FALSE(pick("3", "38.1.1"));
  EXPECT_TRUE(pick("3.", "3.2.1"));
}

TEST(Selector, AGlobOfIdCharactersIsAGlobOverIds) {
  EXPECT_TRUE(pick("3.*", "3.1.1"));
  EXPECT_FALSE(pick("3.*", "7.3.1"));
  EXPECT_FALSE(pick("3.*", "13.1.1"));
  EXPECT_TRUE(pick("7.?.10", "7.4.10"));
  EXPECT_FALSE(pick("7.?.10", "7.4.1"));
}

TEST(Selector, AWordIsAGlobOverTheFileName) {
  EXPECT_TRUE(pick("*reset*", "3.1.1"));
  EXPECT_TRUE(pick("stall", "3.1.1"));
  EXPECT_FALSE(pick("*drip*", "3.1.1"));
  EXPECT_FALSE(selects("x", "1.1.1", "scenarios/x-folder/1.1.1-ok.json")) << "the folder is not the name";
}

}  // namespace
}  // namespace midstream::harness
