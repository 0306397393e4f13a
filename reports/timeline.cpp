// The SVG timeline of a case page: attempts as bars per provider, faults, client events, seams.
#include "reports/timeline.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <vector>

#include "reports/format.h"
#include "reports/html.h"

namespace midstream::reports {
namespace {

constexpr double kWidth = 1000;
constexpr double kLabelWidth = 130;  // lane names on the left
constexpr double kRightPad = 28;
constexpr double kTop = 30;          // room for the commit and seam labels
constexpr double kLane = 32;
constexpr double kBar = 16;
constexpr double kAxis = 30;

std::string num(double value) {
  if (!std::isfinite(value)) value = 0;
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, 1);
  if (error != std::errc()) return "0";
  std::string out(buffer, end);
  if (out.size() > 2 && out.compare(out.size() - 2, 2, ".0") == 0) out.resize(out.size() - 2);
  return out;
}

std::string tick_label(double ms, double step) {
  int decimals = 0;
  while (decimals < 3 && step * std::pow(10.0, decimals) < 0.999) ++decimals;
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, ms, std::chars_format::fixed, decimals);
  if (error != std::errc()) return "?";
  return std::string(buffer, end) + " ms";
}

// 1, 2 or 5 times a power of ten: about eight ticks across the span.
double tick_step(double span) {
  const double raw = span / 8;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 5.0, 10.0})
    if (factor * magnitude >= raw) return factor * magnitude;
  return 10 * magnitude;
}

double finite_or_zero(double value) { return std::isfinite(value) && value > 0 ? value : 0; }

std::string fault_position(const AttemptRecord& attempt) {
  return attempt.fault.substr(0, attempt.fault.find(' '));
}

struct Scale {
  double end_ms;
  double x(double ms) const {
    return kLabelWidth + std::clamp(finite_or_zero(ms), 0.0, end_ms) / end_ms * (kWidth - kLabelWidth - kRightPad);
  }
};

std::string attempt_tooltip(const AttemptRecord& attempt) {
  std::string text = attempt.provider + " #" + std::to_string(attempt.index) + " (" + attempt.dialect + "): " +
                     attempt.outcome + ", " + num(attempt.started_ms) + " \u2192 " + num(attempt.ended_ms) + " ms";
  if (!attempt.fault.empty())
    text += "\nfault " + attempt.fault + (attempt.fault_fired ? " (fired)" : " (planned, did not fire)");
  if (attempt.continuation) text += "\ncontinuation carrying " + one_line(attempt.continuation_partial, 80);
  return text;
}

}  // namespace

bool fault_before_response(const AttemptRecord& attempt) {
  const std::string position = fault_position(attempt);
  return position == "on_connect" || position == "before_status";
}

namespace {

// Where everything goes: attempts in time order, a lane per provider in order of its first
// request (the client's lane above them), and the time scale.
struct Layout {
  std::vector<const AttemptRecord*> attempts;
  std::vector<std::string> lanes;
  double step = 1;  // between axis ticks, in ms
  Scale scale{1};
  double lanes_bottom = 0;

