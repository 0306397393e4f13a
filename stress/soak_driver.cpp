// Lanes of fakes behind the router under test, executing plans (soak_driver.h).
#include "stress/soak_driver.h"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "fakes/fake_provider.h"
#include "harness/client.h"
#include "router/config.h"
#include "router/server.h"
#include "stress/proc_sampler.h"
#include "targets/registry.h"

namespace midstream::stress {
using harness::ClientSpec;
using harness::ClientTranscript;
using net::Clock;

namespace {

constexpr auto kJournalSettle = std::chrono::milliseconds(3000);
// A router process's pool closes an upstream connection 2 s unused at its reaper's next round,
// a second later at most (net/connection_pool.h), and the fake's side then winds down.
constexpr auto kRouterIdleClose = std::chrono::milliseconds(3500);
constexpr auto kPoll = std::chrono::milliseconds(50);
constexpr router::UsagePolicy kUsagePolicy = router::UsagePolicy::Billed;
constexpr wire::Dialect kDialects[] = {wire::Dialect::OpenAIChat, wire::Dialect::OpenAIResponses,
                                       wire::Dialect::Anthropic};

int dialect_slot(wire::Dialect dialect) {
  for (int i = 0; i < 3; ++i)
    if (kDialects[i] == dialect) return i;
  return 0;
}

std::string group_name(int lane, int position, SoakUpstream upstream) {
  return "l" + std::to_string(lane) + ".p" + std::to_string(position) + "." + to_string(upstream);
}
std::string primary_group(int lane, const std::string& chain_key) {
  return "l" + std::to_string(lane) + "/" + chain_key;
}

// The deployment's LiteLLM params: provider prefixes vary with the chain position, so the run
// covers openai/azure/openrouter and anthropic/vertex_ai/bedrock as well as the dialects.
nlohmann::json litellm_params(int position, SoakUpstream upstream, const std::string& api_base) {
  static const char* openai[] = {"openai", "azure", "openrouter"};
  static const char* anthropic[] = {"anthropic", "vertex_ai", "bedrock"};
  nlohmann::json params = {{"api_base", api_base}, {"api_key", "sk-midstream-soak"}};
  switch (upstream) {
    case SoakUpstream::OpenAIChat:
      params["model"] = std::string(openai[position]) + "/gpt-4o";
      break;
    case SoakUpstream::OpenAIResponses:
      params["model"] = "openai-responses/gpt-4.1";
      break;
    case SoakUpstream::Anthropic:
    case SoakUpstream::AnthropicPrefill:
      params["model"] = std::string(anthropic[position]) + "/claude-sonnet-4-5";
      params["supports_prefill"] = upstream == SoakUpstream::AnthropicPrefill;
      break;
  }
  return params;
}

// Every chain shape of 2 and 3 upstreams.
std::vector<std::vector<SoakUpstream>> all_chains() {
  std::vector<std::vector<SoakUpstream>> chains;
  for (int length = 2; length <= kSoakMaxChain; ++length) {
    int total = 1;
    for (int i = 0; i < length; ++i) total *= kSoakUpstreams;
    for (int code = 0; code < total; ++code) {
      std::vector<SoakUpstream> chain;
      for (int i = 0, c = code; i < length; ++i, c /= kSoakUpstreams)
        chain.push_back(static_cast<SoakUpstream>(c % kSoakUpstreams));
      chains.push_back(std::move(chain));
    }
  }
  return chains;
}

std::vector<wire::Message> soak_messages() {
  return {{"system", "You are a concise assistant."},
          {"user", "Tell me about the quick brown fox and the careful router."}};
}

ClientSpec client_spec(const SoakStreamPlan& plan, int lane, const TimeScale& scale) {
  ClientSpec spec;
  spec.front = plan.front;
  spec.stream = true;
  spec.request.model = primary_group(lane, plan.chain_key());
  spec.request.messages = soak_messages();
  spec.request.include_usage = true;
  spec.timeout_ms = scale.scale(kSoakClientTimeoutMs);
  return spec;
}

// The deployment's script in dilated time: stalls and slow events last `scale` times longer.
fakes::ScriptEntry dilated(fakes::ScriptEntry entry, const TimeScale& scale) {
  using fakes::FaultAction;
  if (entry.fault && (entry.fault->action == FaultAction::Stall || entry.fault->action == FaultAction::Slow))
    entry.fault->ms = scale.scale(entry.fault->ms);
  return entry;
}

// The reference router in this process with the soak's serving threads, and its idle upstream
// connections at hand (the registry's embedded target keeps a pool of 16 threads).
class InProcessRouter : public harness::Target {
 public:
  explicit InProcessRouter(size_t threads) { options_.threads = threads; }
  ~InProcessRouter() override { stop(); }
  reports::TargetInfo info() const override { return {"embedded", "reference router (in-process)", {}}; }
  bool supports_front(harness::Front) const override { return true; }
  uint16_t start(const nlohmann::json& config) override {
    server_ = std::make_unique<router::RouterServer>(router::load_router_config(config, "midstream soak"), options_);
    return server_->start();
  }
  void stop() override {
    if (server_) server_->stop();
    server_.reset();
  }
  void close_idle_upstream_connections() {
    if (server_) server_->close_idle_upstream_connections();
  }

