#pragma once
// Defect switches: named, off unless asked for, each reproducing a real router bug so the
// suite can prove its checks fail. The reference router consults them at the exact point
// where the real bug lives.
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace midstream::router {

struct DefectInfo {
  std::string_view name;
  std::string_view reproduces;  // the public issue or product behaviour
  std::string_view effect;      // one line: what the router does wrong
};

// Every known defect, in a stable order.
const std::vector<DefectInfo>& all_defects();
bool is_known_defect(std::string_view name);

namespace defect {
inline constexpr std::string_view kCleanCloseAfterDrop = "portkey-clean-close";
inline constexpr std::string_view kNoMidStreamFallback = "no-mid-stream-fallback";
inline constexpr std::string_view kResendPartial = "resend-partial";
inline constexpr std::string_view kSecondPreamble = "second-preamble";
inline constexpr std::string_view kDropFailedUsage = "drop-failed-usage";
inline constexpr std::string_view kNoIdleTimeout = "no-idle-timeout";
inline constexpr std::string_view kCommitBeforeContent = "commit-before-content";
inline constexpr std::string_view kUpstreamLeftOpen = "upstream-left-open";
inline constexpr std::string_view kIgnoreRetryAfter = "ignore-retry-after";
inline constexpr std::string_view kRetryClientErrors = "retry-client-errors";
inline constexpr std::string_view kFallbackOnlyFirstEventError = "bifrost-first-event-only";
inline constexpr std::string_view kIgnoreDisableFallbacks = "ignore-disable-fallbacks";
inline constexpr std::string_view kNoRetryOnceOpen = "bifrost-no-retry-once-open";
inline constexpr std::string_view kPrefillEverywhere = "prefill-everywhere";
inline constexpr std::string_view kBrokenSeam = "broken-whitespace-seam";
inline constexpr std::string_view kSequenceRestart = "sequence-restart";
inline constexpr std::string_view kSpliceToolCall = "splice-tool-call";
}  // namespace defect

class Defects {
 public:
  Defects() = default;
  explicit Defects(std::set<std::string> names) : names_(std::move(names)) {}
  bool on(std::string_view name) const { return names_.count(std::string(name)) > 0; }
  const std::set<std::string>& names() const { return names_; }

 private:
  std::set<std::string> names_;
};

}  // namespace midstream::router
