// The launch-command target (command_target.h): a pool of router processes shared by the
// scenarios of a run, one per batch of launch_plan.h, each started from the command template,
// waited for, checked to listen on 127.0.0.1 only, and stopped once its batch is done.
#include "targets/command_target.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "targets/child_process.h"
#include "targets/registry.h"
#include "targets/host_tools.h"
#include "targets/launch_plan.h"
#include "targets/loopback.h"
#include "targets/owner_thread.h"
#include "targets/placeholders.h"
#include "net/http_client.h"

extern char** environ;

namespace midstream::targets {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kTailBytes = 800;

std::string scenario_key(const Scenario& s) { return s.file + "\n" + s.id; }

std::string quoted(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& w : words)
    text += (text.empty() ? "" : " ") +
            (w.find_first_of(" \t'\"") == std::string::npos ? w : "'" + w + "'");
  return text;
}

std::string seconds_text(Clock::duration d) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f s", std::chrono::duration<double>(d).count());
  return buffer;
}

std::string make_launch_dir() {
  std::string pattern = (fs::temp_directory_path() / "midstream-launch-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create " + pattern + ": " + errno_text(errno));
  return pattern;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
}

// The harness's environment with `unset` names (and those `set` replaces) removed, then `set`.
std::vector<std::string> child_environment(const std::vector<std::string>& set, const std::vector<std::string>& unset) {
  std::vector<std::string> drop = unset;
  for (const auto& entry : set) drop.push_back(entry.substr(0, entry.find('=')));
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (std::find(drop.begin(), drop.end(), name) == drop.end()) out.push_back(entry);
  }
  out.insert(out.end(), set.begin(), set.end());
  return out;
}

// One group of scenarios served by one router process at a time (launch_plan.h).
struct Batch {
  std::vector<Scenario> members;
  std::vector<std::string> tags;  // merged formats: each member's model-group tag
  std::vector<size_t> port_offsets;
  size_t ports = 0;
  size_t remaining = 0;      // members not done yet; the process stops at 0
  uint16_t port_base = 0;    // the fakes' block, 0 until a member needs it
  std::mutex mutex;          // the process: launch, reap, stop
  ChildProcess child;
  LaunchSite site;
  std::string command_text;  // the command as launched, for messages
  uint64_t generation = 0;   // which launch: a router launched again is a new generation
};

struct Seat {
  Batch* batch = nullptr;
  size_t member = 0;
};

}  // namespace

// The router processes of one factory (one --target): the plan, the batches, the launches.
class LaunchPool {
 public:
  LaunchPool(CommandTargetOptions options, std::vector<std::string> words)
      : options_(std::move(options)),
        words_(std::move(words)),
        environment_(child_environment(options_.set_environment, options_.unset_environment)) {}

  ~LaunchPool() {
    for (auto& b : batches_) stop(*b);
  }

  const CommandTargetOptions& options() const { return options_; }

