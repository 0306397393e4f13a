// The load report as JSON and as a table (load_reporter.h).
#include "reports/load_reporter.h"

#include <functional>
#include <iomanip>
#include <sstream>

namespace midstream::reports {
namespace {

nlohmann::json or_null(bool present, double value) {
  return present ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json summary_json(const LatencySummary& s) {
  return {{"count", s.count},
          {"p50_us", or_null(s.count > 0, s.p50_us)},
          {"p99_us", or_null(s.count > 0, s.p99_us)},
          {"mean_us", or_null(s.count > 0, s.mean_us)},
          {"max_us", or_null(s.count > 0, s.max_us)}};
}

nlohmann::json path_json(const PathStats& p) {
  return {{"attempted", p.attempted},
          {"completed", p.completed},
          {"failed", p.failed},
          {"ttft", summary_json(p.ttft)},
          {"inter_chunk", summary_json(p.inter_chunk)},
          {"wall_s", p.wall_s},
          {"streams_per_s", p.streams_per_s},
          {"cpu_s", p.cpu_s},
          {"cpu_user_s", p.cpu_user_s},
          {"cpu_sys_s", p.cpu_sys_s},
          {"context_switches_per_stream", p.context_switches_per_stream},
          {"cpu_s_per_1000_streams", or_null(p.completed > 0, p.cpu_s_per_1000_streams)}};
}

nlohmann::json switchover_json(const LoadReport& r, const TargetLoad& t) {
  nlohmann::json j = {{"applicable", t.switchover_applicable},
                      {"attempted", t.switchover_attempted},
                      {"completed", t.switchover_completed},
                      {"truncated", t.switchover_truncated},
                      {"unmatched", t.switchover_unmatched},
                      {"reset_after_deltas", r.settings.reset_after_deltas},
                      {"latency", summary_json(t.switchover)}};
  if (!t.switchover_note.empty()) j["note"] = t.switchover_note;
  return j;
}

nlohmann::json router_process_json(const TargetLoad& t) {
  if (!t.own_process) return nullptr;
  return {{"cpu_s", t.router_process_cpu_s},
          {"cpu_user_s", t.router_process_cpu_user_s},
          {"cpu_sys_s", t.router_process_cpu_sys_s},
          {"context_switches_per_stream", t.router_process_context_switches_per_stream}};
}

// Whether a target's router CPU per 1000 streams was measured.
bool router_cpu_measured(const LoadReport& r, const TargetLoad& t) {
  return t.own_process ? t.path.completed > 0 : r.direct.completed && t.path.completed;
}

// The headline keys of one target (the same names as the report's top level).
nlohmann::json target_json(const LoadReport& r, const TargetLoad& t) {
  const bool both_ttft = r.direct.ttft.count && t.path.ttft.count;
  const bool both_gaps = r.direct.inter_chunk.count && t.path.inter_chunk.count;
  const bool switched = t.switchover.count > 0;
  return {
      {"name", t.name},
      {"description", t.description},
      {"streams", r.settings.streams},
      {"concurrency", r.settings.concurrency},
      {"ttft_overhead_p50_us", or_null(both_ttft, t.ttft_overhead_p50_us)},
      {"ttft_overhead_p99_us", or_null(both_ttft, t.ttft_overhead_p99_us)},
      {"inter_chunk_overhead_p50_us", or_null(both_gaps, t.inter_chunk_overhead_p50_us)},
      {"inter_chunk_overhead_p99_us", or_null(both_gaps, t.inter_chunk_overhead_p99_us)},
      {"switchover_p50_us", or_null(switched, t.switchover.p50_us)},
      {"switchover_p99_us", or_null(switched, t.switchover.p99_us)},
      {"throughput_ratio", or_null(r.direct.streams_per_s > 0, t.throughput_ratio)},
      {"router_streams_per_s", t.path.streams_per_s},
      {"router_cpu_s_per_1000_streams", or_null(router_cpu_measured(r, t), t.router_cpu_s_per_1000_streams)},
      {"router_cpu_source", t.own_process ? "the router process's own utime + stime (/proc/PID/stat)"
                                          : "this process's CPU on the router path minus the direct path's"},
      {"router_peak_rss_mb", t.peak_rss_mb},
      {"rss_source", t.rss_source},
      {"router", path_json(t.path)},
      {"switchover", switchover_json(r, t)},
      {"router_process", router_process_json(t)},
  };
}

}  // namespace

nlohmann::json to_json(const LoadReport& r) {
  const bool both_ttft = r.direct.ttft.count && r.router.ttft.count;
  const bool both_gaps = r.direct.inter_chunk.count && r.router.inter_chunk.count;
  const bool switched = r.switchover.count > 0;
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : r.targets) targets.push_back(target_json(r, t));
  const TargetLoad* first = r.targets.empty() ? nullptr : &r.targets.front();
  return {
      {"streams", r.settings.streams},
      {"concurrency", r.settings.concurrency},
      {"seconds_bound", r.settings.seconds},
      {"elapsed_s", r.elapsed_s},
      {"bounded_by_time", r.bounded_by_time},
      {"target", first ? first->name : ""},
      {"ttft_overhead_p50_us", or_null(both_ttft, r.ttft_overhead_p50_us)},
      {"ttft_overhead_p99_us", or_null(both_ttft, r.ttft_overhead_p99_us)},
      {"inter_chunk_overhead_p50_us", or_null(both_gaps, r.inter_chunk_overhead_p50_us)},
      {"inter_chunk_overhead_p99_us", or_null(both_gaps, r.inter_chunk_overhead_p99_us)},
      {"switchover_p50_us", or_null(switched, r.switchover.p50_us)},
      {"switchover_p99_us", or_null(switched, r.switchover.p99_us)},
      {"throughput_ratio", or_null(r.direct.streams_per_s > 0, r.throughput_ratio)},
      {"router_streams_per_s", r.router.streams_per_s},
      {"direct_streams_per_s", r.direct.streams_per_s},
      {"router_cpu_s_per_1000_streams", or_null(first && router_cpu_measured(r, *first), r.router_cpu_s_per_1000_streams)},
      {"router_peak_rss_mb", r.peak_rss_mb},
      {"process_peak_rss_mb", r.process_peak_rss_mb},
      {"rss_at_start_mb", r.rss_at_start_mb},
      {"rss_note", first ? first->rss_source : ""},
      {"direct", path_json(r.direct)},
      {"router", path_json(r.router)},
      {"switchover", first ? switchover_json(r, *first) : nlohmann::json(nullptr)},
      {"targets", targets},
      {"event_delay_ms", r.settings.event_delay_ms},
      {"rounds", r.settings.rounds},
      {"router_threads", r.settings.router_threads},
      {"machine", {{"nproc", r.nproc}, {"cpu_model", r.cpu_model}}},
      {"problems", r.problems},
  };
}

// ---------------------------------------------------------------------------------------------
// The table.

namespace {

std::string cell_us(bool present, double v, bool sign = false) {
  if (!present) return "-";
  std::ostringstream c;
  c << std::fixed << std::setprecision(0) << (sign && v >= 0 ? "+" : "") << v << " us";
  return c.str();
}

std::string cell(bool present, double v, int precision, const char* unit = "") {
  if (!present) return "-";
  std::ostringstream c;
  c << std::fixed << std::setprecision(precision) << v << unit;
  return c.str();
}

// Rows of a label, then a cell for direct and one per target.
class Table {
 public:
  Table(std::ostream& out, const LoadReport& r) : out_(out), r_(r) {}

