// The `litellm` target: the LiteLLM proxy as a launch-command target (command_target.h). The
// pinned version is installed on first use into the build tree (or the user's cache) by
// peers/litellm/pip_install.cmake, hash-locked, in a venv of its own; `litellm=PATH` runs a
// LiteLLM the user installed. Either way it runs offline and on 127.0.0.1 only (peers/litellm/README.md).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "targets/child_process.h"
#include "targets/command_target.h"
#include "targets/registry.h"
#include "targets/host_tools.h"

namespace midstream::targets {
namespace {

namespace fs = std::filesystem;

// LiteLLM's PyPI releases 1.82.7 and 1.82.8 were compromised: never installed, never run.
bool compromised(const std::string& version) { return version == "1.82.7" || version == "1.82.8"; }

std::vector<int> version_parts(const std::string& version) {
  std::vector<int> parts;
  for (size_t start = 0; start <= version.size();) {
    const size_t dot = version.find('.', start);
    parts.push_back(std::atoi(version.substr(start, dot - start).c_str()));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string shell_quoted(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string random_key() {
  std::random_device seed;
  std::string key = "sk-midstream-";
  for (int i = 0; i < 32; ++i) key += "0123456789abcdef"[seed() % 16];
  return key;
}

// The version of the litellm package beside a venv's bin/litellm, from its dist-info folder.
std::string installed_version(const std::string& executable) {
  std::error_code error;
  const fs::path lib = fs::path(executable).parent_path().parent_path() / "lib";
  static const std::regex kDistInfo(R"(litellm-([0-9][0-9a-z.]*)\.dist-info)");
  for (const auto& python : fs::directory_iterator(lib, error))
    for (const auto& entry : fs::directory_iterator(python.path() / "site-packages", error)) {
      std::smatch match;
      const std::string name = entry.path().filename().string();
      if (std::regex_match(name, match, kDistInfo)) return match[1].str();
    }
  return "";
}

// The message of pip_install.cmake's FATAL_ERROR ("litellm_pip_install: ...", which CMake wraps
// over indented lines) on one line; else the log's tail.
std::string install_failure(const std::string& output) {
  const auto at = output.rfind("litellm_pip_install:");
  if (at == std::string::npos) return one_line_tail(output, 600);
  std::istringstream lines(output.substr(at));
  std::string text;
  for (std::string line; std::getline(lines, line);) {
    line.erase(0, line.find_first_not_of(' '));
    if (line.empty() || line.rfind("Call Stack", 0) == 0) break;
    text += (text.empty() ? "" : " ") + line;
  }
  return text;
}

// Runs peers/litellm/pip_install.cmake for the lock unless it is installed already.
void ensure_installed(const std::string& lock, const std::string& install_dir, const std::string& version) {
  const fs::path install(install_dir);
  const std::string entry = (install / "venv" / "bin" / "litellm").string();
  const std::string stamp = (install / ".midstream-installed-requirements.txt").string();
  if (::access(entry.c_str(), X_OK) == 0 && read_file(stamp) == read_file(lock)) return;
  const std::string prefix = "litellm target: installing LiteLLM " + version + " failed: ";
  const std::string cmake = find_program("cmake");
  if (cmake.empty()) throw std::runtime_error(prefix + "cmake (which runs peers/litellm/pip_install.cmake) is not on PATH");
  const std::string python = ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : find_program("python3");
  if (python.empty()) throw std::runtime_error(prefix + "python3 (Python 3.11) is not on PATH");
  std::error_code error;
  fs::create_directories(install, error);
  if (error) throw std::runtime_error(prefix + "cannot create " + install_dir + ": " + error.message());
  std::cerr << "midstream: installing LiteLLM " << version << " into " << install_dir
            << " (pip, hash-locked; once, about a minute)\n";
  const std::string log = (install / "install.log").string();
  const std::string script = (fs::path(lock).parent_path() / "pip_install.cmake").string();
  const int status = run_logged({cmake, "-DPYTHON=" + python, "-DLOCK=" + lock, "-DINSTALL_DIR=" + install_dir, "-P",
                                 script},
                                log);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(prefix + install_failure(read_file(log)) + " (cmake " + describe_wait_status(status) +
                             "; full log: " + log + ")");
}

}  // namespace

std::vector<std::string> pinned_litellm_versions(const std::string& peers_dir) {
  static const std::regex kLock(R"(requirements-([0-9][0-9a-z.]*)\.txt)");
  std::vector<std::string> versions;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(peers_dir, error)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, match, kLock) && !compromised(match[1].str())) versions.push_back(match[1].str());
  }
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return version_parts(a) < version_parts(b); });
  return versions;
}