 private:
  router::ServerOptions options_;
  std::unique_ptr<router::RouterServer> server_;
};

}  // namespace

harness::TargetFactory soak_target(const std::string& spec, int lanes) {
  std::string kind;
  try {
    kind = targets::target_kind(spec).name;
  } catch (const std::runtime_error&) {
    throw std::invalid_argument("unknown target '" + spec + "' (the soak takes " + kSoakTargets + ")");
  }
  if (kind == "process") {
    try {
      return targets::make_target_factory(spec, targets::TargetOptions{});
    } catch (const std::runtime_error& error) {
      throw std::invalid_argument(error.what());  // no such executable, an empty path
    }
  }
  if (kind == "embedded" && spec.find('=') == std::string::npos) {
    // A streamed answer holds a worker for its whole length; a few spare for the health checks.
    const auto threads = static_cast<size_t>(lanes + 8);
    return [threads] { return std::make_unique<InProcessRouter>(threads); };
  }
  throw std::invalid_argument("the soak cannot drive target '" + spec +
                              "': it needs a router that serves its generated config as it is (a model group "
                              "per lane and chain shape, the reference router's settings and defect switches); "
                              "use " + kSoakTargets);
}

struct SoakDriver::Lane {
  int index = 0;
  std::vector<std::unique_ptr<fakes::FakeProvider>> fakes;  // [position * 3 + dialect slot]

