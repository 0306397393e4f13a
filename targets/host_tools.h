#pragma once
// Small host helpers the peer targets share (portkey, the launch-command target and its litellm
// and nginx presets): read a file, a log's tail for an error message, a program on PATH, an
// fcntl file lock held while a peer installs, and running an installer to completion with its
// output in a log.
#include <string>
#include <vector>

namespace midstream::targets {

// The whole file; empty when it cannot be read.
std::string read_file(const std::string& path);

// The last `max` bytes of a text (trailing blanks dropped), its newlines shown as " | ", for an
// error message on one line.
std::string one_line_tail(const std::string& text, size_t max);

// An executable by name on PATH, then in `extra_dirs` (e.g. /usr/sbin for nginx), or the path as
// given when it has a slash; empty when there is none.
std::string find_program(const std::string& name, const std::vector<std::string>& extra_dirs = {});

// Holds an fcntl write lock on a file (created if missing) for its lifetime; CMake's file(LOCK)
// takes the same kind, so a ctest fixture and a target installing a peer wait for each other.
class FileLock {
 public:
  explicit FileLock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// Runs args[0] (a path) with args, stdin from /dev/null, stdout and stderr into `log`
// (truncated), and waits for it; returns its wait status. Throws std::runtime_error when it
// cannot be started.
int run_logged(const std::vector<std::string>& args, const std::string& log);

}  // namespace midstream::targets
