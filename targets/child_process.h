#pragma once
// A child process the harness starts and must never leave behind: a router process (the
// `process` target) or the Portkey gateway (the `portkey` target). It is forked with a
// parent-death signal, so it gets SIGTERM if the *thread* that forked it exits (a harness killed
// by a test timeout leaves nothing behind); fork from a thread that lives as long as the child.
// Its exit is waited for on a pidfd, never with a sleep loop, and every wait has a deadline.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace midstream::targets {

// "exited with status 3", "was killed by signal 9 (Killed)".
std::string describe_wait_status(int status);
// strerror_r, thread-safe.
std::string errno_text(int error);

class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;

  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Stops a child still running (SIGTERM, then SIGKILL after 5 s).
  ~ChildProcess();

  // Forks and execs args[0] (a path) with args. The child reads stdin_fd and writes stdout_fd and
  // stderr_fd (the caller keeps and closes its own copies), starts with no blocked signals,
  // default dispositions and no other descriptors. Throws std::runtime_error "<who>: fork
  // failed: ..."; an exec failure is the child's exit status 127 (with a line on its stderr).
  void spawn(const std::vector<std::string>& args, int stdin_fd, int stdout_fd, int stderr_fd,
             const std::string& who);
  // The same, with the child's environment replaced by `environment` ("NAME=VALUE" each) when it
  // is given, and with `own_group` the child leading a process group of its own that stop()
  // signals whole (a router that forks workers, or a shell that runs one).
  void spawn(const std::vector<std::string>& args, int stdin_fd, int stdout_fd, int stderr_fd,
             const std::string& who, const std::vector<std::string>* environment, bool own_group);

  // spawn() with stdin from /dev/null and stdout and stderr into `log_fd`, which it closes
  // whatever happens (the router's output, for its error messages).
  void spawn_logged(const std::vector<std::string>& args, int log_fd, const std::string& who,
                    const std::vector<std::string>* environment = nullptr, bool own_group = false);

  // The child's pid, -1 when none was spawned or it was stopped.
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !status_; }
  // Its wait status once it was reaped; kept after stop() until the next spawn().
  const std::optional<int>& status() const { return status_; }

  // Reaps the child if it exited by the deadline; true once status() is known.
  bool reap(Clock::time_point deadline);
  // Reaps a child that already exited; else SIGTERM, and SIGKILL if it is still there after
  // `grace` (to its whole process group when it leads one; what is left of the group gets
  // SIGKILL after the leader was reaped). Always reaps (SIGKILL cannot be ignored). Returns true
  // when it sent a signal, false when the child had already exited on its own (or there was none).
  bool stop(std::chrono::milliseconds grace);

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool own_group_ = false;
  std::optional<int> status_;
};

}  // namespace midstream::targets
