#include "targets/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace midstream::targets {

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

std::string errno_text(int error) {
  char buffer[256];
  return ::strerror_r(error, buffer, sizeof buffer);
}

ChildProcess::~ChildProcess() { stop(std::chrono::milliseconds(5'000)); }

void ChildProcess::spawn(const std::vector<std::string>& args, int stdin_fd, int stdout_fd,
                         int stderr_fd, const std::string& who) {
  spawn(args, stdin_fd, stdout_fd, stderr_fd, who, nullptr, false);
}

void ChildProcess::spawn(const std::vector<std::string>& args, int stdin_fd, int stdout_fd, int stderr_fd,
                         const std::string& who, const std::vector<std::string>* environment, bool own_group) {
  if (running()) throw std::runtime_error(who + ": already running");
  stop(std::chrono::milliseconds(0));
  status_.reset();
  std::vector<std::string> copies = args;  // execv wants char*, not const char*
  std::vector<char*> argv;
  for (auto& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_copies = environment ? *environment : std::vector<std::string>();
  std::vector<char*> envp;
  for (auto& entry : env_copies) envp.push_back(entry.data());
  envp.push_back(nullptr);
  const std::string exec_failed = "midstream: " + who + ": execv " + args.at(0) + " failed\n";

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(126);  // the parent is already gone
    if (own_group) ::setpgid(0, 0);
    ::dup2(stdin_fd, STDIN_FILENO);
    ::dup2(stdout_fd, STDOUT_FILENO);
    ::dup2(stderr_fd, STDERR_FILENO);
    // As if started from a shell: no blocked signals, default dispositions, no other fds.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int signal : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) ::sigaction(signal, &dfl, nullptr);
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    if (environment) ::execve(argv[0], argv.data(), envp.data());
    else ::execv(argv[0], argv.data());
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
    ::_exit(127);
  }
  if (pid < 0) throw std::runtime_error(who + ": fork failed: " + errno_text(errno));
  if (own_group) ::setpgid(pid, pid);  // both sides, so a signal sent right away finds the group
  own_group_ = own_group;
  pid_ = pid;
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));  // -1 on old kernels: polled
}

void ChildProcess::spawn_logged(const std::vector<std::string>& args, int log_fd, const std::string& who,
                                const std::vector<std::string>* environment, bool own_group) {
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    const int error = errno;
    ::close(log_fd);
    throw std::runtime_error(who + ": cannot open /dev/null: " + errno_text(error));
  }
  try {
    spawn(args, null_fd, log_fd, log_fd, who, environment, own_group);
  } catch (...) {
    ::close(null_fd);
    ::close(log_fd);
    throw;
  }
  ::close(null_fd);
  ::close(log_fd);
}

bool ChildProcess::reap(Clock::time_point deadline) {
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

bool ChildProcess::stop(std::chrono::milliseconds grace) {
  bool signalled = false;
  const pid_t target = own_group_ ? -pid_ : pid_;
  if (pid_ > 0 && !reap(Clock::now())) {
    signalled = true;
    ::kill(target, SIGTERM);
    if (!reap(Clock::now() + grace)) {
      ::kill(target, SIGKILL);
      if (!reap(Clock::now() + std::chrono::seconds(10))) {
        int status = 0;  // SIGKILL cannot be ignored: reap it whatever it takes
        if (::waitpid(pid_, &status, 0) == pid_) status_ = status;
      }
    }
  }
  if (pid_ > 0 && own_group_) ::kill(-pid_, SIGKILL);  // workers the leader left behind
  pid_ = -1;
  own_group_ = false;
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
  return signalled;
}

}  // namespace midstream::targets
