#include "router/defects.h"

#include <algorithm>

namespace midstream::router {

const std::vector<DefectInfo>& all_defects() {
  static const std::vector<DefectInfo> kDefects = {
      {defect::kCleanCloseAfterDrop,
       "Portkey gateway: a dropped upstream ends the client stream cleanly (Portkey #1797)",
       "after a mid-stream failure the client body just ends, with no error and no terminator"},
      {defect::kNoMidStreamFallback, "LiteLLM #28216: Responses path bypasses mid-stream fallback",
       "a failure after the first content is never continued on another deployment"},
      {defect::kResendPartial, "routers that restart the answer instead of continuing it",
       "after a mid-stream fallback the text already sent reaches the client a second time"},
      {defect::kSecondPreamble, "routers that forward every attempt's preamble",
       "after a mid-stream fallback the client gets a second role chunk / response.created"},
      {defect::kDropFailedUsage, "routers that bill only the attempt that served the answer",
       "usage reported by failed attempts is left out of the billed total"},
      {defect::kNoIdleTimeout, "routers with only a connect/first-byte timeout",
       "an upstream that goes silent after content started is waited on forever"},
      {defect::kCommitBeforeContent, "routers that send 200 and the preamble straight away",
       "the client is committed before any content, so early failures become in-band errors"},
      {defect::kUpstreamLeftOpen, "routers that do not propagate client disconnects",
       "the upstream request stays open after the client went away"},
      {defect::kIgnoreRetryAfter, "routers that retry on their own schedule",
       "a provider's Retry-After is ignored and the plain backoff is used"},
      {defect::kRetryClientErrors, "routers that retry every non-2xx status",
       "400/413/422 responses are retried and fallen back like server errors"},
      {defect::kFallbackOnlyFirstEventError,
       "Bifrost #5395: falls back only if the first event is an error",
       "a failure after the first event ends the stream instead of falling back"},
      {defect::kIgnoreDisableFallbacks, "LiteLLM #19077",
       "a request's disable_fallbacks: true is ignored and fallbacks are used anyway"},
      {defect::kNoRetryOnceOpen, "Bifrost #2917: no retry once the stream is open",
       "once an upstream answered 200, any failure ends the request: no retry, no fallback"},
      {defect::kPrefillEverywhere,
       "LiteLLM #27967: an assistant prefill sent to a deployment that rejects it",
       "continuations always use an assistant prefill, whatever supports_prefill says"},
      {defect::kBrokenSeam, "routers that strip a prefill's trailing whitespace but not the seam",
       "the whitespace stripped from a prefill is sent to the client a second time"},
      {defect::kSequenceRestart, "routers that encode each attempt's Responses events afresh",
       "after a mid-stream fallback the Responses sequence_number starts again from 0"},
      {defect::kSpliceToolCall, "LiteLLM #31067: a tool call spliced across a fallback",
       "a failure while a tool call is streaming is continued anyway, so the call is garbled"},
  };
  return kDefects;
}

bool is_known_defect(std::string_view name) {
  const auto& defects = all_defects();
  return std::any_of(defects.begin(), defects.end(),
                     [&](const DefectInfo& info) { return info.name == name; });
}

}  // namespace midstream::router
