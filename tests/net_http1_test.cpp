#include "net/http1.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace midstream::net {
namespace {

using namespace std::string_view_literals;

constexpr std::string_view kRequest =
    "POST /v1/chat/completions HTTP/1.1\r\n"
    "Host: 127.0.0.1:8080\r\n"
    "Content-Type:  application/json \r\n"
    "Authorization\t: Bearer sk-test \t\r\n"
    "Content-Length: 2\r\n"
    "\r\n"
    "{}";

TEST(ParseRequestHead, ParsesStartLineAndTrimmedHeaders) {
  RequestHead head;
  size_t consumed = 0;
  ASSERT_EQ(parse_request_head(kRequest, &head, &consumed), ParseResult::Done);
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.target, "/v1/chat/completions");
  EXPECT_EQ(head.version, "HTTP/1.1");
  ASSERT_EQ(head.headers.size(), 4u);
  EXPECT_EQ(head.headers[1].first, "Content-Type");
  EXPECT_EQ(head.headers[1].second, "application/json");
  EXPECT_EQ(head.headers[2].first, "Authorization");
  EXPECT_EQ(head.headers[2].second, "Bearer sk-test");
  EXPECT_EQ(kRequest.substr(consumed), "{}");  // the body is left for the caller
}

TEST(ParseRequestHead, IsIncompleteAtEveryPrefixOfTheHead) {
  const size_t head_size = kRequest.size() - 2;
  for (size_t n = 0; n < head_size; ++n) {
    RequestHead head;
    size_t consumed = 0;
    EXPECT_EQ(parse_request_head(kRequest.substr(0, n), &head, &consumed), ParseResult::Incomplete)
        << "prefix of " << n << " bytes";
    EXPECT_TRUE(head.method.empty()) << "nothing is written before the head is complete";
  }
}

TEST(ParseRequestHead, ToleratesBareLineFeeds) {
  RequestHead head;
  size_t consumed = 0;
  const std::string_view text = "GET /health HTTP/1.1\nHost: x\n\nrest";
  ASSERT_EQ(parse_request_head(text, &head, &consumed), ParseResult::Done);
  EXPECT_EQ(head.target, "/health");
  ASSERT_NE(find_header(head.headers, "host"), nullptr);
  EXPECT_EQ(text.substr(consumed), "rest");
}

TEST(ParseRequestHead, RejectsMalformedHeads) {
  for (const std::string_view text : {
           "garbage\r\n\r\n"sv,
           "GET /\r\n\r\n"sv,                        // no HTTP version
           "GET / HTTP/1.1 extra\r\n\r\n"sv,
           "GET / FTP/1.0\r\n\r\n"sv,
           "GET / HTTP/1.1\r\nno colon here\r\n\r\n"sv,
           "GET / HTTP/1.1\r\n: empty name\r\n\r\n"sv,
           "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"sv,
           "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"sv,
           "\x16\x03\x01"sv,                         // TLS hello: fails early
       }) {
    RequestHead head;
    size_t consumed = 0;
    EXPECT_EQ(parse_request_head(text, &head, &consumed), ParseResult::Bad) << text;
  }
}

TEST(ParseRequestHead, RejectsHeadsOverTheLimit) {
  const std::string big = "GET / HTTP/1.1\r\nX: " + std::string(200, 'a') + "\r\n\r\n";
  RequestHead head;
  size_t consumed = 0;
  EXPECT_EQ(parse_request_head(big, &head, &consumed, 100), ParseResult::Bad);
  // Also while still incomplete: a peer cannot make the buffer grow without bound.
  EXPECT_EQ(parse_request_head(big.substr(0, 150), &head, &consumed, 100), ParseResult::Bad);
  EXPECT_EQ(parse_request_head(big, &head, &consumed, big.size()), ParseResult::Done);
}

TEST(ParseRequestHead, JoinsObsoleteFoldedLines) {
  RequestHead head;
  size_t consumed = 0;
  ASSERT_EQ(parse_request_head("GET / HTTP/1.1\r\nX: a\r\n  b\r\n\r\n", &head, &consumed),
            ParseResult::Done);
  EXPECT_EQ(*find_header(head.headers, "x"), "a b");
}

TEST(ParseResponseHead, ParsesStatusReasonAndHeaders) {
  ResponseHead head;
  size_t consumed = 0;
  const std::string_view text =
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(parse_response_head(text, &head, &consumed), ParseResult::Done);
  EXPECT_EQ(head.status, 503);
  EXPECT_EQ(head.reason, "Service Unavailable");
  EXPECT_EQ(head.version, "HTTP/1.1");
  EXPECT_EQ(consumed, text.size());
  EXPECT_EQ(*find_header(head.headers, "retry-after"), "2");
}