TargetFactory litellm_target(LiteLLMTargetOptions o) {
  if (o.peers_dir.empty()) o.peers_dir = (fs::path(data_paths().peers) / "litellm").string();
  std::string description;
  if (o.executable.empty()) {
    const auto pinned = pinned_litellm_versions(o.peers_dir);
    std::string list;
    for (const auto& v : pinned) list += (list.empty() ? "" : ", ") + v;
    if (compromised(o.version))
      throw std::runtime_error("litellm@" + o.version + ": a compromised release that midstream never installs");
    if (pinned.empty()) throw std::runtime_error("litellm target: " + o.peers_dir + " pins no LiteLLM version");
    if (o.version.empty()) o.version = pinned.back();
    if (std::find(pinned.begin(), pinned.end(), o.version) == pinned.end())
      throw std::runtime_error("litellm@" + o.version + ": not pinned by peers/litellm (pinned: " + list +
                               "); for another LiteLLM give its executable: --target litellm=PATH");
    if (o.install_dir.empty()) {
      const char* root = std::getenv("MIDSTREAM_LITELLM_DIR");
      o.install_dir = root && *root ? (fs::path(root) / ("litellm-" + o.version)).string()
                                    : peer_install_dir("litellm-" + o.version);
    }
    ensure_installed((fs::path(o.peers_dir) / ("requirements-" + o.version + ".txt")).string(), o.install_dir,
                     o.version);
    o.executable = (fs::path(o.install_dir) / "venv" / "bin" / "litellm").string();
    description = "LiteLLM proxy " + o.version + " (pip, hash-locked by peers/litellm)";
  } else {
    if (find_program(o.executable).empty())
      throw std::runtime_error("litellm target: cannot run " + o.executable + " (give the litellm executable: "
                               "--target litellm=PATH/TO/venv/bin/litellm)");
    const std::string version = installed_version(o.executable);
    if (compromised(version))
      throw std::runtime_error("litellm target: " + o.executable + " is LiteLLM " + version +
                               ", a compromised release; midstream does not run it");
    description = "LiteLLM proxy " + (version.empty() ? "(version unknown)" : version) + " at " + o.executable;
  }

  const std::string key = random_key();
  CommandTargetOptions c;
  c.name = "litellm";
  c.description = description;
  c.command = shell_quoted(o.executable) + " --config {config} --host 127.0.0.1 --port {port} --telemetry False";
  c.format = litellm_format();
  c.ready_path = "/health/liveliness";
  c.ready_timeout = o.ready_timeout;
  c.set_environment = {"LITELLM_LOCAL_MODEL_COST_MAP=True", "LITELLM_MODE=PRODUCTION",
                       "LITELLM_DONT_SHOW_FEEDBACK_BOX=true", "LITELLM_MASTER_KEY=" + key};
  c.unset_environment = {"DATABASE_URL", "DIRECT_URL",   "HTTP_PROXY",        "HTTPS_PROXY",      "http_proxy",
                         "https_proxy",  "ALL_PROXY",    "all_proxy",         "OPENAI_API_KEY",   "OPENAI_BASE_URL",
                         "OPENAI_API_BASE", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_BASE"};
  c.headers = {{"Authorization", "Bearer " + key}};
  return command_target(std::move(c));
}

}  // namespace midstream::targets
