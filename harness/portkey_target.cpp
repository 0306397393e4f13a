// The `portkey` target: the Portkey AI gateway (Node.js, pinned by peers/portkey/package-lock.json)
// as the router under test. The gateway takes its routing config per request, in the
// x-portkey-config header, so one gateway process serves every scenario of a run: each target
// only remembers its scenario's bound config and hands the client the header (portkey_config.h
// says what maps and what is UNSUPPORTED).
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness/child_process.h"
#include "harness/data_paths.h"
#include "harness/portkey_config.h"
#include "harness/target.h"

extern char** environ;

namespace midstream::harness {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kGatewayEntry = "node_modules/@portkey-ai/gateway/build/start-server.js";
constexpr const char* kGatewayManifest = "node_modules/@portkey-ai/gateway/package.json";
// Written after a successful `npm ci`: a copy of the lock it installed (also by npm_ci.cmake).
constexpr const char* kInstalledStamp = ".midstream-installed-lock.json";
// fcntl lock shared with peers/portkey/npm_ci.cmake (CMake's file(LOCK) is an fcntl lock too).
constexpr const char* kInstallLock = ".midstream-npm-ci.lock";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The last bytes of a log, on one line, for an error message.
std::string tail_of(const std::string& text, size_t max) {
  std::string t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  if (t.size() > max) t = "..." + t.substr(t.size() - max);
  std::string out;
  for (char c : t) out += c == '\n' ? std::string(" | ") : c == '\r' ? std::string() : std::string(1, c);
  return out;
}

// An executable by name on PATH (or the path as given); empty when there is none.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// Holds an fcntl write lock on a file for its lifetime.
class FileLock {
 public:
  explicit FileLock(const fs::path& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot open " + path.string() + ": " + errno_text(errno));
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    while (::fcntl(fd_, F_SETLKW, &lock) != 0)
      if (errno != EINTR) throw std::runtime_error("cannot lock " + path.string() + ": " + errno_text(errno));
  }
  ~FileLock() { ::close(fd_); }  // closing releases the lock
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

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
  FileLock lock(install / kInstallLock);  // another run (or the ctest fixture) may be installing
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
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const std::string prefix_arg = "--prefix=" + install.string();
  // --ignore-scripts: the gateway's postinstall (patch-package) patches its own dev set-up only.
  std::vector<std::string> args = {npm, "ci", prefix_arg, "--no-audit", "--no-fund", "--ignore-scripts",
                                   "--no-update-notifier", "--fetch-retries=1", "--fetch-timeout=60000"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, npm.c_str(), &actions, nullptr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error(prefix + "cannot run " + npm + ": " + errno_text(spawned));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string output = read_file(log);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string summary = npm_error_summary(output);
    const bool offline = summary.find("request to ") != std::string::npos ||
                         summary.find("ENOTFOUND") != std::string::npos ||
                         summary.find("EAI_AGAIN") != std::string::npos ||
                         summary.find("ECONNREFUSED") != std::string::npos ||
                         summary.find("ETIMEDOUT") != std::string::npos;
    throw std::runtime_error(prefix + (offline ? "the npm registry could not be reached; " : "") + "npm " +
                             describe_wait_status(status) + ": " +
                             (summary.empty() ? tail_of(output, 600) : summary) + " (full log: " + log.string() + ")");
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

// A port nobody listens on right now (the gateway takes --port=N, not 0).
uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("portkey target: socket: " + errno_text(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::runtime_error("portkey target: cannot find a free loopback port: " + errno_text(error));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts_connections(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// Every address:port the process listens on (TCP), from /proc/PID/fd and /proc/net/tcp{,6}:
// "127.0.0.1:4000", "0.0.0.0:4000", "[::]:4000", "[::ffff:127.0.0.1]:4000".
std::vector<std::string> listening_addresses(pid_t pid, bool* all_loopback) {
  std::set<std::string> inodes;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
    const auto target = fs::read_symlink(entry.path(), error).string();
    if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::vector<std::string> out;
  *all_loopback = true;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      if (state != "0A" || !inodes.count(inode)) continue;  // 0A: LISTEN
      const auto colon = local.find(':');
      const std::string hex = local.substr(0, colon);
      const int port = std::stoi(local.substr(colon + 1), nullptr, 16);
      std::string address;
      bool loopback = false;
      if (hex.size() == 8) {  // IPv4, little-endian on x86 and arm64
        const uint32_t raw = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
        address = std::to_string(raw & 0xff) + "." + std::to_string((raw >> 8) & 0xff) + "." +
                  std::to_string((raw >> 16) & 0xff) + "." + std::to_string(raw >> 24);
        loopback = (raw & 0xff) == 127;
      } else {
        loopback = hex == "00000000000000000000000001000000" ||                              // ::1
                   (hex.substr(0, 24) == "0000000000000000FFFF0000" && hex.substr(30, 2) == "7F");  // ::ffff:127.x
        address = "[" + hex + "]";
      }
      *all_loopback = *all_loopback && loopback;
      out.push_back(address + ":" + std::to_string(port));
    }
  }
  return out;
}

// Runs jobs on one long-lived thread. The gateway is forked from it, so the gateway's
// parent-death signal (PR_SET_PDEATHSIG, sent when the forking *thread* exits) fires when the
// harness goes, not when whichever runner thread happened to start it finishes.
class OwnerThread {
 public:
  OwnerThread() : thread_([this] { loop(); }) {}
  ~OwnerThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  template <typename F>
  auto run(F job) -> decltype(job()) {
    std::packaged_task<decltype(job())()> task(std::move(job));
    auto result = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.emplace_back([&task] { task(); });
    }
    wake_.notify_one();
    return result.get();
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return quit_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool quit_ = false;
  std::thread thread_;
};

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
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log_fd < 0 || null_fd < 0) {
      const int error = errno;
      if (log_fd >= 0) ::close(log_fd);
      if (null_fd >= 0) ::close(null_fd);
      throw std::runtime_error("portkey target: cannot open " + log_path_ + ": " + errno_text(error));
    }
    // The gateway must not outlive the harness: ChildProcess forks it with a parent-death signal.
    try {
      child_.spawn(args, null_fd, log_fd, log_fd, "portkey target");
    } catch (...) {
      ::close(log_fd);
      ::close(null_fd);
      throw;
    }
    ::close(log_fd);
    ::close(null_fd);
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
    const auto addresses = listening_addresses(child_.pid(), &all_loopback);
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
    const std::string log = tail_of(read_file(log_path_), 600);
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
  bool supports_front(const std::string& front) const override { return front == "chat" || front == "responses"; }

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
  if (const char* dir = std::getenv("MIDSTREAM_PORTKEY_DIR"); dir && *dir) {
    o.install_dir = dir;
  } else if (data_paths().installed) {
    // An installed midstream cannot write under its prefix: the user's cache holds node_modules.
    const char* cache = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    const fs::path base = cache && *cache ? fs::path(cache)
                          : home && *home ? fs::path(home) / ".cache"
                                          : fs::temp_directory_path();
    o.install_dir = (base / "midstream" / "peers" / "portkey").string();
  } else {
    std::error_code error;
    const fs::path exe = fs::read_symlink("/proc/self/exe", error);
    o.install_dir = ((error ? fs::current_path() : exe.parent_path().parent_path()) / "peers" / "portkey").string();
  }
  return o;
}

TargetFactory portkey_target(PortkeyTargetOptions options) {
  ensure_installed(options);
  const std::string description = "Portkey AI gateway " + gateway_version(options) + " (node, peers/portkey)";
  auto gateway = std::make_shared<Gateway>(std::move(options));
  return [gateway, description] { return std::make_unique<PortkeyTarget>(gateway, description); };
}

}  // namespace midstream::harness
