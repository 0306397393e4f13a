#include <sstream>

#include "harness/checks/check_functions.h"

namespace midstream::harness::checks {

std::string quote(const std::string& text, size_t max) {
  if (text.size() <= max) return "\"" + text + "\"";
  return "\"" + text.substr(0, max) + "...\" (" + std::to_string(text.size()) + " bytes)";
}

std::string usage_text(const std::optional<wire::Usage>& usage) {
  if (!usage) return "no usage";
  return "input " + std::to_string(usage->input_tokens) + ", output " +
         std::to_string(usage->output_tokens);
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "; ") + part;
  return out;
}

bool presented_as_complete(const Observation& o) {
  if (o.client.disconnected || o.client.status != 200) return false;
  if (!o.front.errors.empty()) return false;
  return o.client.end == net::StreamEnd::Complete;
}

bool clean_error(const Observation& o) {
  if (o.client.status >= 400) return o.front.error_body_shaped;
  return o.client.status == 200 && !o.front.errors.empty() && !o.front.terminator;
}

std::string describe_client(const Observation& o) {
  std::ostringstream out;
  if (o.client.status == 0) {
    out << "no response (" << net::to_string(o.client.end)
        << (o.client.detail.empty() ? "" : ": " + o.client.detail) << ")";
    return out.str();
  }
  out << "status " << o.client.status;
  if (o.client.status >= 400) {
    if (!o.front.errors.empty()) out << " with error \"" << o.front.errors.front().message << "\"";
    return out.str();
  }
  if (o.front.streamed) {
    out << ", " << o.front.events.size() << " events";
    if (!o.front.errors.empty()) out << ", in-band error \"" << o.front.errors.front().message << "\"";
    out << (o.front.terminator ? ", terminator" : ", no terminator");
    if (!o.front.finish_reasons.empty()) out << ", finish_reason " << o.front.finish_reasons.back();
    out << ", connection " << net::to_string(o.client.end);
  } else {
    out << ", JSON body";
  }
  if (o.client.disconnected) out << ", client hung up";
  return out.str();
}

bool expects_whole_answer(const Observation& o) {
  return o.scenario.expect.outcome == Outcome::Complete && !o.client.disconnected;
}

}  // namespace midstream::harness::checks
