// The `portkey` target: the Portkey AI gateway (Node.js, pinned by peers/portkey/package-lock.json)
// as the router under test. The gateway takes its routing config per request, in the
// x-portkey-config header, so one gateway process serves every scenario of a run: each target
// only remembers its scenario's bound config and hands the client the header (portkey_config.h
// says what maps and what is UNSUPPORTED).
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "targets/child_process.h"
#include "targets/registry.h"
#include "targets/host_tools.h"
#include "targets/loopback.h"
#include "targets/owner_thread.h"
#include "targets/portkey_config.h"

namespace midstream::targets {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kGatewayEntry = "node_modules/@portkey-ai/gateway/build/start-server.js";
constexpr const char* kGatewayManifest = "node_modules/@portkey-ai/gateway/package.json";
// Written after a successful `npm ci`: a copy of the lock it installed (also by npm_ci.cmake).
constexpr const char* kInstalledStamp = ".midstream-installed-lock.json";
// fcntl lock shared with peers/portkey/npm_ci.cmake (CMake's file(LOCK) is an fcntl lock too).
constexpr const char* kInstallLock = ".midstream-npm-ci.lock";

// npm's own error lines, without the stack trace: "code ECONNREFUSED | FetchError: request to ...".
std::string npm_error_summary(const std::string& output) {
  std::istringstream lines(output);
  std::string summary;
  int kept = 0;
  for (std::string line; kept < 4 && std::getline(lines, line);) {
    if (line.rfind("npm error ", 0) != 0) continue;
    line = line.substr(10);
    const bool noise = line.empty() || line.front() == ' ' || line.front() == '}' ||
                       line.rfind("syscall", 0) == 0 || line.rfind("errno", 0) == 0;  // stack, duplicates
    if (noise) continue;
    summary += (summary.empty() ? "" : " | ") + line;
    ++kept;
  }
  return summary;
}

bool installed(const PortkeyTargetOptions& o) {
  const fs::path install(o.install_dir);
  return fs::exists(install / kGatewayEntry) && fs::exists(install / kInstalledStamp) &&
         read_file(install / kInstalledStamp) == read_file(fs::path(o.source_dir) / "package-lock.json");
}

// `npm ci` of the pinned lock into install_dir, unless that lock is already installed there.
void ensure_installed(const PortkeyTargetOptions& o) {
  const std::string prefix = "portkey target: npm ci in peers/portkey failed: ";
  const fs::path source(o.source_dir), install(o.install_dir);
  for (const char* file : {"package.json", "package-lock.json", "loopback.cjs"})
    if (!fs::exists(source / file))
      throw std::runtime_error(prefix + (source / file).string() + " is missing (is the source tree complete?)");
  std::error_code error;
  fs::create_directories(install, error);
  if (error) throw std::runtime_error(prefix + "cannot create " + install.string() + ": " + error.message());
  FileLock lock((install / kInstallLock).string());  // another run (or the ctest fixture) may be installing
  if (installed(o)) return;

  const std::string npm = find_program(o.npm);
  if (npm.empty())
    throw std::runtime_error(prefix + "npm (" + o.npm + ") is not on PATH; install Node.js 20+ with npm");
  fs::remove(install / kInstalledStamp, error);
  for (const char* file : {"package.json", "package-lock.json"}) {
    fs::copy_file(source / file, install / file, fs::copy_options::overwrite_existing, error);
    if (error)
      throw std::runtime_error(prefix + "cannot copy " + file + " to " + install.string() + ": " + error.message());
  }
  const fs::path log = install / "npm-ci.log";
  // --ignore-scripts: the gateway's postinstall (patch-package) patches its own dev set-up only.
  const int status = run_logged({npm, "ci", "--prefix=" + install.string(), "--no-audit", "--no-fund",
                                 "--ignore-scripts", "--no-update-notifier", "--fetch-retries=1",
                                 "--fetch-timeout=60000"},
                                log.string());
  const std::string output = read_file(log.string());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string summary = npm_error_summary(output);
    const bool offline = summary.find("request to ") != std::string::npos ||
                         summary.find("ENOTFOUND") != std::string::npos ||
                         summary.find("EAI_AGAIN") != std::string::npos ||
                         summary.find("ECONNREFUSED") != std::string::npos ||
                         summary.find("ETIMEDOUT") != std::string::npos;
    throw std::runtime_error(prefix + (offline ? "the npm registry could not be reached; " : "") + "npm " +
                             describe_wait_status(status) + ": " +
                             (summary.empty() ? one_line_tail(output, 600) : summary) + " (full log: " + log.string() + ")");
  }
  if (!fs::exists(install / kGatewayEntry))
    throw std::runtime_error(prefix + "npm ci succeeded but " + (install / kGatewayEntry).string() + " is missing");
  fs::copy_file(source / "package-lock.json", install / kInstalledStamp, fs::copy_options::overwrite_existing, error);
}

