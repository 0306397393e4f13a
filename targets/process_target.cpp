// The `process` target: `midstream router --config FILE --port 0` as its own process, one per
// scenario, so the suite grades the reference router across a real process boundary (its own
// sockets, signal handling, start-up and shutdown), not only in-process.
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
#include <regex>
#include <stdexcept>

#include "targets/child_process.h"
#include "targets/host_tools.h"
#include "targets/registry.h"

namespace midstream::targets {
namespace {

using Clock = std::chrono::steady_clock;

// A unique file in the temp directory, opened close-on-exec; the path is returned in *path.
int make_temp_file(const std::string& stem, const std::string& suffix, std::string* path) {
  std::string pattern = (std::filesystem::temp_directory_path() / (stem + "-XXXXXX" + suffix)).string();
  const int fd = ::mkostemps(pattern.data(), static_cast<int>(suffix.size()), O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot create a temp file " + pattern + ": " + errno_text(errno));
  *path = pattern;
  return fd;
}

void write_all(int fd, const std::string& data, const std::string& path) {
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("cannot write " + path + ": " + errno_text(errno));
    done += static_cast<size_t>(n);
  }
}

std::string resolve_executable(const std::string& given) {
  std::error_code error;
  std::string path = given;
  if (path.empty()) {
    path = std::filesystem::read_symlink("/proc/self/exe", error).string();
    if (error) throw std::runtime_error("process target: cannot read /proc/self/exe: " + error.message());
  }
  if (::access(path.c_str(), X_OK) != 0)
    throw std::runtime_error("process target: " + path + " is not an executable (" + errno_text(errno) +
                             "); give the midstream binary as --target process=PATH");
  return path;
}

class ProcessTarget : public Target {
 public:
  ProcessTarget(ProcessTargetOptions options, bool explicit_path)
      : options_(std::move(options)), explicit_path_(explicit_path) {}
  ~ProcessTarget() override { stop(); }

  reports::TargetInfo info() const override {
    return {"process",
            explicit_path_ ? "reference router (process: " + options_.executable + ")"
                           : "reference router (midstream router process)",
            options_.defects};
  }

  bool supports_front(harness::Front) const override { return true; }

  uint16_t start(const nlohmann::json& router_config) override {
    if (child_.pid() > 0) throw std::runtime_error("process target already started");
    signalled_ = false;
    {
      const int fd = make_temp_file("midstream-router", ".json", &config_path_);
      try {
        write_all(fd, seeded_router_config(router_config, options_.seed).dump(2) + "\n", config_path_);
      } catch (...) {
        ::close(fd);
        throw;
      }
      ::close(fd);
    }
    const int err_fd = make_temp_file("midstream-router", ".log", &stderr_path_);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out[2];
    if (null_fd < 0 || ::pipe2(out, O_CLOEXEC) != 0) {
      const int error = errno;
      ::close(err_fd);
      if (null_fd >= 0) ::close(null_fd);
      throw std::runtime_error("process target: cannot make the router's stdio: " + errno_text(error));
    }

    std::vector<std::string> args = {options_.executable, "router", "--config", config_path_, "--port", "0"};
    if (options_.threads > 0) {
      args.push_back("--threads");
      args.push_back(std::to_string(options_.threads));
    }
    for (const auto& defect : options_.defects) {
      args.push_back("--defect");
      args.push_back(defect);
    }
    // The router must not outlive the harness (a harness killed by a test timeout): ChildProcess
    // forks it with a parent-death signal.
    try {
      child_.spawn(args, null_fd, out[1], err_fd, "process target");
    } catch (...) {
      for (int fd : {out[0], out[1], err_fd, null_fd}) ::close(fd);
      cleanup_files();
      throw;
    }
    ::close(out[1]);
    ::close(err_fd);
    ::close(null_fd);
    stdout_fd_ = out[0];

    // The router prints "midstream router listening on http://127.0.0.1:PORT" once it serves.
    static const std::regex kListening(R"(listening on http://[^:/\s]+:(\d+))");
    const auto deadline = Clock::now() + options_.start_timeout;
    std::string output;
    for (;;) {
      for (size_t begin = 0, end; (end = output.find('\n', begin)) != std::string::npos; begin = end + 1) {
        std::smatch match;
        const std::string line = output.substr(begin, end - begin);
        if (std::regex_search(line, match, kListening)) {
          const long port = std::stol(match[1].str());
          if (port > 0 && port <= 65535) return static_cast<uint16_t>(port);
        }
      }
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        const std::string log = one_line_tail(read_file(stderr_path_), 600);
        stop();
        throw std::runtime_error("the router process printed no port within " +
                                 std::to_string(options_.start_timeout.count()) + " ms" +
                                 (log.empty() ? "" : "; stderr: " + log));
      }
      pollfd entry{stdout_fd_, POLLIN, 0};
      const int ready = ::poll(&entry, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
      if (ready < 0 && errno != EINTR) throw std::runtime_error("process target: poll: " + errno_text(errno));
      if (ready <= 0) continue;
      char buffer[1024];
      const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n > 0) {
        output.append(buffer, static_cast<size_t>(n));
        continue;
      }
      // EOF: the router closed its stdout, i.e. it is exiting before it served.
      const auto how = exit_status(std::chrono::milliseconds(5'000));
      const std::string log = one_line_tail(read_file(stderr_path_), 600);
      stop();
      throw std::runtime_error("the router process " + how.value_or("closed its stdout") +
                               " before printing its port" + (log.empty() ? "" : "; stderr: " + log));
    }
  }

  std::optional<std::string> exit_status(std::chrono::milliseconds grace) override {
    if (signalled_ || (child_.pid() <= 0 && !child_.status())) return std::nullopt;  // stopped by us, or never ran
    if (!child_.reap(Clock::now() + grace)) return std::nullopt;
    return describe_wait_status(*child_.status());
  }

  std::optional<pid_t> router_pid() const override {
    if (!child_.running()) return std::nullopt;
    return child_.pid();
  }

  void stop() override {
    if (child_.stop(options_.stop_timeout)) signalled_ = true;
    if (stdout_fd_ >= 0) ::close(stdout_fd_);  // after the exit: the router's last line never hits EPIPE
    stdout_fd_ = -1;
    cleanup_files();
  }

 private:
  void cleanup_files() {
    std::error_code ignored;
    if (!config_path_.empty()) std::filesystem::remove(config_path_, ignored);
    if (!stderr_path_.empty()) std::filesystem::remove(stderr_path_, ignored);
    config_path_.clear();
    stderr_path_.clear();
  }

  ProcessTargetOptions options_;
  bool explicit_path_;
  ChildProcess child_;
  int stdout_fd_ = -1;
  bool signalled_ = false;  // stop() sent SIGTERM: an exit after that is not a death
  std::string config_path_;
  std::string stderr_path_;
};

}  // namespace

TargetFactory process_target(ProcessTargetOptions options) {
  const bool explicit_path = !options.executable.empty();
  options.executable = resolve_executable(options.executable);
  return [options, explicit_path] { return std::make_unique<ProcessTarget>(options, explicit_path); };
}

}  // namespace midstream::targets
