// `midstream new-scenario`: a starting scenario file for a front, a chain of upstream dialects
// and one fault, with the expectations a correct router meets, checked by the loader before it
// is written.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "harness/data_paths.h"
#include "harness/scenario.h"

namespace midstream::cli {
namespace {

using nlohmann::ordered_json;

constexpr const char* kHelp = R"(usage: midstream new-scenario --id ID [options]

Writes a starting scenario: one fake provider per upstream dialect, chained as fallbacks in the
order given, a fault at the first (the primary), the router config, the client request, and
what a correct router must make of it. The expectations are derived from the fault (before or
after the commit point, a client error, a fault the router rides out) and the file is checked
by the scenario loader before it is written, so it loads as it is. It names its JSON Schema in
"$schema", so an editor completes and checks every key while you edit it. Then:
  midstream list FILE             # loads it strictly: a bad key is reported with its pointer
  midstream run FILE --verbose    # must PASS against the reference router
  midstream run FILE --defect D   # and FAIL with the defect it is meant to catch

options:
  --id ID           dotted number, e.g. 3.9.1; its first number is the category (required)
  --front F         the API the client calls: chat (POST /v1/chat/completions) or responses
                    (POST /v1/responses); default chat
  --no-stream       a non-streamed client request (default: streamed)
  --upstreams LIST  the dialects of the chain, primary first, comma-separated, 1 to 5 of
                    openai-chat, openai-responses, anthropic (default: openai-chat,openai-chat)
  --fault SPEC      the primary's fault on its first request (default: 'after_deltas:3 reset'),
                    or 'none'. SPEC is 'POSITION[:N] ACTION[:VALUE] [retry-after:SECONDS]':
                      positions  on_connect, before_status, after_headers, after_preamble,
                                 after_deltas:N (N content deltas sent), mid_event[:N] (inside
                                 delta N+1), before_terminal, after_usage
                      actions    reset (TCP RST), close (FIN), stall[:MS] (default 3000),
                                 status:CODE (before_status only), error_event, truncate,
                                 malformed, slow:MS, drip[:BYTES] (duplicate_event: by hand)
  --title TEXT      the one-line title (default: made from the options)
  --out FILE        write FILE instead of printing it; an existing FILE is kept unless --force
  --schema REF      the "$schema" value (default: the schema's path relative to FILE's folder,
                    or its absolute path when printing)

examples:
  midstream new-scenario --id 3.9.1 --upstreams openai-chat,anthropic
  midstream new-scenario --id 2.9.1 --front responses --upstreams anthropic,openai-chat \
    --fault 'before_status status:503 retry-after:1' --out scenarios/2-before-first-byte/2.9.1-x.json
)";

const std::vector<std::string> kDialects = {"openai-chat", "openai-responses", "anthropic"};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, separator);)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

int64_t number(const std::string& text, const std::string& what) {
  std::string digits = text;
  for (const char* unit : {"ms", "B"})
    if (digits.size() > std::string(unit).size() && digits.ends_with(unit))
      digits.resize(digits.size() - std::string(unit).size());
  char* end = nullptr;
  const long long value = std::strtoll(digits.c_str(), &end, 10);
  if (digits.empty() || *end != '\0' || value < 0) throw UsageError(what + " expects a number, got '" + text + "'");
  return value;
}

// "after_deltas:3 reset", "before_status status:503 retry-after:1", "after_preamble stall:2000"
// into the scenario's fault object; the loader judges the combination.
ordered_json parse_fault_spec(const std::string& spec) {
  const auto words = split(spec, ' ');
  if (words.size() < 2 || words.size() > 3)
    throw UsageError("--fault expects 'POSITION[:N] ACTION[:VALUE] [retry-after:SECONDS]', got '" + spec + "'");
  ordered_json fault;
  const auto at = split(words[0], ':');
  fault["at"] = at.empty() ? words[0] : at[0];
  if (at.size() > 1) fault["n"] = number(at[1], "--fault " + at[0]);
  const auto action = split(words[1], ':');
  const std::string name = action.empty() ? words[1] : action[0];
  fault["action"] = name;
  if (name == "stall" || name == "slow") {
    fault["ms"] = action.size() > 1 ? number(action[1], "--fault " + name) : (name == "stall" ? 3000 : 50);
  } else if (name == "status") {
    if (action.size() < 2) throw UsageError("--fault status needs a code: 'before_status status:503'");
    fault["status"] = number(action[1], "--fault status");
  } else if (name == "drip") {
    if (action.size() > 1) fault["bytes"] = number(action[1], "--fault drip");
  } else if (action.size() > 1) {
    throw UsageError("--fault " + name + " takes no value");
  }
  if (words.size() == 3) {
    const auto retry = split(words[2], ':');
    if (retry.size() != 2 || retry[0] != "retry-after" || name != "status")
      throw UsageError("--fault: the third word is 'retry-after:SECONDS', after a status action");
    fault["retry_after"] = number(retry[1], "--fault retry-after");
  }
  return fault;
}

