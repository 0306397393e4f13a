// The seed case's own table (LiteLLM #28216), reproduced: a Responses-front stream whose
// Anthropic primary drops after partial text. With the #28216 defect the error reaches the
// client and there is no final text; without it the vertex_ai fallback continues, and the text
// is the primary's partial plus the fallback's continuation, on the Responses and chat fronts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "router/defects.h"
#include "wire/sse.h"
#include "targets/registry.h"

namespace midstream::harness {
using namespace midstream::targets;

namespace {

const std::string kSeedDir = std::string(MIDSTREAM_SCENARIO_DIR) + "/8-seed-28216/";

struct Terminal {
  int completed = 0;
  int failed = 0;
  int errors = 0;
  std::string final_text;  // the text of response.completed's output
};

Terminal read_terminal(const std::string& body) {
  Terminal t;
  wire::SseFramer framer;
  auto sink = [&](const wire::SseEvent& event) {
    auto json = nlohmann::json::parse(event.data, nullptr, false);
    if (json.is_discarded()) return;
    if (event.event == "error") ++t.errors;
    if (event.event == "response.failed") ++t.failed;
    if (event.event != "response.completed") return;
    ++t.completed;
    for (const auto& item : json["response"]["output"])
      for (const auto& part : item.value("content", nlohmann::json::array()))
        t.final_text += part.value("text", "");
  };
  framer.feed(body, sink);
  framer.finish(sink);
  return t;
}

const reports::AttemptRecord* attempt_at(const reports::ScenarioResult& r, const std::string& provider) {
  for (const auto& a : r.attempts)
    if (a.provider == provider) return &a;
  return nullptr;
}

Scenario seed(const std::string& file) {
  return load_scenario(kSeedDir + file);
}

TEST(SeedCase28216, WithTheDefectTheErrorReachesTheClientAndTheFinalTextIsEmpty) {
  const Scenario s = seed("8.2.1-responses-front-reset-after-5-deltas.json");
  const auto r = run_scenario(s, embedded_target({std::string(router::defect::kNoMidStreamFallback)}));
  EXPECT_EQ(r.verdict, reports::Verdict::Fail);
  const Terminal t = read_terminal(r.client.body);
  EXPECT_EQ(t.completed, 0);
  EXPECT_EQ(t.failed, 1);
  EXPECT_GE(t.errors, 1);
  EXPECT_EQ(t.final_text, "");
  EXPECT_EQ(attempt_at(r, "vertex"), nullptr) << "the fallback must not have been called";
  EXPECT_FALSE(r.client.text.empty()) << "the partial reached the client before the error";
  EXPECT_EQ(s.answer().rfind(r.client.text, 0), 0u);
}

TEST(SeedCase28216, WithoutItTheFallbackContinuesThePartialExactly) {
  for (const char* file : {"8.2.1-responses-front-reset-after-5-deltas.json", "8.2.2-chat-front-reset-after-5-deltas.json"}) {
    const Scenario s = seed(file);
    const auto r = run_scenario(s, embedded_target());
    EXPECT_EQ(r.verdict, reports::Verdict::Pass) << file << ": " << r.reason;
    const auto* vertex = attempt_at(r, "vertex");
    ASSERT_NE(vertex, nullptr) << file;
    EXPECT_TRUE(vertex->continuation) << file;
    // The partial is what the primary streamed before it dropped; the rest came from vertex.
    EXPECT_FALSE(vertex->continuation_partial.empty());
    EXPECT_EQ(r.client.text, s.answer()) << file;
    EXPECT_EQ(r.client.text.rfind(vertex->continuation_partial, 0), 0u) << file;
    if (s.client.front == Front::Responses) {
      const Terminal t = read_terminal(r.client.body);
      EXPECT_EQ(t.completed, 1);
      EXPECT_EQ(t.failed, 0);
      EXPECT_EQ(t.final_text, s.answer());
    }
  }
}

TEST(SeedCase28216, TheChatPathIsUnaffectedByTheResponsesDefect) {
  const Scenario s = seed("8.2.2-chat-front-reset-after-5-deltas.json");
  const auto r = run_scenario(s, embedded_target({std::string(router::defect::kNoMidStreamFallback)}));
  EXPECT_EQ(r.verdict, reports::Verdict::Pass) << r.reason;
  EXPECT_EQ(r.client.text, s.answer());
}

}  // namespace
}  // namespace midstream::harness