std::string gateway_version(const PortkeyTargetOptions& o) {
  try {
    return nlohmann::json::parse(read_file(fs::path(o.install_dir) / kGatewayManifest)).value("version", "?");
  } catch (const std::exception&) {
    return "?";
  }
}

// The one gateway process of a run.
class Gateway {
 public:
  explicit Gateway(PortkeyTargetOptions options) : options_(std::move(options)) {}
  ~Gateway() {
    std::lock_guard<std::mutex> lock(mutex_);
    owner_.run([this] { terminate(); });
    remove_log();
  }

  struct Lease {
    uint16_t port;
    uint64_t generation;  // which process: a restarted gateway is a new generation
  };

  // The running gateway; starts it (again, when the last one died).
  Lease acquire() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (child_.pid() > 0 && !child_.reap(Clock::now())) return {port_, generation_};
    return owner_.run([this] { return spawn_verified(); });
  }

  // The gateway's pid while it runs (it may have died since: the caller's /proc read fails).
  std::optional<pid_t> pid() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!child_.running()) return std::nullopt;
    return child_.pid();
  }

  // How the process of `generation` ended, when it died on its own; waits up to `grace`.
  std::optional<std::string> death_of(uint64_t generation, std::chrono::milliseconds grace) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (generation != generation_ || child_.pid() <= 0) return std::nullopt;
    if (!child_.reap(Clock::now() + grace)) return std::nullopt;
    return describe_wait_status(*child_.status()) + " (the Portkey gateway)" + tail_suffix();
  }

 private:
  Lease spawn_verified() {
    std::string last_error;
    for (int attempt = 0; attempt < 3; ++attempt) {  // a port taken between probe and bind: retry
      try {
        return spawn();
      } catch (const std::runtime_error& error) {
        last_error = error.what();
        if (last_error.find("EADDRINUSE") == std::string::npos) throw;
      }
    }
    throw std::runtime_error(last_error);
  }

  Lease spawn() {
    terminate();
    const std::string node = find_program(options_.node);
    if (node.empty())
      throw std::runtime_error("portkey target: node (" + options_.node + ") is not on PATH; install Node.js 20+");
    port_ = free_loopback_port();
    const fs::path install(options_.install_dir);
    // The gateway's stdout and stderr, for the error messages; a file of this run's own (several
    // runs and test processes share install_dir), removed with the Gateway.
    remove_log();
    log_path_ = (fs::temp_directory_path() / "midstream-portkey-XXXXXX.log").string();
    std::vector<std::string> args = {node,
                                     "--require",
                                     (fs::path(options_.source_dir) / "loopback.cjs").string(),
                                     (install / kGatewayEntry).string(),
                                     "--headless",
                                     "--port=" + std::to_string(port_)};
    const int log_fd = ::mkostemps(log_path_.data(), 4, O_CLOEXEC);
    if (log_fd < 0) throw std::runtime_error("portkey target: cannot open " + log_path_ + ": " + errno_text(errno));
    // The gateway must not outlive the harness: ChildProcess forks it with a parent-death signal.
    child_.spawn_logged(args, log_fd, "portkey target");
    ++generation_;

    const auto deadline = Clock::now() + options_.start_timeout;
    while (!accepts_connections(port_)) {
      if (child_.reap(Clock::now() + std::chrono::milliseconds(50))) {
        const std::string how = describe_wait_status(*child_.status());
        const std::string log = read_file(log_path_);
        terminate();  // reaped already: closes the pidfd
        throw std::runtime_error("portkey target: the gateway process " + how + " before it accepted connections" +
                                 (log.find("EADDRINUSE") != std::string::npos ? " (EADDRINUSE)" : "") + tail_suffix());
      }
      if (Clock::now() > deadline) {
        terminate();
        throw std::runtime_error("portkey target: the gateway did not accept connections on 127.0.0.1:" +
                                 std::to_string(port_) + " within " +
                                 std::to_string(options_.start_timeout.count()) + " ms" + tail_suffix());
      }
    }
    // Everything binds to 127.0.0.1 only: check what the process really listens on.
    bool all_loopback = true;
    const auto addresses = listening_addresses({child_.pid()}, &all_loopback);
    if (!all_loopback || addresses.empty()) {
      std::string list;
      for (const auto& a : addresses) list += (list.empty() ? "" : ", ") + a;
      terminate();
      throw std::runtime_error("portkey target: the gateway listens on " + (list.empty() ? "nothing it owns" : list) +
                               ", not only on 127.0.0.1 (is peers/portkey/loopback.cjs preloaded?); stopped it");
    }
    return {port_, generation_};
  }

  // SIGTERM, SIGKILL after stop_timeout; always reaps.
  void terminate() { child_.stop(options_.stop_timeout); }

  void remove_log() {
    std::error_code ignored;
    if (!log_path_.empty()) fs::remove(log_path_, ignored);
    log_path_.clear();
  }

  std::string tail_suffix() const {
    const std::string log = one_line_tail(read_file(log_path_), 600);
    return log.empty() ? "" : "; its output: " + log;
  }

  PortkeyTargetOptions options_;
  std::mutex mutex_;  // one start, reap or stop at a time
  ChildProcess child_;
  uint16_t port_ = 0;
  uint64_t generation_ = 0;
  std::string log_path_;
  OwnerThread owner_;  // last member: joined first, after every job above is done
};

