// HTML building blocks: escaping, the page skeleton, the style sheet, SHA-256 for the CSP.
#include "reports/html.h"

#include <array>
#include <cstdint>

#include "reports/format.h"

namespace midstream::reports::html {
namespace {

struct VerdictColours {
  Verdict verdict;
  const char* strong;  // badge background, cell border
  const char* light;   // cell background
};

constexpr VerdictColours kColours[] = {
    {Verdict::Pass, "#1a7f37", "#d3f5dc"},        {Verdict::NonStrict, "#9a6700", "#fff3b0"},
    {Verdict::Safe, "#0969da", "#d6ecff"},        {Verdict::Unsupported, "#6e7781", "#eaeef2"},
    {Verdict::Fail, "#cf222e", "#ffd8d3"},        {Verdict::Error, "#8250df", "#f0e2ff"},
};

constexpr const char* kBaseCss = R"css(
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;padding:16px 24px 48px;max-width:1700px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:14px 0 6px}
a{color:#0969da;text-decoration:none}
a:hover{text-decoration:underline}
.meta{color:#57606a}
table{border-collapse:collapse}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
code,pre,.mono{font:12px/1.45 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:8px;margin:4px 0;max-height:480px;overflow:auto}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px;color:#fff;white-space:nowrap}
.chip{display:inline-block;padding:1px 8px;margin:0 4px 4px 0;border-radius:10px;font-size:12px;white-space:nowrap;border:1px solid #d0d7de}
.chip.zero{opacity:.45}
)css";

// ---- SHA-256 (FIPS 180-4), for the CSP hash of the one inline script. ----

constexpr std::array<uint32_t, 64> kRound = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

std::array<uint8_t, 32> sha256(std::string_view data) {
  std::array<uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string message(data);
  const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  message += static_cast<char>(0x80);
  while (message.size() % 64 != 56) message += '\0';
  for (int i = 7; i >= 0; --i) message += static_cast<char>((bits >> (8 * i)) & 0xFF);

  for (std::size_t block = 0; block < message.size(); block += 64) {
    std::array<uint32_t, 64> w{};
    for (std::size_t i = 0; i < 16; ++i) {
      w[i] = 0;
      for (std::size_t j = 0; j < 4; ++j)
        w[i] = (w[i] << 8) | static_cast<uint8_t>(message[block + 4 * i + j]);
    }
    for (std::size_t i = 16; i < 64; ++i) {
      const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (std::size_t i = 0; i < 64; ++i) {
      const uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const uint32_t choice = (e & f) ^ (~e & g);
      const uint32_t t1 = k + s1 + choice + kRound[i] + w[i];
      const uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
      const uint32_t t2 = s0 + majority;
      k = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
  }
  std::array<uint8_t, 32> digest{};
  for (std::size_t i = 0; i < 8; ++i)
    for (std::size_t j = 0; j < 4; ++j) digest[4 * i + j] = static_cast<uint8_t>((h[i] >> (24 - 8 * j)) & 0xFF);
  return digest;
}

std::string base64(const uint8_t* data, std::size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < size; i += 3) {
    uint32_t chunk = static_cast<uint32_t>(data[i]) << 16;
    if (i + 1 < size) chunk |= static_cast<uint32_t>(data[i + 1]) << 8;
    if (i + 2 < size) chunk |= data[i + 2];
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < size ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < size ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

std::string verdict_css() {
  std::string css;
  for (const VerdictColours& colours : kColours) {
    const std::string slug = verdict_slug(colours.verdict);
    css += ".badge." + slug + "{background:" + colours.strong + "}\n";
    css += ".v-" + slug + "{background:" + colours.light + ";border-left:4px solid " + colours.strong + "}\n";
    css += ".chip." + slug + "{background:" + colours.light + ";border-color:" + colours.strong + "}\n";
  }
  return css;
}

}  // namespace

std::string escape(std::string_view text) {
  const std::string clean = printable(text);
  std::string out;
  out.reserve(clean.size());
  for (char c : clean) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string verdict_badge(Verdict verdict) {
  return std::string("<span class=\"badge ") + verdict_slug(verdict) + "\">" + to_string(verdict) + "</span>";
}

std::string sha256_base64(std::string_view data) {
  const auto digest = sha256(data);
  return base64(digest.data(), digest.size());
}

std::string page_start(std::string_view title, std::string_view extra_css, std::string_view script) {
  // Nothing may be fetched: no network, no file, no frame. Inline styles are allowed; the only
  // script that may run is the page's own, pinned by its hash (so injected markup cannot run any).
  std::string csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
  csp += script.empty() ? "; script-src 'none'" : "; script-src 'sha256-" + sha256_base64(script) + "'";
  std::string out = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"" + csp + "\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"referrer\" content=\"no-referrer\">\n";
  out += "<title>" + escape(title) + "</title>\n<style>";
  out += kBaseCss;
  out += verdict_css();
  out += extra_css;
  out += "</style>\n</head>\n<body>\n";
  return out;
}

std::string script_tag(std::string_view script) { return "<script>" + std::string(script) + "</script>\n"; }

std::string page_end() { return "</body>\n</html>\n"; }

}  // namespace midstream::reports::html