  std::vector<std::vector<size_t>> plan(const std::vector<Scenario>& scenarios, int jobs) {
    std::vector<PlanEntry> entries;
    for (const auto& s : scenarios) entries.push_back({plan_key(s), s.providers.size()});
    const LaunchPlan plan = plan_launches(entries, jobs);
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& planned : plan.batches) {
      auto& b = *batches_.emplace_back(std::make_unique<Batch>());
      for (size_t m = 0; m < planned.members.size(); ++m) {
        const Scenario& s = scenarios[planned.members[m]];
        b.members.push_back(s);
        b.tags.push_back(unique_tag(b.tags, s.id));
        seats_[scenario_key(s)] = {&b, m};
      }
      b.port_offsets = planned.port_offsets;
      b.ports = planned.ports;
      b.remaining = planned.members.size();
    }
    return plan.lanes;
  }

  // The scenario's place: its planned batch, or a batch of its own.
  Seat seat(const Scenario& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (const auto it = seats_.find(scenario_key(s)); it != seats_.end()) return it->second;
    auto& b = *batches_.emplace_back(std::make_unique<Batch>());
    b.members = {s};
    b.tags = {s.id};
    b.port_offsets = {0};
    b.ports = s.providers.size();
    b.remaining = 1;
    return {&b, 0};
  }

  uint16_t fakes_port_base(const Seat& seat) {
    std::lock_guard<std::mutex> lock(mutex_);
    Batch& b = *seat.batch;
    if (b.port_base == 0) b.port_base = free_block(b.ports);
    return static_cast<uint16_t>(b.port_base + b.port_offsets[seat.member]);
  }

  ClientSpec client_for(const Seat& seat, const ClientSpec& client) const {
    if (!options_.format.merges()) return client;
    ClientSpec renamed = client;
    const Scenario& s = seat.batch->members[seat.member];
    std::string group = client.request.model;
    if (group.empty() && !s.router.value("model_list", nlohmann::json::array()).empty())
      group = s.router["model_list"][0].value("model_name", "");
    renamed.request.model = merged_group_name(seat.batch->tags[seat.member], group);
    return renamed;
  }

  struct Lease {
    uint16_t port = 0;
    uint64_t generation = 0;
  };

  // The batch's router, launched (again) when it does not run.
  Lease acquire(const Seat& seat, const nlohmann::json& bound, const ClientSpec& client) {
    Batch& b = *seat.batch;
    std::lock_guard<std::mutex> lock(b.mutex);
    ++started_;
    if (b.child.running() && !b.child.reap(Clock::now())) return {b.site.port, b.generation};
    std::string last_error;
    for (int attempt = 0; attempt < 3; ++attempt) {  // a port taken between probe and bind: again
      try {
        launch(b, bound, client);
        return {b.site.port, b.generation};
      } catch (const std::runtime_error& error) {
        last_error = error.what();
        if (last_error.find("in use") == std::string::npos) throw;
      }
    }
    throw std::runtime_error(last_error);
  }

  // A member is done; the last one stops the batch's router.
  void release(const Seat& seat) {
    bool last = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (seat.batch->remaining > 0) last = --seat.batch->remaining == 0;
    }
    if (last) stop(*seat.batch);
  }

  // How the launch `generation` of the batch ended, when it died on its own; waits up to `grace`.
  std::optional<std::string> death_of(const Seat& seat, uint64_t generation, std::chrono::milliseconds grace) {
    Batch& b = *seat.batch;
    std::lock_guard<std::mutex> lock(b.mutex);
    if (generation != b.generation || b.child.pid() <= 0) return std::nullopt;
    if (!b.child.reap(Clock::now() + grace)) return std::nullopt;
    return describe_wait_status(*b.child.status()) + " (the router command `" + b.command_text + "`)" + tail(b);
  }

  std::optional<pid_t> pid(const Seat& seat) {
    std::lock_guard<std::mutex> lock(seat.batch->mutex);
    if (!seat.batch->child.running()) return std::nullopt;
    return seat.batch->child.pid();
  }

  std::optional<std::string> note() const {
    std::lock_guard<std::mutex> lock(note_mutex_);
    if (launches_ == 0) return std::nullopt;
    return std::to_string(launches_) + (launches_ == 1 ? " router launch" : " router launches") + " for " +
           std::to_string(started_.load()) + " scenarios run; ready after " + seconds_text(fastest_) +
           (launches_ > 1 ? " to " + seconds_text(slowest_) : "");
  }

 private:
  static std::string unique_tag(const std::vector<std::string>& taken, const std::string& id) {
    std::string tag = id;
    for (int n = 2; std::find(taken.begin(), taken.end(), tag) != taken.end(); ++n) tag = id + "-" + std::to_string(n);
    return tag;
  }

  // Scenarios with equal keys share a launch; "" for one that never starts (UNSUPPORTED). A
  // format without a model_list (nginx, a template) names one scenario's fakes per file: a
  // router each.
  std::string plan_key(const Scenario& s) const {
    try {
      if (options_.format.unsupported(s)) return "";
      if (!options_.format.merges()) return scenario_key(s);
      const auto bound = bind_router_config(s.router, fixed_base_urls(s, 1));
      return merge_key(options_.format.document(bound, s.client));
    } catch (const std::exception&) {
      return "";  // the scenario reports the error when it starts
    }
  }

  // A block of fakes ports free now and apart from every live batch's.
  uint16_t free_block(size_t count) {
    for (int attempt = 0;; ++attempt) {
      const uint16_t base = free_loopback_block(count);
      bool overlaps = false;
      for (const auto& other : batches_)
        overlaps = overlaps || (other->port_base != 0 && other->remaining > 0 && base < other->port_base + other->ports &&
                                other->port_base < base + count);
      if (!overlaps) return base;
      if (attempt == 32) throw std::runtime_error("cannot find " + std::to_string(count) + " free fakes ports");
    }
  }

  // The config file for a launch of the batch: every member's document merged, or the
  // rendered file of its one scenario.
  std::string config_text(const Batch& b, const nlohmann::json& bound, const ClientSpec& client) const {
    if (!options_.format.merges()) return options_.format.render(bound, client, b.site);
    std::vector<std::pair<std::string, nlohmann::ordered_json>> tagged;
    for (size_t m = 0; m < b.members.size(); ++m) {
      const Scenario& s = b.members[m];
      const auto member_bound =
          bind_router_config(s.router, fixed_base_urls(s, static_cast<uint16_t>(b.port_base + b.port_offsets[m])));
      tagged.emplace_back(b.tags[m], options_.format.document(member_bound, s.client));
    }
    return merge_documents(tagged).dump(2) + "\n";
  }

  void launch(Batch& b, const nlohmann::json& bound, const ClientSpec& client);
  void spawn(Batch& b, const std::string& config_path);
  void wait_ready(Batch& b, Clock::time_point deadline);
  void check_loopback(Batch& b);
  bool answers(uint16_t port, std::string* last) const;
  [[noreturn]] void fail(Batch& b, const std::string& what);

  std::string tail(const Batch& b) const {
    const std::string log = one_line_tail(read_file(b.site.dir + "/output.log"), kTailBytes);
    return log.empty() ? "; it printed nothing" : "; its output: " + log;
  }

  void stop(Batch& b) {
    std::lock_guard<std::mutex> lock(b.mutex);
    b.child.stop(options_.stop_timeout);
    remove_dir(b);
  }

  static void remove_dir(Batch& b) {
    std::error_code ignored;
    if (!b.site.dir.empty()) fs::remove_all(b.site.dir, ignored);
    b.site.dir.clear();
  }

  CommandTargetOptions options_;
  std::vector<std::string> words_;  // the command template, split
  std::vector<std::string> environment_;
  std::mutex mutex_;  // seats_, batches_, ports
  std::map<std::string, Seat> seats_;
  std::deque<std::unique_ptr<Batch>> batches_;
  std::atomic<size_t> started_{0};
  mutable std::mutex note_mutex_;
  size_t launches_ = 0;
  Clock::duration fastest_{}, slowest_{};
  OwnerThread owner_;  // last member: joined first
};