class PortkeyTarget : public Target {
 public:
  PortkeyTarget(std::shared_ptr<Gateway> gateway, std::string description)
      : gateway_(std::move(gateway)), description_(std::move(description)) {}

  reports::TargetInfo info() const override { return {"portkey", description_, {}}; }
  bool supports_front(harness::Front front) const override {
    return front == harness::Front::Chat || front == harness::Front::Responses;
  }

  std::optional<std::string> unsupported_reason(const Scenario& scenario) const override {
    return translate_for_portkey(scenario).unsupported;
  }

  uint16_t start(const nlohmann::json& router_config) override {
    config_ = router_config;
    const auto lease = gateway_->acquire();
    generation_ = lease.generation;
    return lease.port;
  }

  net::HeaderList request_headers(const ClientSpec& client) const override {
    const auto translation = translate_for_portkey(config_, client);
    if (translation.unsupported)  // unsupported_reason() already graded it; never send half a config
      throw std::runtime_error("portkey target: " + *translation.unsupported);
    return {{"x-portkey-config", translation.config.dump()}};
  }

  // The gateway outlives the scenario: the next one reuses it.
  void stop() override {}

  std::optional<std::string> exit_status(std::chrono::milliseconds grace) override {
    return gateway_->death_of(generation_, grace);
  }

  std::optional<pid_t> router_pid() const override { return gateway_->pid(); }

 private:
  std::shared_ptr<Gateway> gateway_;
  std::string description_;
  nlohmann::json config_;
  uint64_t generation_ = 0;
};

}  // namespace

PortkeyTargetOptions default_portkey_options() {
  PortkeyTargetOptions o;
  o.source_dir = (fs::path(data_paths().peers) / "portkey").string();
  const char* dir = std::getenv("MIDSTREAM_PORTKEY_DIR");
  o.install_dir = dir && *dir ? std::string(dir) : peer_install_dir("portkey");
  return o;
}

TargetFactory portkey_target(PortkeyTargetOptions options) {
  ensure_installed(options);
  const std::string description = "Portkey AI gateway " + gateway_version(options) + " (node, peers/portkey)";
  auto gateway = std::make_shared<Gateway>(std::move(options));
  return [gateway, description] { return std::make_unique<PortkeyTarget>(gateway, description); };
}

}  // namespace midstream::targets