  double lane_top(std::size_t lane) const { return kTop + kLane * static_cast<double>(lane); }
  std::size_t lane_of(const AttemptRecord& attempt) const {
    return 1 + static_cast<std::size_t>(std::find(lanes.begin(), lanes.end(), attempt.provider) - lanes.begin());
  }
};

Layout lay_out(const ScenarioResult& result) {
  Layout layout;
  for (const AttemptRecord& attempt : result.attempts) layout.attempts.push_back(&attempt);
  std::stable_sort(layout.attempts.begin(), layout.attempts.end(),
                   [](const AttemptRecord* a, const AttemptRecord* b) { return a->started_ms < b->started_ms; });
  for (const AttemptRecord* attempt : layout.attempts)
    if (std::find(layout.lanes.begin(), layout.lanes.end(), attempt->provider) == layout.lanes.end())
      layout.lanes.push_back(attempt->provider);

  double end_ms = finite_or_zero(result.duration_ms);
  for (const AttemptRecord* attempt : layout.attempts)
    end_ms = std::max({end_ms, finite_or_zero(attempt->started_ms), finite_or_zero(attempt->ended_ms)});
  for (double ms : result.client.event_ms) end_ms = std::max(end_ms, finite_or_zero(ms));
  layout.step = tick_step(end_ms > 0 ? end_ms : 1);
  layout.scale = Scale{std::max(layout.step, std::ceil(end_ms / layout.step) * layout.step)};
  layout.lanes_bottom = kTop + kLane * static_cast<double>(layout.lanes.size() + 1);
  return layout;
}

// Lanes: the client first, then each provider.
std::string lanes_svg(const Layout& layout) {
  std::string svg;
  for (std::size_t lane = 0; lane <= layout.lanes.size(); ++lane) {
    const double y = layout.lane_top(lane);
    svg += "<rect class=\"lane\" x=\"0\" y=\"" + num(y) + "\" width=\"" + num(kWidth) + "\" height=\"" + num(kLane) +
           "\" fill=\"" + (lane % 2 ? "#ffffff" : "#f6f8fa") + "\"/>\n";
    const std::string name = lane == 0 ? "client" : one_line(layout.lanes[lane - 1], 18);
    svg += "<text class=\"lane-label\" x=\"" + num(kLabelWidth - 10) + "\" y=\"" + num(y + kLane / 2 + 4) +
           "\" text-anchor=\"end\" fill=\"#1f2328\"" + (lane == 0 ? " font-style=\"italic\"" : "") + ">" +
           html::escape(name) + "</text>\n";
  }
  return svg;
}

// The axis with ticks and a faint grid.
std::string axis_svg(const Layout& layout) {
  const double bottom = layout.lanes_bottom;
  std::string svg = "<g class=\"axis\" fill=\"#57606a\" font-size=\"11\">\n";
  svg += "<line x1=\"" + num(kLabelWidth) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(kWidth - kRightPad) +
         "\" y2=\"" + num(bottom) + "\" stroke=\"#8c959f\"/>\n";
  for (int i = 0; static_cast<double>(i) * layout.step <= layout.scale.end_ms * (1 + 1e-9); ++i) {
    const double ms = static_cast<double>(i) * layout.step;
    const double x = layout.scale.x(ms);
    svg += "<line x1=\"" + num(x) + "\" y1=\"" + num(kTop) + "\" x2=\"" + num(x) + "\" y2=\"" + num(bottom + 4) +
           "\" stroke=\"#d0d7de\" stroke-width=\"0.5\"/>\n";
    svg += "<text x=\"" + num(x) + "\" y=\"" + num(bottom + 18) + "\" text-anchor=\"middle\">" +
           tick_label(ms, layout.step) + "</text>\n";
  }
  return svg + "</g>\n";
}

// Client events as ticks on the top lane.
std::string events_svg(const Layout& layout, const std::vector<double>& events) {
  std::string svg = "<g class=\"events\" stroke=\"#1f2328\" stroke-width=\"1\"><title>" +
                    std::to_string(events.size()) + " client events</title>\n";
  for (double ms : events) {
    const double x = layout.scale.x(ms);
    svg += "<line class=\"event\" x1=\"" + num(x) + "\" y1=\"" + num(kTop + 8) + "\" x2=\"" + num(x) + "\" y2=\"" +
           num(kTop + kLane - 8) + "\"/>\n";
  }
  return svg + "</g>\n";
}

// One attempt as a bar in its provider's lane, with its label and its fault marker.
std::string attempt_svg(const Layout& layout, const AttemptRecord& attempt) {
  const double y = layout.lane_top(layout.lane_of(attempt)) + (kLane - kBar) / 2;
  const double x0 = layout.scale.x(attempt.started_ms);
  const double width = std::max(2.0, layout.scale.x(attempt.ended_ms) - x0);
  const char* state = attempt.fault_fired                 ? "fired"
                      : attempt.outcome == "completed"    ? (attempt.continuation ? "continuation" : "completed")
                                                          : "other";
  const char* fill = attempt.fault_fired                 ? "#cf222e"
                     : attempt.outcome == "completed"    ? (attempt.continuation ? "#0969da" : "#2da44e")
                                                         : "#8c959f";
  std::string svg = "<rect class=\"attempt " + std::string(state) + "\" x=\"" + num(x0) + "\" y=\"" + num(y) +
                    "\" width=\"" + num(width) + "\" height=\"" + num(kBar) + "\" rx=\"3\" fill=\"" + fill +
                    "\"><title>" + html::escape(attempt_tooltip(attempt)) + "</title></rect>\n";
  const std::string label = "#" + std::to_string(attempt.index) + (attempt.continuation ? " cont." : "");
  const bool inside = width > 14 + 7 * static_cast<double>(label.size());
  svg += "<text x=\"" + num(inside ? x0 + 5 : x0 + width + 4) + "\" y=\"" + num(y + kBar - 4) + "\" font-size=\"11\" fill=\"" +
         (inside ? "#ffffff" : "#1f2328") + "\" pointer-events=\"none\">" + label + "</text>\n";
  if (attempt.fault.empty()) return svg;
  const double fx = fault_before_response(attempt) ? x0 : x0 + width;
  const double fy = y - 2;
  return svg + "<path class=\"fault-marker" + std::string(attempt.fault_fired ? "" : " unfired") + "\" d=\"M" +
         num(fx - 6) + "," + num(fy - 9) + " h12 l-6,9 z\" fill=\"" + (attempt.fault_fired ? "#cf222e" : "#ffffff") +
         "\" stroke=\"#cf222e\" stroke-width=\"1.5\"><title>" +
         html::escape("fault " + attempt.fault + (attempt.fault_fired ? " fired" : " planned, did not fire")) +
         "</title></path>\n";
}

// A dashed line across every lane at ms, labelled at label_y: the commit point or a seam.
std::string marker_svg(const Layout& layout, const char* cls, double ms, const char* colour, const std::string& label,
                       double label_y, const std::string& tooltip) {
  const double x = layout.scale.x(ms);
  return "<g class=\"" + std::string(cls) + "\"><title>" + html::escape(tooltip) + "</title><line x1=\"" + num(x) +
         "\" y1=\"" + num(label_y + 3) + "\" x2=\"" + num(x) + "\" y2=\"" + num(layout.lanes_bottom) + "\" stroke=\"" +
         colour + "\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/><text x=\"" + num(x + 3) + "\" y=\"" +
         num(label_y) + "\" font-size=\"11\" fill=\"" + colour + "\">" + html::escape(label) + "</text></g>\n";
}

}  // namespace

