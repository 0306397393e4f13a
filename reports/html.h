#pragma once
// HTML building blocks shared by the HTML report and the HTML diff: escaping of untrusted text,
// the page skeleton with its inline style sheet and a Content-Security-Policy that forbids every
// network fetch and any script but the page's own.
#include <string>
#include <string_view>

#include "reports/results.h"

namespace midstream::reports::html {

// Text for element content and attribute values alike: printable() (invalid UTF-8 -> U+FFFD,
// controls -> visible pictures), then & < > " ' as character references.
std::string escape(std::string_view text);

// "pass", "fail", ...: the CSS class of a verdict; "<span class=\"badge fail\">FAIL</span>".
std::string verdict_badge(Verdict verdict);

// <!doctype html> ... <body>: title (escaped), the shared style sheet plus extra_css, and a CSP
// that allows only inline styles and, when script is not empty, exactly that inline script
// (by its SHA-256), which the caller then places with script_tag().
std::string page_start(std::string_view title, std::string_view extra_css, std::string_view script);
std::string script_tag(std::string_view script);
std::string page_end();

// SHA-256 of data, base64 encoded: the CSP hash of an inline script.
std::string sha256_base64(std::string_view data);

}  // namespace midstream::reports::html
