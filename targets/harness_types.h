#pragma once
// The harness types every router adapter works with, named in this package's namespace: a
// target implements harness::Target for a harness::Scenario and its harness::ClientSpec.
#include "harness/data_paths.h"
#include "harness/scenario.h"
#include "harness/target.h"

namespace midstream::targets {

using harness::bind_router_config;
using harness::ClientSpec;
using harness::data_paths;
using harness::DataPaths;
using harness::Front;
using harness::peer_install_dir;
using harness::Scenario;
using harness::Target;
using harness::TargetFactory;

}  // namespace midstream::targets
