// Router findings of fuzz/fuzz_router_request.cpp (fuzz/README.md), each fixed, kept as tests.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "router/config.h"
#include "router/server.h"

namespace midstream::router {
namespace {

// nlohmann's parser stops at a NUL byte, so the router took `{...}\0<anything>` as the JSON
// before the NUL: the body below was served as a request for model "no-such-model" (404) instead
// of being refused as invalid JSON (400 invalid_json). JSON never holds a raw NUL byte.
// Found by fuzz_router_request as "the nesting guard disagrees with the parsed depth":
// "0e9\0" followed by 70 '[' was refused as too deep though it parses as the number 0e9.
TEST(RouterFuzzRegressions, BodyWithANulByteIsInvalidJson) {
  RouterServer server(load_router_config(nlohmann::json::parse(R"({
    "model_list": [{"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o",
                    "api_base": "http://127.0.0.1:9/v1"}}]})"), "test"));
  httplib::Client client("127.0.0.1", server.start());
  client.set_read_timeout(10, 0);
  std::string body = R"({"model":"no-such-model","messages":[{"role":"user","content":"hi"}]})";
  body.push_back('\0');
  body += "[[[ not JSON";
  for (const char* path : {"/v1/chat/completions", "/v1/responses"}) {
    auto res = client.Post(path, body, "application/json");
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 400) << path << " -> " << res->body;
    EXPECT_NE(res->body.find("invalid_json"), std::string::npos) << path << " -> " << res->body;
  }
}

}  // namespace
}  // namespace midstream::router
