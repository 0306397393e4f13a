// stress/proc_sampler.h: the /proc parsers on lines made by hand (a command name with spaces and
// parentheses, a line cut short), and the readings of this process and of a child against what
// the test does to them (a file opened, a thread started, CPU burnt, a child gone).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "stress/proc_sampler.h"

namespace midstream::stress {
namespace {

TEST(ProcParsers, StatCpuTicksSkipsACommandNameWithParentheses) {
  // Fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
  const auto ticks = stat_cpu_ticks("4242 (node (x) y) S 1 2 3 4 5 6 7 8 9 10 150 25 0 0 20 0 3");
  ASSERT_TRUE(ticks);
  EXPECT_DOUBLE_EQ(ticks->first, 150);
  EXPECT_DOUBLE_EQ(ticks->second, 25);
  EXPECT_FALSE(stat_cpu_ticks("4242 (node) S 1 2 3"));
  EXPECT_FALSE(stat_cpu_ticks("no command name"));
  EXPECT_FALSE(stat_cpu_ticks("4242 (node)"));
}

TEST(ProcParsers, StatusFieldReadsOneNamedLine) {
  const std::string status =
      "Name:\tmidstream\nVmHWM:\t   20480 kB\nThreads:\t7\n"
      "voluntary_ctxt_switches:\t12\nnonvoluntary_ctxt_switches:\t3\n";
  EXPECT_EQ(status_field(status, "VmHWM"), 20480);
  EXPECT_EQ(status_field(status, "Threads"), 7);
  EXPECT_EQ(status_field(status, "voluntary_ctxt_switches"), 12);
  EXPECT_EQ(status_field(status, "nonvoluntary_ctxt_switches"), 3);
  EXPECT_FALSE(status_field(status, "VmRSS"));
  EXPECT_FALSE(status_field(status, "Name")) << "not a number";
}

TEST(ProcSampler, CountsAnOpenedFileAndAStartedThread) {
  const int fds = open_fds();
  EXPECT_GT(fds, 2);
  EXPECT_EQ(open_fds(::getpid()), fds);
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(open_fds(), fds + 1);
  ::close(fd);
  EXPECT_EQ(open_fds(), fds);

  const int threads = thread_count();
  EXPECT_GE(threads, 1);
  std::atomic<bool> go{false};
  std::thread waiting([&] {
    while (!go) std::this_thread::yield();
  });
  EXPECT_EQ(thread_count(), threads + 1);
  EXPECT_EQ(thread_count(::getpid()), threads + 1);
  go = true;
  waiting.join();
}

TEST(ProcSampler, CpuTimeGrowsWithWork) {
  const CpuTimes before = self_cpu();
  volatile double sink = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(60);
  while (std::chrono::steady_clock::now() < until) sink = sink + 1;
  const CpuTimes spent = self_cpu() - before;
  EXPECT_GT(spent.total_s(), 0.0);
  EXPECT_LT(spent.total_s(), 5.0);

  const auto own = process_cpu(::getpid());
  ASSERT_TRUE(own);
  EXPECT_GT(own->total_s(), 0.0);
  EXPECT_GT(own->switches, 0.0);
}

TEST(ProcSampler, MemoryReadingsAgree) {
  const double rss = current_rss_mb();
  EXPECT_GT(rss, 1.0);
  EXPECT_GE(peak_rss_mb() + 1.0, rss) << "the peak is at least the resident set now";
  EXPECT_GE(vm_hwm_mb(::getpid()) + 1.0, rss);
  EXPECT_FALSE(cpu_model().empty());
}

TEST(ProcSampler, AProcessThatIsGoneReadsAsNothing) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_FALSE(process_cpu(child));
  EXPECT_EQ(vm_hwm_mb(child), 0.0);
  EXPECT_EQ(open_fds(child), 0);
  EXPECT_EQ(thread_count(child), 0);
}

}  // namespace
}  // namespace midstream::stress
