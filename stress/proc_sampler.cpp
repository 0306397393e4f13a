// Process figures from getrusage and /proc (proc_sampler.h).
#include "stress/proc_sampler.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace midstream::stress {
namespace {

std::string proc_dir(pid_t pid) { return pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid); }

std::string read_text(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

int count_entries(const std::string& dir) {
  std::error_code error;
  int n = 0;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) ++n;
  return n;
}

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

// The context switches of a process's live threads.
double thread_switches(const std::string& dir) {
  double switches = 0;
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir + "/task", error), end; !error && it != end; it.increment(error)) {
    const std::string status = read_text(it->path().string() + "/status");
    switches += status_field(status, "voluntary_ctxt_switches").value_or(0);
    switches += status_field(status, "nonvoluntary_ctxt_switches").value_or(0);
  }
  return switches;
}

}  // namespace

std::optional<std::pair<double, double>> stat_cpu_ticks(const std::string& stat_line) {
  const auto paren = stat_line.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos || paren + 2 > stat_line.size()) return std::nullopt;
  std::istringstream fields(stat_line.substr(paren + 2));
  // Field 3 (state) comes first; utime and stime are fields 14 and 15.
  std::vector<std::string> f;
  for (std::string field; f.size() < 13 && fields >> field;) f.push_back(field);
  if (f.size() < 13) return std::nullopt;
  try {
    return std::make_pair(std::stod(f[11]), std::stod(f[12]));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<double> status_field(const std::string& status_text, const std::string& name) {
  std::istringstream lines(status_text);
  const std::string prefix = name + ":";
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    try {
      return std::stod(line.substr(prefix.size()));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

CpuTimes self_cpu() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return {seconds(usage.ru_utime), seconds(usage.ru_stime), static_cast<double>(usage.ru_nvcsw + usage.ru_nivcsw)};
}

std::optional<CpuTimes> process_cpu(pid_t pid) {
  const std::string dir = proc_dir(pid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  const auto ticks = stat_cpu_ticks(line);
  if (!ticks) return std::nullopt;
  const double per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return CpuTimes{ticks->first / per_second, ticks->second / per_second, thread_switches(dir)};
}

double current_rss_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double peak_rss_mb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

double vm_hwm_mb(pid_t pid) {
  return status_field(read_text(proc_dir(pid) + "/status"), "VmHWM").value_or(0) / 1024.0;  // kB
}

int open_fds(pid_t pid) { return count_entries(proc_dir(pid) + "/fd"); }
int thread_count(pid_t pid) { return count_entries(proc_dir(pid) + "/task"); }

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown";
}

}  // namespace midstream::stress