struct Deployment {
  std::string provider;    // the fake's name
  std::string dialect;
  std::string model_name;  // the router's model group
  std::string model;       // litellm_params.model
};

std::vector<Deployment> chain_of(const std::vector<std::string>& dialects) {
  std::vector<Deployment> chain;
  for (size_t i = 0; i < dialects.size(); ++i) {
    Deployment d;
    d.dialect = dialects[i];
    d.provider = i == 0 ? "primary" : i == 1 ? "backup" : "backup" + std::to_string(i);
    const std::string model = d.dialect == "anthropic" ? "claude-sonnet-4-5" : i == 0 ? "gpt-4o" : "gpt-4o-mini";
    d.model_name = i == 0 ? "main" : d.provider;
    d.model = (d.dialect == "openai-chat" ? "openai/" : d.dialect == "anthropic" ? "anthropic/" : "openai-responses/") + model;
    chain.push_back(d);
  }
  return chain;
}

// What the fault does to the primary's first request, for a router without retries.
enum class Effect { None, ClientError, BeforeCommit, AfterCommit };

Effect effect_of(const ordered_json& fault) {
  if (fault.is_null()) return Effect::None;
  const std::string at = fault.at("at").get<std::string>(), action = fault.at("action").get<std::string>();
  if (action == "slow" || action == "drip" || action == "duplicate_event") return Effect::None;
  // A finish reason (and the usage) already reached the router: the answer is complete.
  if (at == "after_usage") return Effect::None;
  if (action == "status") {
    const int status = fault.at("status").get<int>();
    const bool retryable = status == 408 || status == 409 || status == 429 || status >= 500;
    const bool fall_back = status == 401 || status == 403 || status == 404;
    if (!retryable && !fall_back) return Effect::ClientError;
  }
  const int n = fault.contains("n") ? fault.at("n").get<int>() : 0;
  const bool content_sent = (at == "after_deltas" || at == "mid_event") ? n > 0 : at == "before_terminal";
  return content_sent ? Effect::AfterCommit : Effect::BeforeCommit;
}

std::string describe_fault(const std::string& spec, const std::string& dialect) {
  return spec == "none" ? "A healthy " + dialect + " primary" : "'" + spec + "' at the " + dialect + " primary";
}

// What the scenario expects of a router for the fault's effect on this chain, the requirement it
// states, and the title's tail.
struct Expectation {
  ordered_json expect;
  std::string requirement;
  std::string what;
};