void LaunchPool::launch(Batch& b, const nlohmann::json& bound, const ClientSpec& client) {
  b.child.stop(options_.stop_timeout);  // reaped already, or a leftover of a failed launch
  remove_dir(b);
  b.site = {free_loopback_port(), make_launch_dir()};
  const std::string config_path = b.site.dir + "/config" + options_.format.suffix;
  write_text(config_path, config_text(b, bound, client));
  const auto spawned = Clock::now();
  spawn(b, config_path);
  wait_ready(b, spawned + options_.ready_timeout);
  check_loopback(b);
  std::lock_guard<std::mutex> lock(note_mutex_);
  const auto took = Clock::now() - spawned;
  fastest_ = launches_ == 0 ? took : std::min(fastest_, took);
  slowest_ = std::max(slowest_, took);
  ++launches_;
}

void LaunchPool::spawn(Batch& b, const std::string& config_path) {
  const std::map<std::string, std::string> values = {
      {"config", config_path}, {"port", std::to_string(b.site.port)}, {"dir", b.site.dir}};
  std::vector<std::string> argv;
  for (const auto& word : words_) argv.push_back(expand_placeholders(word, values, "the router command"));
  argv[0] = find_program(argv[0], options_.program_dirs);
  b.command_text = quoted(argv);
  const std::string log = b.site.dir + "/output.log";
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log + ": " + errno_text(errno));
  // Forked from the owner thread: the router's parent-death signal follows the harness.
  owner_.run([&] { b.child.spawn_logged(argv, log_fd, "launch-command target", &environment_, true); });
  ++b.generation;
}

