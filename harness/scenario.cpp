#include "harness/scenario.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include "fakes/fleet.h"
#include "router/config.h"
#include "wire/json_reader.h"

namespace midstream::harness {
namespace {

using wire::ConfigError;
using wire::ObjectReader;

std::vector<wire::Message> default_messages() {
  return {{"system", "You are a concise assistant."},
          {"user", "Tell me about the quick brown fox and the careful router."}};
}

std::vector<std::string> provider_names(const Scenario& s) {
  std::vector<std::string> names;
  for (const auto& p : s.providers) names.push_back(p.name);
  return names;
}

void require_provider(const Scenario& s, ObjectReader& reader, const std::string& key,
                      const std::string& name) {
  if (!s.provider(name)) {
    std::string known;
    for (const auto& n : provider_names(s)) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError(s.file, wire::join_pointer(reader.pointer_to(key), name),
                      "the name of a provider of this scenario (" + known + ")");
  }
}

std::vector<std::string> read_provider_list(const Scenario& s, ObjectReader& reader,
                                            const std::string& key) {
  std::vector<std::string> names = reader.string_list_or(key, {});
  for (const auto& name : names)
    if (!s.provider(name))
      throw ConfigError(s.file, reader.pointer_to(key),
                        "provider names of this scenario, got '" + name + "'");
  return names;
}

void parse_client(Scenario& s, const nlohmann::json& json, const std::string& pointer,
                  const nlohmann::json* client_json) {
  ObjectReader reader(json, s.file, pointer);
  ClientSpec& c = s.client;
  // enum_or takes only a listed name, so the lookup always finds its front.
  c.front = *front_from_string(reader.enum_or("front", std::string(to_string(Front::Chat)), front_names()));
  c.stream = reader.bool_or("stream", true);
  c.request.stream = c.stream;
  c.request.model = reader.string_or("model", "");
  if (c.request.model.empty()) {
    const auto& list = s.router.value("model_list", nlohmann::json::array());
    if (!list.empty()) c.request.model = list[0].value("model_name", "");
  }
  if (reader.has("messages")) {
    const auto& messages = reader.array("messages");
    for (size_t i = 0; i < messages.size(); ++i) {
      ObjectReader m(messages[i], s.file, wire::join_pointer(reader.pointer_to("messages"), i));
      wire::Message message;
      message.role = m.enum_or("role", "user", {"system", "developer", "user", "assistant"});
      message.content = m.required_string("content");
      m.finish();
      c.request.messages.push_back(std::move(message));
    }
    if (c.request.messages.empty()) reader.fail("messages", "at least one message");
  } else {
    c.request.messages = default_messages();
  }
  c.request.include_usage = reader.bool_or("include_usage", true);
  c.request.disable_fallbacks = reader.bool_or("disable_fallbacks", false);
  if (reader.has("max_tokens")) c.request.max_tokens = reader.required_int("max_tokens");
  if (reader.has("extra")) {
    const auto& extra = reader.raw("extra");
    if (!extra.is_object()) reader.fail("extra", "an object of extra request fields");
    c.request.extra = extra;
  }
  for (const char* key : {"messages", "max_tokens", "extra"}) reader.accept(key);  // named in errors
  reader.finish();

  if (client_json) {
    ObjectReader cr(*client_json, s.file, "/client");
    c.disconnect_after_deltas = static_cast<int>(cr.int_in("disconnect_after_deltas", -1, -1, 100000));
    c.read_delay_ms = cr.int_in("read_delay_ms", 0, 0, 60'000);
    c.timeout_ms = cr.int_in("timeout_ms", 15'000, 100, 600'000);
    cr.finish();
  }
}

void parse_expect(Scenario& s, const nlohmann::json& json) {
  ObjectReader reader(json, s.file, "/expect");
  Expectation& e = s.expect;
  e.outcome = reader.enum_or("outcome", "complete", {"complete", "error"}) == "complete"
                  ? Outcome::Complete
                  : Outcome::Error;
  if (reader.has("status")) {
    const auto& status = reader.raw("status");
    auto take = [&](const nlohmann::json& v) {
      // Compared as int64: 4294967496 read as an int would be 200.
      if (!v.is_number_integer() || v.get<int64_t>() < 100 || v.get<int64_t>() > 599)
        reader.fail("status", "an HTTP status or a list of them");
      e.status.push_back(static_cast<int>(v.get<int64_t>()));
    };
    if (status.is_array()) for (const auto& v : status) take(v);
    else take(status);
  }
  e.in_band_error = reader.bool_or("in_band_error", false);
  if (e.in_band_error && e.outcome != Outcome::Error)
    reader.fail("in_band_error", "only with \"outcome\": \"error\"");
  if (reader.has("attempts")) {
    ObjectReader attempts = reader.object("attempts");
    for (const auto& [name, value] : reader.raw("attempts").items()) {
      require_provider(s, reader, "attempts", name);
      e.attempts[name] = static_cast<int>(attempts.int_in(name, 0, 0, 1000));
    }
    attempts.finish();
  }
  e.continuation = read_provider_list(s, reader, "continuation");
  e.upstream_closed = read_provider_list(s, reader, "upstream_closed");
  if (reader.has("min_gap_ms")) {
    ObjectReader gaps = reader.object("min_gap_ms");
    for (const auto& [name, value] : reader.raw("min_gap_ms").items()) {
      require_provider(s, reader, "min_gap_ms", name);
      e.min_gap_ms[name] = gaps.int_in(name, 0, 0, 600'000);
    }
    gaps.finish();
  }
  if (reader.has("usage")) e.usage = reader.bool_or("usage", true);
  e.max_duration_ms = reader.int_in("max_duration_ms", 10'000, 1, 600'000);
  e.safe_ok = reader.bool_or("safe_ok", false);
  for (const char* key : {"status", "attempts", "min_gap_ms", "usage"}) reader.accept(key);  // named in errors
  reader.finish();
}

// "\d+(\.\d+)*", scanned by hand: std::regex matches recursively, one stack frame per
// character, so a long id (100,000 characters) overflowed the stack.
bool is_dotted_number(const std::string& id) {
  if (id.empty() || id.front() == '.' || id.back() == '.') return false;
  for (size_t i = 0; i < id.size(); ++i) {
    if (id[i] == '.') {
      if (id[i + 1] == '.') return false;  // the last character is not a '.', so i + 1 exists
    } else if (id[i] < '0' || id[i] > '9') {
      return false;
    }
  }
  return true;
}

// The names in "{{name}}" (no '}' inside), leftmost first, as the regex \{\{([^}]*)\}\} found
// them; scanned by hand for the same reason.
std::vector<std::string> placeholders(const std::string& text) {
  std::vector<std::string> names;
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string::npos) {
    const size_t close = text.find('}', pos + 2);
    if (close == std::string::npos) break;
    if (close + 1 < text.size() && text[close + 1] == '}') {
      names.push_back(text.substr(pos + 2, close - pos - 2));
      pos = close + 2;
    } else {
      ++pos;
    }
  }
  return names;
}

// Placeholders must name providers; the router config must load once they are bound. Returns
// it as loaded.
router::RouterConfig validate_router(const Scenario& s) {
  std::map<std::string, std::string> urls;
  for (const auto& p : s.providers) urls[p.name] = "http://127.0.0.1:9/v1";
  std::function<void(const nlohmann::json&, const std::string&)> walk =
      [&](const nlohmann::json& v, const std::string& pointer) {
        if (v.is_string()) {
          for (const auto& name : placeholders(v.get_ref<const std::string&>()))
            if (!urls.count(name))
              throw ConfigError(s.file, pointer,
                                "a {{provider}} placeholder naming a provider of this scenario, got "
                                "{{" + name + "}}");
        } else if (v.is_object()) {
          for (const auto& [k, child] : v.items()) walk(child, wire::join_pointer(pointer, k));
        } else if (v.is_array()) {
          for (size_t i = 0; i < v.size(); ++i) walk(v[i], wire::join_pointer(pointer, i));
        }
      };
  walk(s.router, "/router");
  try {
    return router::load_router_config(bind_router_config(s.router, urls), s.file);
  } catch (const ConfigError& error) {
    throw ConfigError(s.file, "/router" + error.pointer(), error.expected());
  }
}

std::vector<int> id_parts(const std::string& id) {
  std::vector<int> parts;
  size_t start = 0;
  while (start <= id.size()) {
    size_t dot = id.find('.', start);
    std::string part = id.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    parts.push_back(part.empty() ? 0 : std::atoi(part.c_str()));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

}  // namespace

std::string Scenario::category() const { return id.substr(0, id.find('.')); }

std::vector<std::string> Scenario::upstream_dialects() const {
  std::set<std::string> dialects;
  for (const auto& p : providers) dialects.insert(std::string(wire::to_string(p.dialect)));
  return {dialects.begin(), dialects.end()};
}

const fakes::ProviderConfig* Scenario::provider(const std::string& name) const {
  for (const auto& p : providers)
    if (p.name == name) return &p;
  return nullptr;
}

const std::string& Scenario::answer() const { return providers.front().answer; }

bool id_less(const std::string& a, const std::string& b) {
  auto pa = id_parts(a), pb = id_parts(b);
  if (pa != pb) return pa < pb;
  return a < b;
}

nlohmann::json bind_router_config(const nlohmann::json& router,
                                  const std::map<std::string, std::string>& base_urls) {
  if (router.is_string()) {
    std::string text = router.get<std::string>();
    for (const auto& [name, url] : base_urls) {
      const std::string key = "{{" + name + "}}";
      for (size_t pos; (pos = text.find(key)) != std::string::npos;) text.replace(pos, key.size(), url);
    }
    return text;
  }
  if (router.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : router.items()) out[key] = bind_router_config(value, base_urls);
    return out;
  }
  if (router.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& value : router) out.push_back(bind_router_config(value, base_urls));
    return out;
  }
  return router;
}

Scenario parse_scenario(const nlohmann::json& json, const std::string& file) {
  Scenario s;
  s.file = file;
  ObjectReader reader(json, file, "");
  reader.string_or("$schema", "");  // the JSON Schema an editor checks the file with; not used here
  s.id = reader.required_string("id");
  if (!is_dotted_number(s.id))
    reader.fail("id", "a dotted number like \"2.3.1\"");
  s.title = reader.required_string("title");
  s.requirement = reader.required_string("requirement");
  if (s.requirement.find("MUST") == std::string::npos && s.requirement.find("SHOULD") == std::string::npos)
    reader.fail("requirement", "a sentence stating what a router MUST or SHOULD do");
  s.refs = reader.string_list_or("refs", {});
  s.providers = fakes::FakeFleet::parse(reader.raw("providers"), file, "/providers");
  for (const auto& p : s.providers)
    if (p.answer != s.providers.front().answer)
      throw ConfigError(file, "/providers/" + p.name + "/answer",
                        "the same canonical answer for every provider (continuations must fit)");
  for (const auto& p : s.providers)
    if (p.tool_call.has_value() != s.providers.front().tool_call.has_value() ||
        (p.tool_call && (p.tool_call->name != s.providers.front().tool_call->name ||
                         p.tool_call->arguments != s.providers.front().tool_call->arguments)))
      throw ConfigError(file, "/providers/" + p.name + "/tool_call",
                        "the same tool call for every provider (one model, one answer)");
  if (!reader.is_object("router")) reader.fail("router", "a router config object");
  s.router = reader.raw("router");
  s.usage_policy = validate_router(s).settings.usage_policy;
  const nlohmann::json* client = reader.has("client") ? &reader.raw("client") : nullptr;
  if (!reader.has("request")) reader.fail("request", "the client request object");
  parse_client(s, reader.raw("request"), "/request", client);
  if (s.client.request.model.empty()) reader.fail("request", "a model (or a router model_list)");
  parse_expect(s, reader.has("expect") ? reader.raw("expect") : nlohmann::json::object());
  for (const char* key : {"client", "expect"}) reader.accept(key);  // named in errors
  reader.finish();
  return s;
}

Scenario load_scenario(const std::string& path) {
  return parse_scenario(wire::read_json_file(path), path);
}

std::vector<std::string> find_scenario_files(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& path : paths) {
    if (fs::is_directory(path)) {
      // A schema beside the scenarios (scenario.schema.json) is not a scenario.
      for (const auto& entry : fs::recursive_directory_iterator(path))
        if (entry.is_regular_file() && entry.path().extension() == ".json" &&
            !entry.path().filename().string().ends_with(".schema.json"))
          files.push_back(entry.path().string());
    } else if (fs::is_regular_file(path)) {
      files.push_back(path);
    } else {
      throw std::runtime_error(path + ": no such scenario file or directory");
    }
  }
  // Files are named "<id>-<slug>.json": order them by id, numerically.
  auto id_of = [](const std::string& file) {
    std::string stem = fs::path(file).stem().string();
    return stem.substr(0, stem.find('-'));
  };
  std::sort(files.begin(), files.end(), [&](const std::string& a, const std::string& b) {
    const std::string ia = id_of(a), ib = id_of(b);
    if (id_less(ia, ib)) return true;
    if (id_less(ib, ia)) return false;
    return a < b;
  });
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

}  // namespace midstream::harness
