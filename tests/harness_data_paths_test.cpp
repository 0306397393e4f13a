// Where an installed or an uninstalled midstream finds its catalogue, peers and schemas.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "harness/data_paths.h"

namespace midstream::harness {
namespace {

namespace fs = std::filesystem;

class DataPathsTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("midstream-data-paths-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "prefix" / "bin");
    std::ofstream(root_ / "prefix" / "bin" / "midstream") << "";
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(DataPathsTest, AnInstalledBinaryReadsPrefixShareMidstream) {
  fs::create_directories(root_ / "prefix" / "share" / "midstream" / "scenarios");
  const DataPaths paths = data_paths_for((root_ / "prefix" / "bin" / "midstream").string(), "/src");
  const fs::path share = root_ / "prefix" / "share" / "midstream";
  EXPECT_TRUE(paths.installed);
  EXPECT_EQ(paths.root, share.string());
  EXPECT_EQ(paths.catalogue, (share / "scenarios").string());
  EXPECT_EQ(paths.peers, (share / "peers").string());
  EXPECT_EQ(paths.scenario_schema, (share / "schemas" / "scenario.schema.json").string());
  EXPECT_EQ(paths.results_schema, (share / "schemas" / "results.schema.json").string());
}

TEST_F(DataPathsTest, WithoutAnInstalledCatalogueTheSourceTreeIsRead) {
  const DataPaths paths = data_paths_for((root_ / "prefix" / "bin" / "midstream").string(), "/src/midstream");
  EXPECT_FALSE(paths.installed);
  EXPECT_EQ(paths.catalogue, "/src/midstream/scenarios");
  EXPECT_EQ(paths.peers, "/src/midstream/peers");
  EXPECT_EQ(paths.scenario_schema, "/src/midstream/scenarios/scenario.schema.json");
  EXPECT_EQ(paths.results_schema, "/src/midstream/reports/results.schema.json");
  EXPECT_FALSE(data_paths_for("", "/src/midstream").installed);
}

TEST(DataPaths, TheTestsReadTheSourceTreeTheyWereBuiltFrom) {
  EXPECT_FALSE(data_paths().installed);
  EXPECT_EQ(fs::path(data_paths().catalogue), fs::path(MIDSTREAM_SCENARIO_DIR).lexically_normal());
  EXPECT_TRUE(fs::is_regular_file(data_paths().scenario_schema));
  EXPECT_TRUE(fs::is_regular_file(data_paths().results_schema));
}

}  // namespace
}  // namespace midstream::harness