TEST(ParseResponseHead, AcceptsAnEmptyOrMissingReason) {
  for (const std::string_view text : {"HTTP/1.1 200\r\n\r\n"sv,
                                      "HTTP/1.0 200 \n\n"sv}) {
    ResponseHead head;
    size_t consumed = 0;
    ASSERT_EQ(parse_response_head(text, &head, &consumed), ParseResult::Done) << text;
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.reason, "");
  }
}

TEST(ParseResponseHead, RejectsMalformedHeads) {
  for (const std::string_view text : {
           "200 OK\r\n\r\n"sv,  // no HTTP version
           "HTTP/1.1 2x0 OK\r\n\r\n"sv,
           "HTTP/1.1 2000 OK\r\n\r\n"sv,
           "HTTP/1.1\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nContent-Type\r\n\r\n"sv,
           "SSH-2.0-OpenSSH"sv,  // not HTTP: Bad before any newline
       }) {
    ResponseHead head;
    size_t consumed = 0;
    EXPECT_EQ(parse_response_head(text, &head, &consumed), ParseResult::Bad) << text;
  }
  ResponseHead head;
  size_t consumed = 0;
  EXPECT_EQ(parse_response_head("HTT", &head, &consumed), ParseResult::Incomplete);
}

TEST(FindHeader, IsCaseInsensitiveAndReturnsTheFirstMatch) {
  const HeaderList headers = {{"Content-Type", "text/event-stream"}, {"X-A", "1"}, {"x-a", "2"}};
  ASSERT_NE(find_header(headers, "content-type"), nullptr);
  EXPECT_EQ(*find_header(headers, "CONTENT-TYPE"), "text/event-stream");
  EXPECT_EQ(*find_header(headers, "x-a"), "1");
  EXPECT_EQ(find_header(headers, "content-length"), nullptr);
  EXPECT_EQ(find_header(headers, "content-typ"), nullptr);
}

TEST(HeaderHasToken, MatchesWholeCommaSeparatedTokensCaseInsensitively) {
  const HeaderList headers = {{"Connection", " Keep-Alive , Upgrade"}, {"X-B", "closed"}};
  EXPECT_TRUE(header_has_token(headers, "connection", "keep-alive"));
  EXPECT_TRUE(header_has_token(headers, "CONNECTION", "upgrade"));
  EXPECT_FALSE(header_has_token(headers, "connection", "close"));
  EXPECT_FALSE(header_has_token(headers, "x-b", "close"));  // a token, not a substring
  EXPECT_FALSE(header_has_token(headers, "te", "trailers"));
}

// Two SSE events as chunks, one with an extension, uppercase hex, trailers, and bytes after the
// terminator that belong to whatever comes next.
constexpr std::string_view kChunkedSample =
    "d\r\ndata: hello\n\n\r\n"
    "E;name=value\r\ndata: world!\n\n\r\n"
    "0\r\nX-Trailer: yes\r\n\r\n"
    "NEXT";
constexpr std::string_view kChunkedPayload = "data: hello\n\ndata: world!\n\n";
constexpr size_t kChunkedBodySize = kChunkedSample.size() - 4;

// Feeds `pieces` in order; returns the result of the last feed.
ParseResult feed_all(ChunkedDecoder& decoder, const std::vector<std::string_view>& pieces,
                     std::string* out, size_t* total_consumed) {
  ParseResult result = ParseResult::Incomplete;
  *total_consumed = 0;
  for (const std::string_view piece : pieces) {
    size_t consumed = 0;
    result = decoder.feed(piece, out, &consumed);
    *total_consumed += consumed;
    if (result != ParseResult::Incomplete) break;
    EXPECT_EQ(consumed, piece.size()) << "an incomplete feed consumes everything";
  }
  return result;
}

TEST(ChunkedDecoder, DecodesTheWholeSampleAtOnce) {
  ChunkedDecoder decoder;
  std::string out;
  size_t consumed = 0;
  ASSERT_EQ(decoder.feed(kChunkedSample, &out, &consumed), ParseResult::Done);
  EXPECT_TRUE(decoder.done());
  EXPECT_EQ(out, kChunkedPayload);
  EXPECT_EQ(consumed, kChunkedBodySize);
}

