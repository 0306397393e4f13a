#pragma once
// The check functions the table (harness/check_table.cpp) names, by subject, and the wording
// they share. Each reads the Observation, puts its results in the sink and touches nothing else.
#include <optional>
#include <string>

#include "harness/check_table.h"
#include "harness/checks.h"
#include "wire/events.h"

namespace midstream::harness::checks {

// outcome.cpp: the outcome, the text and the tool call the client ended with.
void fault_fired(const Observation& o, CheckSink& sink);
void outcome(const Observation& o, CheckSink& sink);
void text_exact(const Observation& o, CheckSink& sink);
void text_prefix(const Observation& o, CheckSink& sink);
void tool_call_exact(const Observation& o, CheckSink& sink);
void no_truncated_success(const Observation& o, CheckSink& sink);
void error_shape(const Observation& o, CheckSink& sink);

// stream_shape.cpp: the wire shape of a streamed 200.
void well_formed(const Observation& o, CheckSink& sink);
void event_lines(const Observation& o, CheckSink& sink);
void single_preamble(const Observation& o, CheckSink& sink);
void single_finish(const Observation& o, CheckSink& sink);
void responses_lifecycle(const Observation& o, CheckSink& sink);
void responses_output_items(const Observation& o, CheckSink& sink);

// attempts.cpp: what each fake was asked.
void attempts(const Observation& o, CheckSink& sink);
void continuation(const Observation& o, CheckSink& sink);
void replay(const Observation& o, CheckSink& sink);

// usage.cpp
void usage(const Observation& o, CheckSink& sink);

// router.cpp: timing and the router itself.
void duration(const Observation& o, CheckSink& sink);
void alive(const Observation& o, CheckSink& sink);
void upstream_closed(const Observation& o, CheckSink& sink);
void retry_after(const Observation& o, CheckSink& sink);

// wording.cpp: what several checks (and grade()) say and ask.
std::string quote(const std::string& text, size_t max = 160);
std::string usage_text(const std::optional<wire::Usage>& usage);
bool starts_with(const std::string& text, const std::string& prefix);
std::string joined(const std::vector<std::string>& parts);  // "a; b; c"
// The client saw a stream that looks finished: a clean HTTP end and no error anywhere.
bool presented_as_complete(const Observation& o);
// An HTTP error with a shaped body, or a 200 whose stream ends with the front's error.
bool clean_error(const Observation& o);
// What the client got, in one line: status, events, error, terminator, how the connection ended.
std::string describe_client(const Observation& o);
// The scenario expects a complete answer and the client read to the end.
bool expects_whole_answer(const Observation& o);

}  // namespace midstream::harness::checks