  void row(const std::string& label, const std::vector<std::string>& cells) {
    out_ << "  " << std::left << std::setw(28) << label << std::right;
    for (size_t i = 0; i < 1 + r_.targets.size(); ++i) out_ << std::setw(14) << (i < cells.size() ? cells[i] : "");
    out_ << "\n";
  }
  void per_target(const std::string& label, const std::string& direct,
                  const std::function<std::string(const TargetLoad&)>& f) {
    std::vector<std::string> cells = {direct};
    for (const auto& t : r_.targets) cells.push_back(f(t));
    row(label, cells);
  }
  void path_row(const std::string& label, const std::function<std::string(const PathStats&)>& f) {
    per_target(label, f(r_.direct), [&](const TargetLoad& t) { return f(t.path); });
  }

 private:
  std::ostream& out_;
  const LoadReport& r_;
};

void path_rows(Table& table) {
  table.per_target("", "direct", [](const TargetLoad& t) { return t.name; });
  table.path_row("streams ok/tried", [](const PathStats& p) {
    return std::to_string(p.completed) + "/" + std::to_string(p.attempted);
  });
  table.path_row("TTFT p50", [](const PathStats& p) { return cell_us(p.ttft.count > 0, p.ttft.p50_us); });
  table.path_row("TTFT p99", [](const PathStats& p) { return cell_us(p.ttft.count > 0, p.ttft.p99_us); });
  table.path_row("inter-chunk p50", [](const PathStats& p) { return cell_us(p.inter_chunk.count > 0, p.inter_chunk.p50_us); });
  table.path_row("inter-chunk p99", [](const PathStats& p) { return cell_us(p.inter_chunk.count > 0, p.inter_chunk.p99_us); });
  table.path_row("streams/s", [](const PathStats& p) { return cell(true, p.streams_per_s, 1); });
  table.path_row("CPU s/1000 (this process)", [](const PathStats& p) { return cell(p.completed > 0, p.cpu_s_per_1000_streams, 3); });
  table.path_row("ctx switches/stream (this)", [](const PathStats& p) { return cell(true, p.context_switches_per_stream, 1); });
}

void overhead_rows(Table& table, const LoadReport& r) {
  const bool direct_ok = r.direct.completed > 0;
  table.per_target("TTFT added p50", "", [&](const TargetLoad& t) {
    return cell_us(direct_ok && t.path.completed, t.ttft_overhead_p50_us, true);
  });
  table.per_target("TTFT added p99", "", [&](const TargetLoad& t) {
    return cell_us(direct_ok && t.path.completed, t.ttft_overhead_p99_us, true);
  });
  table.per_target("inter-chunk added p99", "", [&](const TargetLoad& t) {
    return cell_us(direct_ok && t.path.completed, t.inter_chunk_overhead_p99_us, true);
  });
  table.per_target("throughput ratio", "", [&](const TargetLoad& t) {
    return cell(r.direct.streams_per_s > 0, t.throughput_ratio, 3);
  });
  table.per_target("router CPU s/1000 streams", "", [](const TargetLoad& t) {
    return cell(t.path.completed > 0, t.router_cpu_s_per_1000_streams, 3) + (t.own_process ? " *" : "");
  });
  table.per_target("router ctx switches/stream", "", [](const TargetLoad& t) {
    return t.own_process ? cell(true, t.router_process_context_switches_per_stream, 1) + " *" : std::string("-");
  });
  table.per_target("router peak RSS", "", [](const TargetLoad& t) {
    return cell(true, t.peak_rss_mb, 1, " MB") + (t.own_process ? " *" : " +");
  });
}

void switchover_rows(Table& table) {
  table.per_target("switchover ok/tried", "", [](const TargetLoad& t) {
    return std::to_string(t.switchover_completed) + "/" + std::to_string(t.switchover_attempted);
  });
  table.per_target("switchover truncated", "", [](const TargetLoad& t) { return std::to_string(t.switchover_truncated); });
  table.per_target("switchover p50", "", [](const TargetLoad& t) {
    return t.switchover_applicable ? cell_us(t.switchover.count > 0, t.switchover.p50_us) : std::string("n/a");
  });
  table.per_target("switchover p99", "", [](const TargetLoad& t) {
    return t.switchover_applicable ? cell_us(t.switchover.count > 0, t.switchover.p99_us) : std::string("n/a");
  });
}

void notes(std::ostream& out, const LoadReport& r) {
  out << "\n  TTFT: connect to the first text delta. Added: the target minus direct, percentile by percentile\n"
      << "  (negative: noise). Switchover: reset after " << r.settings.reset_after_deltas
      << " deltas at the primary -> the fallback's first text at the client.\n"
      << "  * the router's own process (/proc/PID: utime + stime, threads' context switches, VmHWM)\n"
      << "  + this whole process (clients, fakes and the in-process router): " << std::setprecision(1)
      << r.process_peak_rss_mb << " MB peak, " << r.rss_at_start_mb
      << " MB once the servers started; the embedded router's CPU is its path's minus direct's\n";
  for (const auto& t : r.targets) {
    out << "  " << t.name << ": " << t.description;
    if (t.switchover_unmatched) out << "; " << t.switchover_unmatched << " switchovers not matched to journals";
    if (!t.switchover_applicable) out << "; switchover " << t.switchover_note;
    out << "\n";
  }
  out << std::setprecision(1) << "  " << r.elapsed_s << " s elapsed" << (r.bounded_by_time ? ", STOPPED BY THE TIME BOUND" : "")
      << "\n";
  for (const auto& p : r.problems) out << "  problem: " << p << "\n";
}

}  // namespace

std::string format_load_report(const LoadReport& r) {
  std::ostringstream out;
  out << std::fixed;
  out << "midstream load: " << r.settings.streams << " streams per path, " << r.settings.concurrency
      << " concurrent, 127.0.0.1, " << r.nproc << " CPUs (" << r.cpu_model << ")";
  if (r.settings.event_delay_ms) out << ", the fake pausing " << r.settings.event_delay_ms << " ms before each event";
  out << "\n\n";
  Table table(out, r);
  path_rows(table);
  out << "\n";
  overhead_rows(table, r);
  out << "\n";
  switchover_rows(table);
  notes(out, r);
  return out.str();
}

}  // namespace midstream::reports
