// The `process` target: `midstream router --config FILE --port 0` as its own process, one per
// scenario, so the suite grades the reference router across a real process boundary (its own
// sockets, signal handling, start-up and shutdown), not only in-process.
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "harness/target.h"

namespace midstream::harness {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int error) {
  char buffer[256];
  return ::strerror_r(error, buffer, sizeof buffer);
}

// "exited with status 3", "was killed by signal 9 (Killed)".
std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    std::string text = "was killed by signal " + std::to_string(signal);
    if (const char* name = ::sigdescr_np(signal)) text += std::string(" (") + name + ")";
    if (WCOREDUMP(status)) text += ", core dumped";
    return text;
  }
  return "ended with wait status " + std::to_string(status);
}

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

// The last bytes of the router's stderr, on one line, for an error message.
std::string tail_of(const std::string& path, size_t max) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.size() > max) text = "..." + text.substr(text.size() - max);
  std::string out;
  for (char c : text) out += c == '\n' ? std::string(" | ") : std::string(1, c);
  return out;
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

  bool supports_front(const std::string&) const override { return true; }

  uint16_t start(const nlohmann::json& router_config) override {
    if (pid_ > 0) throw std::runtime_error("process target already started");
    status_.reset();
    signalled_ = false;
    {
      const int fd = make_temp_file("midstream-router", ".json", &config_path_);
      try {
        write_all(fd, router_config.dump(2) + "\n", config_path_);
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
    for (const auto& defect : options_.defects) {
      args.push_back("--defect");
      args.push_back(defect);
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      // The child: only async-signal-safe calls until exec. The router must not outlive the
      // harness (a harness killed by a test timeout), hence the parent-death signal.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(126);
      ::dup2(null_fd, STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
      // As if started from a shell: no blocked signals, default dispositions, no other fds.
      sigset_t none;
      ::sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      struct sigaction dfl {};
      dfl.sa_handler = SIG_DFL;
      for (int signal : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) ::sigaction(signal, &dfl, nullptr);
      ::syscall(SYS_close_range, 3U, ~0U, 0U);
      ::execv(argv[0], argv.data());
      static const char kFailed[] = "midstream process target: execv failed\n";
      [[maybe_unused]] auto written = ::write(STDERR_FILENO, kFailed, sizeof kFailed - 1);
      ::_exit(127);
    }
    const int fork_error = errno;
    ::close(out[1]);
    ::close(err_fd);
    ::close(null_fd);
    if (pid < 0) {
      ::close(out[0]);
      cleanup_files();
      throw std::runtime_error("process target: fork failed: " + errno_text(fork_error));
    }
    pid_ = pid;
    stdout_fd_ = out[0];
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));  // -1 on old kernels: polled

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
        const std::string log = tail_of(stderr_path_, 600);
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
      const std::string log = tail_of(stderr_path_, 600);
      stop();
      throw std::runtime_error("the router process " + how.value_or("closed its stdout") +
                               " before printing its port" + (log.empty() ? "" : "; stderr: " + log));
    }
  }

  std::optional<std::string> exit_status(std::chrono::milliseconds grace) override {
    if (signalled_ || (pid_ <= 0 && !status_)) return std::nullopt;  // stopped by us, or never ran
    if (!status_) wait_exit(Clock::now() + grace);
    if (!status_) return std::nullopt;
    return describe_wait_status(*status_);
  }

  std::optional<pid_t> router_pid() const override {
    if (pid_ <= 0 || status_) return std::nullopt;
    return pid_;
  }

  void stop() override {
    if (pid_ > 0) {
      if (!status_ && !wait_exit(Clock::now())) {
        signalled_ = true;
        ::kill(pid_, SIGTERM);
        if (!wait_exit(Clock::now() + options_.stop_timeout)) {
          ::kill(pid_, SIGKILL);
          if (!wait_exit(Clock::now() + std::chrono::seconds(10))) {
            int status = 0;  // SIGKILL cannot be ignored: reap it whatever it takes
            if (::waitpid(pid_, &status, 0) == pid_) status_ = status;
          }
        }
      }
      pid_ = -1;
    }
    if (pidfd_ >= 0) ::close(pidfd_);
    pidfd_ = -1;
    if (stdout_fd_ >= 0) ::close(stdout_fd_);  // after the exit: the router's last line never hits EPIPE
    stdout_fd_ = -1;
    cleanup_files();
  }

 private:
  // Reaps the child if it exited by the deadline; true once status_ is known.
  bool wait_exit(Clock::time_point deadline) {
    if (status_) return true;
    if (pid_ <= 0) return false;
    for (;;) {
      int status = 0;
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        status_ = status;
        return true;
      }
      if (done < 0 && errno != EINTR) return false;
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      // A pidfd becomes readable when the process exits: a wait, not a sleep loop.
      pollfd entry{pidfd_, POLLIN, 0};
      if (pidfd_ >= 0) ::poll(&entry, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
      else ::poll(nullptr, 0, static_cast<int>(std::min<int64_t>(left.count(), 10)));
    }
  }

  void cleanup_files() {
    std::error_code ignored;
    if (!config_path_.empty()) std::filesystem::remove(config_path_, ignored);
    if (!stderr_path_.empty()) std::filesystem::remove(stderr_path_, ignored);
    config_path_.clear();
    stderr_path_.clear();
  }

  ProcessTargetOptions options_;
  bool explicit_path_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stdout_fd_ = -1;
  std::optional<int> status_;
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

}  // namespace midstream::harness