bool LaunchPool::answers(uint16_t port, std::string* last) const {
  if (options_.ready_path.empty()) {
    if (accepts_connections(port)) return true;
    *last = "nothing accepted a TCP connection";
    return false;
  }
  net::ClientRequest request;
  request.method = "GET";
  request.port = port;
  request.target = options_.ready_path;
  request.headers = options_.headers;
  net::HttpStream stream;
  const auto deadline = net::Clock::now() + std::chrono::seconds(2);
  if (!stream.start(request, deadline) || !stream.read_head(deadline)) {
    *last = "GET " + options_.ready_path + ": " + std::string(net::to_string(stream.end())) + " " + stream.detail();
    return false;
  }
  const int status = stream.head().status;
  *last = "GET " + options_.ready_path + " answered " + std::to_string(status);
  return status >= 200 && status < 300;
}

void LaunchPool::fail(Batch& b, const std::string& what) {
  const std::string output = tail(b);
  b.child.stop(options_.stop_timeout);
  throw std::runtime_error("the router command `" + b.command_text + "` " + what + output);
}

void LaunchPool::wait_ready(Batch& b, Clock::time_point deadline) {
  const std::string where = " on 127.0.0.1:" + std::to_string(b.site.port);
  std::string last = "nothing tried yet";
  for (;;) {
    // The wait for the child's exit is also the pause between two tries.
    if (b.child.reap(Clock::now() + std::chrono::milliseconds(100)))
      fail(b, describe_wait_status(*b.child.status()) + " before it answered" + where + " (" + last + ")");
    if (answers(b.site.port, &last)) return;
    if (Clock::now() > deadline)
      fail(b, "did not answer" + where + " within " + std::to_string(options_.ready_timeout.count() / 1000) + " s (" +
                  last + "); stopped it");
  }
}

void LaunchPool::check_loopback(Batch& b) {
  bool all_loopback = true;
  const auto addresses = listening_addresses(process_group(b.child.pid()), &all_loopback);
  if (all_loopback && !addresses.empty()) return;
  std::string list;
  for (const auto& a : addresses) list += (list.empty() ? "" : ", ") + a;
  fail(b, "listens on " + (list.empty() ? "nothing its process group owns" : list) +
              ", not only on 127.0.0.1: refused and stopped (midstream keeps its scenarios on the loopback interface)");
}

namespace {

class CommandTarget : public Target {
 public:
  explicit CommandTarget(std::shared_ptr<LaunchPool> pool) : pool_(std::move(pool)) {}
  ~CommandTarget() override { release(); }

  reports::TargetInfo info() const override {
    const auto& o = pool_->options();
    return {o.name, o.description, {}};
  }
  bool supports_front(harness::Front front) const override {
    const auto& fronts = pool_->options().fronts;
    return std::find(fronts.begin(), fronts.end(), front) != fronts.end();
  }
  std::optional<std::string> unsupported_reason(const Scenario& scenario) const override {
    return pool_->options().format.unsupported(scenario);
  }
  std::vector<std::vector<size_t>> plan(const std::vector<Scenario>& scenarios, int jobs) override {
    return pool_->plan(scenarios, jobs);
  }
  std::optional<std::string> run_note() const override { return pool_->note(); }