std::string timeline_svg(const ScenarioResult& result) {
  const Layout layout = lay_out(result);
  const double height = layout.lanes_bottom + kAxis;
  std::string svg = "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + num(kWidth) +
                    " " + num(height) + "\" role=\"img\" aria-label=\"timeline of attempts and client events\">\n";
  svg += "<g font-family=\"system-ui,DejaVu Sans,sans-serif\" font-size=\"12\">\n";
  svg += lanes_svg(layout);
  svg += axis_svg(layout);
  const auto& events = result.client.event_ms;
  svg += events_svg(layout, events);
  for (const AttemptRecord* attempt : layout.attempts) svg += attempt_svg(layout, *attempt);

  // The commit point and the seams, across every lane.
  if (!events.empty())
    svg += marker_svg(layout, "commit", events.front(), "#9a6700", "commit " + num(events.front()) + " ms", 11,
                      "commit point: the client's first event, at " + num(events.front()) + " ms");
  for (const AttemptRecord* attempt : layout.attempts) {
    if (!attempt->continuation) continue;
    svg += marker_svg(layout, "seam", attempt->started_ms, "#0969da", "seam " + num(attempt->started_ms) + " ms", 24,
                      "seam: " + attempt->provider + " #" + std::to_string(attempt->index) +
                          " continues the answer from " + one_line(attempt->continuation_partial, 60));
  }
  svg += "</g>\n</svg>\n";
  return svg;
}

}  // namespace midstream::reports