Expectation expectation_of(Effect effect, const std::vector<Deployment>& chain, const ordered_json& fault,
                           bool stream) {
  const bool has_fallback = chain.size() > 1;
  Expectation out;
  ordered_json& expect = out.expect;
  ordered_json attempts = ordered_json::object();
  for (const auto& d : chain) attempts[d.provider] = 0;
  attempts[chain.front().provider] = 1;
  switch (effect) {
    case Effect::None:
      expect["outcome"] = "complete";
      out.requirement = "A router MUST pass a stream its upstream completes through unchanged: the exact answer, "
                        "one preamble, one finish and the upstream's usage.";
      out.what = "the primary serves the whole answer";
      break;
    case Effect::ClientError:
      expect["outcome"] = "error";
      expect["status"] = fault.at("status");
      out.requirement = "A router MUST NOT retry or fall back on a client error: the client gets the provider's "
                        "status and message as an OpenAI-shaped error.";
      out.what = "the client gets the " + std::to_string(fault.at("status").get<int>()) + ", nothing else is called";
      break;
    case Effect::BeforeCommit:
      if (has_fallback) {
        expect["outcome"] = "complete";
        attempts[chain[1].provider] = 1;
        out.requirement = "A router MUST fall back when an upstream fails before the first content, so the client "
                          "never sees the failure and gets the exact answer from the fallback.";
        out.what = "the fallback serves, unseen by the client";
      } else {
        expect["outcome"] = "error";
        out.requirement = "When every deployment fails before any content a router MUST answer with a real HTTP "
                          "error status and an OpenAI-shaped body, not a 200.";
        out.what = "a real HTTP error status";
      }
      break;
    case Effect::AfterCommit:
      if (has_fallback) {
        expect["outcome"] = "complete";
        attempts[chain[1].provider] = 1;
        expect["continuation"] = ordered_json::array({chain[1].provider});
        out.requirement = "After the commit point a router MUST continue on the next deployment with a continuation "
                          "request carrying the text already sent, so the client gets the exact answer with no gap "
                          "and no repeat.";
        out.what = "the fallback continues the answer exactly";
      } else if (stream) {
        expect["outcome"] = "error";
        expect["in_band_error"] = true;
        out.requirement = "When nothing is left to continue a committed answer a router MUST end the stream with the "
                          "front's in-band error, never a clean end.";
        out.what = "an in-band error, never a clean end";
      } else {
        expect["outcome"] = "error";
        out.requirement = "When nothing is left to rescue a non-streamed answer a router MUST answer with a real HTTP "
                          "error status, never a truncated completion.";
        out.what = "a real HTTP error status, never a truncated completion";
      }
      break;
  }
  expect["attempts"] = attempts;
  expect["max_duration_ms"] = 3000;
  return out;
}

// A fake per deployment; the fault scripted at the primary.
ordered_json providers_json(const std::vector<Deployment>& chain, const ordered_json& fault) {
  ordered_json providers = ordered_json::object();
  for (const auto& d : chain) {
    ordered_json p = {{"dialect", d.dialect}};
    if (&d == &chain.front() && !fault.is_null()) p["script"] = ordered_json::array({fault});
    providers[d.provider] = p;
  }
  return providers;
}

// The chain as a model_list with fallbacks, no retries and short timeouts.
ordered_json router_json(const std::vector<Deployment>& chain) {
  ordered_json model_list = ordered_json::array();
  for (const auto& d : chain)
    model_list.push_back({{"model_name", d.model_name},
                          {"litellm_params",
                           {{"model", d.model}, {"api_base", "{{" + d.provider + "}}"},
                            {"api_key", "sk-midstream-" + d.provider}}}});
  ordered_json settings = ordered_json::object();
  if (chain.size() > 1) {
    ordered_json rest = ordered_json::array();
    for (size_t i = 1; i < chain.size(); ++i) rest.push_back(chain[i].model_name);
    settings["fallbacks"] = ordered_json::array({{{chain.front().model_name, rest}}});
  }
  settings["num_retries"] = 0;
  // Short timeouts, so a stall is given up on long before it ends and the case runs in a second.
  settings["timeout_ms"] = 1000;
  settings["stream_timeout_ms"] = 500;
  settings["idle_timeout_ms"] = 500;
  return {{"model_list", model_list}, {"router_settings", settings}};
}

ordered_json build(const std::string& id, const std::string& front, bool stream,
                   const std::vector<Deployment>& chain, const std::string& fault_spec,
                   const ordered_json& fault, std::string title) {
  const Expectation expectation = expectation_of(effect_of(fault), chain, fault, stream);
  if (title.empty())
    title = describe_fault(fault_spec, chain.front().dialect) + ", " + front + " front" +
            (stream ? "" : " (not streamed)") + ": " + expectation.what;
  ordered_json scenario;
  scenario["id"] = id;
  scenario["title"] = title;
  scenario["requirement"] = expectation.requirement;
  scenario["refs"] = ordered_json::array();
  scenario["providers"] = providers_json(chain, fault);
  scenario["router"] = router_json(chain);
  scenario["request"] = {{"front", front}, {"stream", stream}};
  scenario["expect"] = expectation.expect;
  return scenario;
}

// One line, spaced like the catalogue: {"at": "after_deltas", "n": 3}.
std::string inline_json(const ordered_json& value) {
  if (!value.is_structured()) return value.dump();
  std::string out = value.is_object() ? "{" : "[";
  bool first = true;
  for (auto it = value.begin(); it != value.end(); ++it, first = false) {
    out += first ? "" : ", ";
    if (value.is_object()) out += ordered_json(it.key()).dump() + ": ";
    out += inline_json(*it);
  }
  return out + (value.is_object() ? "}" : "]");
}