TEST(ChunkedDecoder, DecodesTheSampleSplitAtEveryPoint) {
  for (size_t split = 0; split <= kChunkedSample.size(); ++split) {
    ChunkedDecoder decoder;
    std::string out;
    size_t consumed = 0;
    const ParseResult result = feed_all(
        decoder, {kChunkedSample.substr(0, split), kChunkedSample.substr(split)}, &out, &consumed);
    ASSERT_EQ(result, ParseResult::Done) << "split at " << split;
    EXPECT_EQ(out, kChunkedPayload) << "split at " << split;
    EXPECT_EQ(consumed, kChunkedBodySize) << "split at " << split;
  }
}

TEST(ChunkedDecoder, DecodesTheSampleSplitAtEveryPairOfPoints) {
  for (size_t first = 0; first <= kChunkedSample.size(); ++first) {
    for (size_t second = first; second <= kChunkedSample.size(); ++second) {
      ChunkedDecoder decoder;
      std::string out;
      size_t consumed = 0;
      const ParseResult result = feed_all(decoder,
                                          {kChunkedSample.substr(0, first),
                                           kChunkedSample.substr(first, second - first),
                                           kChunkedSample.substr(second)},
                                          &out, &consumed);
      ASSERT_EQ(result, ParseResult::Done) << "splits at " << first << ", " << second;
      ASSERT_EQ(out, kChunkedPayload) << "splits at " << first << ", " << second;
      ASSERT_EQ(consumed, kChunkedBodySize);
    }
  }
}

TEST(ChunkedDecoder, DeliversDataBeforeTheChunkEnds) {
  ChunkedDecoder decoder;
  std::string out;
  size_t consumed = 0;
  EXPECT_EQ(decoder.feed("10\r\nabc", &out, &consumed), ParseResult::Incomplete);
  EXPECT_EQ(out, "abc");
  EXPECT_FALSE(decoder.done());
}

TEST(ChunkedDecoder, ToleratesBareLineFeeds) {
  ChunkedDecoder decoder;
  std::string out;
  size_t consumed = 0;
  EXPECT_EQ(decoder.feed("3\nabc\n0\n\n", &out, &consumed), ParseResult::Done);
  EXPECT_EQ(out, "abc");
}

TEST(ChunkedDecoder, RejectsBadFraming) {
  for (const std::string_view text : {
           "zz\r\n"sv,           // non-hex size
           "\r\n"sv,             // empty size
           ";ext\r\n"sv,         // extension without a size
           "3\r\nabcX"sv,        // data not followed by CRLF
           "3\r\nabc\rX"sv,
           "3\rX\r\n"sv,         // CR inside the size line
           "0\r\nnot a field\r\n\r\n"sv,
           "fffffffffffffffff\r\n"sv,  // overflows size_t
       }) {
    ChunkedDecoder decoder;
    std::string out;
    size_t consumed = 0;
    EXPECT_EQ(decoder.feed(text, &out, &consumed), ParseResult::Bad) << text;
  }
}

TEST(EncodeChunk, FramesPayloadsInLowercaseHexAndRoundTrips) {
  EXPECT_EQ(encode_chunk("hello"), "5\r\nhello\r\n");
  EXPECT_EQ(encode_chunk(std::string(26, 'x')).substr(0, 4), "1a\r\n");
  // An empty payload must not become the terminator by accident.
  EXPECT_EQ(encode_chunk(""), "");

  const std::string payload(5000, 'y');
  const std::string wire = encode_chunk(payload) + encode_chunk("!") + std::string(kLastChunk);
  ChunkedDecoder decoder;
  std::string out;
  size_t consumed = 0;
  ASSERT_EQ(decoder.feed(wire, &out, &consumed), ParseResult::Done);
  EXPECT_EQ(out, payload + "!");
  EXPECT_EQ(consumed, wire.size());
}

TEST(ReasonPhrase, CoversTheStatusesProvidersSend) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(400), "Bad Request");
  EXPECT_EQ(reason_phrase(401), "Unauthorized");
  EXPECT_EQ(reason_phrase(403), "Forbidden");
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(408), "Request Timeout");
  EXPECT_EQ(reason_phrase(409), "Conflict");
  EXPECT_EQ(reason_phrase(413), "Payload Too Large");
  EXPECT_EQ(reason_phrase(422), "Unprocessable Entity");
  EXPECT_EQ(reason_phrase(429), "Too Many Requests");
  EXPECT_EQ(reason_phrase(500), "Internal Server Error");
  EXPECT_EQ(reason_phrase(502), "Bad Gateway");
  EXPECT_EQ(reason_phrase(503), "Service Unavailable");
  EXPECT_EQ(reason_phrase(504), "Gateway Timeout");
  EXPECT_EQ(reason_phrase(529), "Site Overloaded");
  EXPECT_EQ(reason_phrase(299), "Unknown");
}

}  // namespace
}  // namespace midstream::net
