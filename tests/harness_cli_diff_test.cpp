// A regression built on purpose: the same scenario run clean and with a defect switch, then
// `midstream diff` must find the regression and exit 1 (and exit 0 the other way round).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

int run(const std::string& command) {
  const int status = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(MidstreamDiff, FindsARegressionBuiltOnPurposeAndExits1) {
  const fs::path dir = fs::temp_directory_path() / ("midstream-diff-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string bin = MIDSTREAM_BINARY;
  const std::string scenario = std::string(MIDSTREAM_SCENARIO_DIR) + "/3-mid-stream";
  ASSERT_EQ(run(bin + " run " + scenario + " --filter 3.1.1 --out " + (dir / "old").string()), 0);
  ASSERT_EQ(run(bin + " run " + scenario + " --filter 3.1.1 --defect resend-partial --out " + (dir / "new").string()), 1);
  const std::string old_json = (dir / "old" / "results.json").string();
  const std::string new_json = (dir / "new" / "results.json").string();
  EXPECT_EQ(run(bin + " diff " + old_json + " " + new_json + " --out " + (dir / "diff").string()), 1);
  std::ifstream markdown(dir / "diff" / "diff.md");
  std::stringstream text;
  text << markdown.rdbuf();
  EXPECT_NE(text.str().find("3.1.1"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("FAIL"), std::string::npos) << text.str();
  EXPECT_EQ(run(bin + " diff " + new_json + " " + old_json + " --out " + (dir / "fixed").string()), 0);
  EXPECT_EQ(run(bin + " diff " + old_json + " /nonexistent.json"), 2);
  fs::remove_all(dir);
}

}  // namespace