  fakes::FakeProvider& fake(int position, SoakUpstream upstream) {
    return *fakes[static_cast<size_t>(position * 3 + dialect_slot(dialect_of(upstream)))];
  }
};

// Per lane: a primary group for every chain shape (its fallbacks list is the chain), and the
// fallback groups per (position, upstream) the chains share.
nlohmann::json SoakDriver::router_config() {
  nlohmann::json model_list = nlohmann::json::array(), fallbacks = nlohmann::json::array();
  const auto chains = all_chains();
  for (auto& lane : lanes_) {
    for (int position = 1; position < kSoakMaxChain; ++position)
      for (int u = 0; u < kSoakUpstreams; ++u) {
        const auto upstream = static_cast<SoakUpstream>(u);
        model_list.push_back({{"model_name", group_name(lane.index, position, upstream)},
                              {"litellm_params", litellm_params(position, upstream, lane.fake(position, upstream).base_url())}});
      }
    for (const auto& chain : chains) {
      std::string key;
      for (auto u : chain) key += (key.empty() ? "" : ">") + std::string(to_string(u));
      const std::string primary = primary_group(lane.index, key);
      model_list.push_back({{"model_name", primary},
                            {"litellm_params", litellm_params(0, chain[0], lane.fake(0, chain[0]).base_url())}});
      nlohmann::json rest = nlohmann::json::array();
      for (size_t p = 1; p < chain.size(); ++p) rest.push_back(group_name(lane.index, static_cast<int>(p), chain[p]));
      fallbacks.push_back({{primary, rest}});
    }
  }
  nlohmann::json settings = soak_router_settings(options_.seed, options_.time_scale);
  settings["fallbacks"] = fallbacks;
  nlohmann::json json = {{"model_list", model_list}, {"router_settings", settings}};
  if (!options_.defects.empty()) json["defects"] = options_.defects;
  return json;
}

SoakDriver::SoakDriver(const SoakDriverOptions& options, Clock::time_point epoch)
    : options_(options), epoch_(epoch), lanes_(static_cast<size_t>(options.lanes)) {
  for (int l = 0; l < options.lanes; ++l) {
    Lane& lane = lanes_[static_cast<size_t>(l)];
    lane.index = l;
    for (int position = 0; position < kSoakMaxChain; ++position)
      for (auto dialect : kDialects) {
        fakes::ProviderConfig config;
        config.name = "l" + std::to_string(l) + "p" + std::to_string(position) + "-" +
                      std::string(wire::to_string(dialect));
        config.dialect = dialect;
        auto fake = std::make_unique<fakes::FakeProvider>(std::move(config));
        fake->journal().set_epoch(epoch);
        fake->start();
        lane.fakes.push_back(std::move(fake));
      }
  }
  router_ = options.router();
  port_ = router_->start(router_config());
  fds_started_ = open_fds();
}

SoakDriver::~SoakDriver() { stop(); }

int SoakDriver::lanes() const { return static_cast<int>(lanes_.size()); }

std::string SoakDriver::router_description() const { return router_->info().description; }

StreamRun SoakDriver::run(int lane_index, const SoakStreamPlan& plan) {
  Lane& lane = lanes_[static_cast<size_t>(lane_index)];
  const TimeScale& scale = options_.time_scale;
  std::vector<fakes::FakeProvider*> chain;
  std::vector<fakes::ProviderConfig> providers;
  for (size_t p = 0; p < plan.chain.size(); ++p) {
    auto& fake = lane.fake(static_cast<int>(p), plan.chain[p].upstream);
    fake.journal().clear();
    std::vector<fakes::ScriptEntry> script;
    for (const auto& entry : plan.chain[p].script) script.push_back(dilated(entry, scale));
    fake.set_script(script, dilated(plan.chain[p].then, scale));
    chain.push_back(&fake);
    providers.push_back(fake.config());
  }
  const ClientSpec spec = client_spec(plan, lane.index, scale);
  const ClientTranscript transcript = harness::run_client(spec, port_, epoch_, nullptr);
  // Each fake finishes its side (a router hanging up on a stalled upstream) before reading.
  const auto settle_by = Clock::now() + std::chrono::milliseconds(scale.scale(kJournalSettle.count()));
  StreamRun run;
  std::vector<std::string> left_open;
  for (auto* fake : chain) {
    if (!fake->journal().wait_until_idle(settle_by)) left_open.push_back(fake->name());
    run.journals[fake->name()] = fake->journal().entries();
  }
  run.result = judge_stream(plan, spec, transcript, providers, run.journals, left_open, kUsagePolicy, scale);
  run.body = transcript.body;
  return run;
}

void SoakDriver::warm_up() {
  std::vector<std::thread> warmups;
  for (int l = 0; l < lanes(); ++l)
    warmups.emplace_back([this, l] { run(l, plan_stream(0, 0, 0.0)); });
  for (auto& t : warmups) t.join();
}

void SoakDriver::close_idle_connections() {
  if (auto* in_process = dynamic_cast<InProcessRouter*>(router_.get())) {
    in_process->close_idle_upstream_connections();
    return;
  }
  // A router process's connections end at the fakes in this process: until their fds are gone.
  const auto deadline = Clock::now() + kRouterIdleClose;
  while (open_fds() > fds_started_ && Clock::now() < deadline) std::this_thread::sleep_for(kPoll);
}

void SoakDriver::stop() {
  if (router_) router_->stop();
  for (auto& lane : lanes_)
    for (auto& fake : lane.fakes) fake->stop();
}

}  // namespace midstream::stress
