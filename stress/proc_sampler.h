#pragma once
// What the load and soak tools read about a process: CPU time and context switches, resident
// memory (now and at its peak), open file descriptors and threads. This process through
// getrusage and /proc/self; another one (a router process) through /proc/PID. Linux only.
#include <sys/types.h>

#include <optional>
#include <string>

namespace midstream::stress {

// CPU time (user and system) and context switches (voluntary + involuntary).
struct CpuTimes {
  double user_s = 0;
  double sys_s = 0;
  double switches = 0;

  double total_s() const { return user_s + sys_s; }
  CpuTimes operator-(const CpuTimes& o) const { return {user_s - o.user_s, sys_s - o.sys_s, switches - o.switches}; }
  CpuTimes& operator+=(const CpuTimes& o) {
    user_s += o.user_s;
    sys_s += o.sys_s;
    switches += o.switches;
    return *this;
  }
};

// This process so far (getrusage, every thread, dead ones included).
CpuTimes self_cpu();
// Another process: utime + stime of the whole thread group from /proc/PID/stat, and the context
// switches of the threads alive now (/proc/PID/task/*/status). Nothing once it is gone.
std::optional<CpuTimes> process_cpu(pid_t pid);

// This process's resident set now (/proc/self/statm), in MB; 0 when it cannot be read.
double current_rss_mb();
// This process's peak resident set (getrusage ru_maxrss), in MB.
double peak_rss_mb();
// A process's peak resident set (VmHWM in /proc/PID/status), in MB; 0 when it cannot be read.
double vm_hwm_mb(pid_t pid);

// Entries of /proc/PID/fd and /proc/PID/task; pid 0 is this process. 0 when they cannot be read.
int open_fds(pid_t pid = 0);
int thread_count(pid_t pid = 0);

// The first "model name" of /proc/cpuinfo, "unknown" without one.
std::string cpu_model();

// The parsers, for the tests. utime and stime (fields 14 and 15, in clock ticks) of a
// /proc/PID/stat line, whose command name may hold spaces and parentheses; nothing when the
// line is cut short.
std::optional<std::pair<double, double>> stat_cpu_ticks(const std::string& stat_line);
// The value of a "Name:   123 kB" line in /proc/PID/status text (kB fields: in kB), or nothing.
std::optional<double> status_field(const std::string& status_text, const std::string& name);

}  // namespace midstream::stress