  void bind_scenario(const Scenario& scenario) override { scenario_ = scenario; }
  uint16_t fakes_port_base() const override {
    if (!scenario_) throw std::runtime_error("launch-command target: fakes_port_base() before bind_scenario()");
    return pool_->fakes_port_base(seat());
  }
  uint16_t start(const nlohmann::json& router_config) override {
    if (!scenario_) throw std::runtime_error("launch-command target: start() before bind_scenario()");
    const auto lease = pool_->acquire(seat(), router_config, scenario_->client);
    generation_ = lease.generation;
    return lease.port;
  }
  net::HeaderList request_headers(const ClientSpec&) const override { return pool_->options().headers; }
  ClientSpec client_request(const ClientSpec& client) const override {
    return scenario_ ? pool_->client_for(seat(), client) : client;
  }
  // The router outlives the scenario: the batch's last scenario stops it.
  void stop() override { release(); }
  std::optional<std::string> exit_status(std::chrono::milliseconds grace) override {
    return seat_ ? pool_->death_of(*seat_, generation_, grace) : std::nullopt;
  }
  std::optional<pid_t> router_pid() const override { return seat_ ? pool_->pid(*seat_) : std::nullopt; }

 private:
  const Seat& seat() const {
    if (!seat_) seat_ = pool_->seat(*scenario_);
    return *seat_;
  }
  void release() {
    if (seat_ && !released_) pool_->release(*seat_);
    released_ = true;
  }

  std::shared_ptr<LaunchPool> pool_;
  std::optional<Scenario> scenario_;
  mutable std::optional<Seat> seat_;
  bool released_ = false;
  uint64_t generation_ = 0;
};

}  // namespace

ConfigFormat config_format_option(const std::string& value) {
  if (value.empty() || value == "json") return json_format();
  if (value == "litellm") return litellm_format();
  if (value == "nginx") {
    const std::string path = (fs::path(data_paths().peers) / "nginx" / "nginx.conf.in").string();
    const std::string text = read_file(path);
    if (text.empty()) throw std::runtime_error("--config-format nginx: cannot read " + path);
    return nginx_format(text);
  }
  if (value.rfind("template=", 0) == 0) {
    const std::string path = value.substr(9);
    std::error_code error;
    if (path.empty() || !fs::is_regular_file(path, error))
      throw std::runtime_error("--config-format template=FILE: cannot read '" + path + "'");
    try {
      return template_format(read_file(path), path);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(e.what());
    }
  }
  throw std::runtime_error("--config-format " + value + ": unknown (known: json, litellm, nginx, template=FILE)");
}

TargetFactory command_target(CommandTargetOptions options) {
  std::vector<std::string> words;
  try {
    words = split_command(options.command);
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error("target cmd=: " + std::string(error.what()));
  }
  std::set<std::string> names;
  for (const auto& word : words) names.merge(placeholders_in(word));
  for (const auto& name : names)
    if (name != "config" && name != "port" && name != "dir")
      throw std::runtime_error("target cmd=" + options.command + ": unknown placeholder {" + name +
                               "} (known: {config} the config file, {port} the router's port, {dir} a folder of "
                               "the launch's own)");
  if (!names.count("config"))
    throw std::runtime_error("target cmd=" + options.command + ": the command must pass {config}, the file midstream "
                             "writes for each launch");
  if (!names.count("port") && options.format.merges())
    throw std::runtime_error("target cmd=" + options.command + ": the command must pass {port}, the loopback port "
                             "the router listens on");
  if (find_program(words[0], options.program_dirs).empty())
    throw std::runtime_error("target cmd=" + options.command + ": cannot find the program '" + words[0] + "'" +
                             (words[0].find('/') == std::string::npos ? " on PATH" : ""));
  if (options.description.empty()) options.description = "router command: " + options.command;
  auto pool = std::make_shared<LaunchPool>(std::move(options), std::move(words));
  return [pool] { return std::make_unique<CommandTarget>(pool); };
}

}  // namespace midstream::targets
