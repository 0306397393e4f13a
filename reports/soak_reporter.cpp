// The soak report as JSON and as text (soak_reporter.h).
#include "reports/soak_reporter.h"

#include <iomanip>
#include <sstream>

namespace midstream::reports {
namespace {

// A --target value as one shell word.
std::string shell_word(const std::string& text) {
  if (text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=@/._:-") ==
      std::string::npos)
    return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

bool replay(const SoakSettings& s) { return s.only_stream >= 0; }

nlohmann::json violations_json(const SoakReport& r) {
  nlohmann::json violations = nlohmann::json::array();
  for (const auto& v : r.violations)
    violations.push_back({{"seed", r.settings.seed},
                          {"stream", v.stream},
                          {"kinds", v.kinds},
                          {"plan", v.plan},
                          {"detail", v.detail},
                          {"replay", soak_replay_command(r.settings, v.stream)}});
  return violations;
}

// Clean errors although a deployment of the chain had no fault: allowed, listed for a look.
nlohmann::json unrescued_json(const SoakReport& r) {
  nlohmann::json unrescued = nlohmann::json::array();
  for (const auto& u : r.unrescued) unrescued.push_back({{"stream", u.stream}, {"plan", u.plan}});
  return unrescued;
}

nlohmann::json settings_json(const SoakSettings& s) {
  nlohmann::json json = {
      {"seed", s.seed},
      {"streams_planned", replay(s) ? 1 : s.streams},
      {"concurrency", replay(s) ? 1 : s.concurrency},
      {"fault_rate", s.fault_rate},
      {"defects", s.defects},
      {"time_scale", {{"factor", s.time_scale}, {"source", s.time_scale_source}}},
  };
  // The default target adds no key: the JSON of an embedded soak is what it always was.
  if (s.target != "embedded") json["target"] = {{"name", s.target}, {"description", s.target_description}};
  return json;
}

nlohmann::json leaks_json(const SoakReport& r) {
  return {
      {"fd_leak", r.fd_leak},
      {"thread_leak", r.thread_leak},
      {"fds", {{"baseline", r.fd_baseline}, {"after", r.fd_after}, {"before_start", r.fd_before_start},
               {"after_stop", r.fd_after_stop}}},
      {"threads", {{"baseline", r.thread_baseline}, {"after", r.thread_after},
                   {"before_start", r.thread_before_start}, {"after_stop", r.thread_after_stop}}},
      {"rss_start_mb", r.rss_start_mb},
      {"rss_end_mb", r.rss_end_mb},
      {"rss_unbounded", r.rss_unbounded},
      {"peak_rss_mb", r.peak_rss_mb},
  };
}

nlohmann::json counters_json(const SoakReport& r) {
  return {
      {"streams", r.streams_run},
      {"faulted_streams", r.faulted_streams},
      {"faults_planned", r.faults_planned},
      {"faults_fired", r.faults_fired},
      {"faults_unreached", r.faults_unreached},
      {"completed", r.completed},
      {"clean_errors", r.clean_errors},
      {"clean_errors_with_healthy_fallback", r.clean_errors_with_healthy_fallback},
      {"lost_text", r.lost_text},
      {"duplicated_text", r.duplicated_text},
      {"truncated_success", r.truncated_success},
      {"usage_mismatches", r.usage_mismatches},
      {"hung", r.hung},
      {"upstream_left_open", r.upstream_left_open},
      {"other_violations", r.other_violations},
      {"violating_streams", r.violating_streams},
      {"max_stream_ms", r.max_stream_ms},
      {"duration_s", r.duration_s},
      {"streams_per_s", r.streams_per_s},
      {"bounded_by_time", r.bounded_by_time},
      {"faults_by_kind", r.fired_kinds},
  };
}

nlohmann::json replay_json(const SoakReplay& replayed) {
  return {{"stream", replayed.stream},
          {"client_text", replayed.client_text},
          {"duration_ms", replayed.duration_ms},
          {"client_body", replayed.client_body},
          {"journals", replayed.journals}};
}

}  // namespace

std::string soak_replay_command(const SoakSettings& s, int stream) {
  std::ostringstream cmd;
  cmd << "midstream soak --seed " << s.seed << " --fault-rate " << s.fault_rate;
  for (const auto& d : s.defects) cmd << " --defect " << d;
  if (s.target != "embedded") cmd << " --target " << shell_word(s.target);
  cmd << " --only-stream " << stream;
  if (s.time_scale != 1.0) cmd << " --time-scale " << s.time_scale;
  return cmd.str();
}

nlohmann::json to_json(const SoakReport& r) {
  nlohmann::json json = settings_json(r.settings);
  json.update(counters_json(r));
  json.update(leaks_json(r));
  json["violations"] = violations_json(r);
  json["unrescued"] = unrescued_json(r);
  json["passed"] = r.passed();
  if (r.replayed) json["replayed"] = replay_json(*r.replayed);
  return json;
}

// ---------------------------------------------------------------------------------------------
// The text.

namespace {

void write_heading(std::ostream& out, const SoakReport& r) {
  const SoakSettings& s = r.settings;
  out << "midstream soak: seed " << s.seed;
  if (replay(s)) out << ", stream " << s.only_stream << " alone";
  else out << ", " << r.streams_run << "/" << s.streams << " streams, " << s.concurrency << " concurrent";
  out << ", fault rate " << std::setprecision(2) << s.fault_rate << std::setprecision(1);
  for (const auto& d : s.defects) out << ", defect " << d;
  if (s.target != "embedded") out << ", target " << s.target << " (" << s.target_description << ")";
  out << ", time scale x" << std::setprecision(1) << s.time_scale << " (" << s.time_scale_source << ")";
  out << "\n\n";
}

void write_request(std::ostream& out, const SoakUpstreamRequest& e) {
  out << "    " << e.provider << " #" << e.index << " at " << std::setprecision(0) << e.received_ms << " ms: "
      << (e.fault.empty() ? "ok" : e.fault + (e.fault_fired ? " (fired)" : " (not fired)"))
      << (e.continuation ? ", continuation of " + std::to_string(e.partial_bytes) + " bytes" : "")
      << (e.mismatch ? " (MISMATCH)" : "") << ", status " << e.status << ", sent \"" << e.text_sent << "\", usage ";
  if (e.usage_input && e.usage_output) out << *e.usage_input << "/" << *e.usage_output;
  else out << "none";
  out << ", ended " << e.ended << " at " << e.ended_ms << " ms\n";
}

void write_replay(std::ostream& out, const SoakReplay& replayed) {
  out << "  plan     " << replayed.plan << "\n"
      << "  text     \"" << replayed.client_text << "\"\n"
      << "  took     " << replayed.duration_ms << " ms, " << replayed.faults_fired << " faults fired\n"
      << "  upstream requests, in order:\n";
  for (const auto& request : replayed.requests) write_request(out, request);
  out << std::setprecision(1) << "  body     " << replayed.client_body.size() << " bytes:\n";
  std::istringstream body(replayed.client_body.substr(0, 16 * 1024));
  for (std::string line; std::getline(body, line);)
    if (!line.empty()) out << "    | " << line << "\n";
  out << "\n";
}

void write_counters(std::ostream& out, const SoakReport& r) {
  out << "  streams            " << r.streams_run << " (" << r.faulted_streams << " with faults; "
      << r.faults_fired << " faults fired, " << r.faults_unreached << " planned but not reached)\n"
      << "  completed          " << r.completed << "\n"
      << "  clean errors       " << r.clean_errors << " (" << r.clean_errors_with_healthy_fallback
      << " with a healthy deployment in the chain)\n"
      << "  lost text          " << r.lost_text << "\n"
      << "  duplicated text    " << r.duplicated_text << "\n"
      << "  truncated success  " << r.truncated_success << "\n"
      << "  usage mismatches   " << r.usage_mismatches << "\n"
      << "  hung               " << r.hung << " (slowest stream " << std::setprecision(0) << r.max_stream_ms
      << " ms, bound " << r.settings.stream_bound_ms << " ms)\n";
  if (r.upstream_left_open) out << "  upstream left open " << r.upstream_left_open << "\n";
  for (const auto& [id, n] : r.other_violations) out << "  " << id << " failed  " << n << "\n";
}

void write_resources(std::ostream& out, const SoakReport& r) {
  out << "  fds                " << r.fd_baseline << " -> " << r.fd_after << " (leak " << r.fd_leak << "); "
      << r.fd_before_start << " before start-up, " << r.fd_after_stop << " after stop\n"
      << "  threads            " << r.thread_baseline << " -> " << r.thread_after << " (leak " << r.thread_leak
      << "); " << r.thread_before_start << " before start-up, " << r.thread_after_stop << " after stop\n"
      << std::setprecision(1) << "  RSS                " << r.rss_start_mb << " MB -> " << r.rss_end_mb
      << (r.rss_judged ? " MB (bound +" : " MB (not judged under AddressSanitizer")
      << (r.rss_judged ? std::to_string(static_cast<int>(r.settings.max_rss_growth_mb)) + " MB" : "")
      << (r.rss_unbounded ? ", EXCEEDED" : "") << "), peak " << r.peak_rss_mb << " MB\n"
      << "  time               " << r.duration_s << " s, " << r.streams_per_s << " streams/s"
      << (r.bounded_by_time ? " (STOPPED BY --duration-limit)" : "") << "\n";
}

void write_violations(std::ostream& out, const SoakReport& r) {
  if (r.violations.empty()) return;
  out << "\nviolations (" << r.violating_streams << " streams";
  if (r.violating_streams > static_cast<int>(r.violations.size()))
    out << ", the first " << r.violations.size() << " listed";
  out << "):\n";
  for (const auto& v : r.violations)
    out << "  seed " << r.settings.seed << " stream " << v.stream << ": " << v.kinds << "\n"
        << "    plan:   " << v.plan << "\n"
        << "    checks: " << v.detail << "\n"
        << "    replay: " << soak_replay_command(r.settings, v.stream) << "\n";
}

void write_verdict(std::ostream& out, const SoakReport& r) {
  out << "\n" << (r.passed() ? "PASS" : "FAIL") << ": ";
  if (r.passed()) {
    out << "every stream ended whole or in a clean error, usage exact, nothing leaked\n";
    return;
  }
  std::vector<std::string> why;
  if (r.streams_run == 0) why.push_back("no stream ran");
  if (r.violating_streams) why.push_back(std::to_string(r.violating_streams) + " streams violated a check");
  if (r.fds_leaked()) why.push_back("file descriptors leaked");
  if (r.threads_leaked()) why.push_back("threads leaked");
  if (r.rss_unbounded) why.push_back("RSS grew past its bound");
  for (size_t i = 0; i < why.size(); ++i) out << (i ? "; " : "") << why[i];
  out << "\n";
}

}  // namespace

std::string format_soak_report(const SoakReport& r) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1);
  write_heading(out, r);
  if (r.replayed) write_replay(out, *r.replayed);
  write_counters(out, r);
  write_resources(out, r);
  write_violations(out, r);
  write_verdict(out, r);
  return out.str();
}

}  // namespace midstream::reports