// Indented, with every object or array that fits in 100 columns on one line.
std::string layout(const ordered_json& value, size_t indent, size_t used) {
  const std::string line = inline_json(value);
  if (!value.is_structured() || value.empty() || indent + used + line.size() <= 100) return line;
  const std::string pad(indent + 2, ' ');
  std::string out = value.is_object() ? "{\n" : "[\n";
  bool first = true;
  for (auto it = value.begin(); it != value.end(); ++it, first = false) {
    out += first ? "" : ",\n";
    std::string key = value.is_object() ? ordered_json(it.key()).dump() + ": " : "";
    out += pad + key + layout(*it, indent + 2, key.size());
  }
  return out + "\n" + std::string(indent, ' ') + (value.is_object() ? "}" : "]");
}

}  // namespace

int new_scenario_command(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << kHelp;
    return 0;
  }
  const auto id = args.value("--id");
  const std::string front = args.value("--front").value_or("chat");
  const bool stream = !args.flag("--no-stream");
  const std::string upstreams = args.value("--upstreams").value_or("openai-chat,openai-chat");
  const std::string fault_spec = args.value("--fault").value_or("after_deltas:3 reset");
  const std::string title = args.value("--title").value_or("");
  const auto out = args.value("--out");
  const bool force = args.flag("--force");
  auto schema = args.value("--schema");
  if (!args.positionals().empty()) throw UsageError("new-scenario takes no positional arguments");
  if (!id) throw UsageError("--id ID is required (a dotted number like 3.9.1)");
  if (!harness::front_from_string(front)) {
    const auto& names = harness::front_names();
    std::string known;  // "chat or responses"
    for (size_t i = 0; i < names.size(); ++i)
      known += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    throw UsageError("--front is " + known + ", not '" + front + "'");
  }
  const auto dialects = split(upstreams, ',');
  if (dialects.empty() || dialects.size() > 5) throw UsageError("--upstreams lists 1 to 5 dialects");
  for (const auto& d : dialects)
    if (std::find(kDialects.begin(), kDialects.end(), d) == kDialects.end())
      throw UsageError("--upstreams: unknown dialect '" + d + "' (openai-chat, openai-responses, anthropic)");
  const ordered_json fault = fault_spec == "none" ? ordered_json() : parse_fault_spec(fault_spec);
  // Faults whose outcome no expectation can state; the loader accepts them, so say why here.
  if (!fault.is_null() && fault.at("action") == "duplicate_event")
    throw UsageError("--fault duplicate_event: a router cannot tell a duplicated chat or anthropic delta from a "
                     "repeated word, so no expectation holds for every router; write that scenario by hand");
  if (!fault.is_null() && fault.at("at") == "after_usage" && dialects.front() == "openai-responses")
    throw UsageError("--fault after_usage never fires at an openai-responses primary: its usage is in the "
                     "terminal event, after which nothing is left to cut");

  namespace fs = std::filesystem;
  if (!schema) {
    const fs::path path = fs::absolute(harness::data_paths().scenario_schema).lexically_normal();
    schema = out ? path.lexically_relative(fs::absolute(*out).parent_path()).generic_string() : path.string();
  }
  ordered_json scenario = {{"$schema", *schema}};
  scenario.update(build(*id, front, stream, chain_of(dialects), fault_spec, fault, title));
  const std::string text = layout(scenario, 0, 0) + "\n";
  // The loader is the judge: an impossible fault, a bad id, anything it refuses is reported here
  // with the JSON pointer, and nothing is written.
  harness::parse_scenario(nlohmann::json::parse(text), out.value_or("new-scenario"));

  if (!out) {
    std::cout << text;
    return 0;
  }
  if (fs::exists(*out) && !force) throw UsageError(*out + " exists (--force overwrites it)");
  if (fs::path(*out).has_parent_path()) fs::create_directories(fs::path(*out).parent_path());
  std::ofstream file(*out);
  file << text;
  file.close();
  if (!file) throw std::runtime_error("cannot write " + *out);
  std::cerr << "wrote " << *out << "; check it with `midstream run " << *out << " --verbose`\n";
  return 0;
}

}  // namespace midstream::cli
