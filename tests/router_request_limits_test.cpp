// The request limits on raw bytes (router/request_limits.h), without sockets; the hostile-input
// tests drive the same limits through a running router.
#include "router/request_limits.h"

#include <string>

#include <gtest/gtest.h>

namespace midstream::router {
namespace {

const HeadLimits kLimits{/*request_line=*/64, /*head=*/256, /*fields=*/3};

HeadVerdict scan_all(const std::string& bytes) {
  HeadScan scan;
  return scan_head(bytes, scan, kLimits);
}

TEST(ScanHead, ACompleteHeadEndsAtTheBlankCrlfLine) {
  EXPECT_EQ(scan_all("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), HeadVerdict::Complete);
  EXPECT_EQ(scan_all("GET / HTTP/1.1\r\nHost: x\r\n"), HeadVerdict::Incomplete);
  EXPECT_EQ(scan_all("GET / HTTP/1.1\r\nHo"), HeadVerdict::Incomplete);
}

TEST(ScanHead, BytesArrivingOneAtATimeGiveTheSameVerdict) {
  const std::string head = "POST /v1/responses HTTP/1.1\r\nHost: x\r\nA: 1\r\n\r\n";
  HeadScan scan;
  for (size_t i = 1; i < head.size(); ++i)
    ASSERT_EQ(scan_head(head.substr(0, i), scan, kLimits), HeadVerdict::Incomplete) << i;
  EXPECT_EQ(scan_head(head, scan, kLimits), HeadVerdict::Complete);
}

TEST(ScanHead, ARequestLineOverItsLimitIsTooLongEvenBeforeItEnds) {
  EXPECT_EQ(scan_all("GET /" + std::string(100, 'a')), HeadVerdict::LineTooLong);
  EXPECT_EQ(scan_all("GET /" + std::string(100, 'a') + " HTTP/1.1\r\n"), HeadVerdict::LineTooLong);
  EXPECT_EQ(scan_all("GET /" + std::string(40, 'a') + " HTTP/1.1\r\n\r\n"), HeadVerdict::Complete)
      << "a request line within the limit, and no header fields";
}

TEST(ScanHead, AHeadOverItsSizeOrFieldCountIsRefused) {
  std::string big = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 3; ++i) big += "X: " + std::string(90, 'b') + "\r\n";
  EXPECT_EQ(scan_all(big), HeadVerdict::TooLarge);
  EXPECT_EQ(scan_all("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"),
            HeadVerdict::TooManyFields);
  EXPECT_EQ(scan_all("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), HeadVerdict::Complete);
}

TEST(ScanHead, AHeaderLineOverCppHttplibsBoundIsTooLarge) {
  const HeadLimits roomy{64, 64 * 1024, 100};
  HeadScan scan;
  EXPECT_EQ(scan_head("GET / HTTP/1.1\r\nX: " + std::string(kMaxHeaderLine, 'c'), scan, roomy),
            HeadVerdict::TooLarge);
}

TEST(HeadFields, FindsEveryValueCaseInsensitivelyTrimmed) {
  const std::string head =
      "POST / HTTP/1.1\r\nContent-Length: 12 \r\nhost: x\r\ncontent-length:\t13\r\n\r\n";
  const auto values = head_fields(head, "content-length");
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0], "12");
  EXPECT_EQ(values[1], "13");
  EXPECT_TRUE(head_fields(head, "content-type").empty());
  EXPECT_TRUE(head_fields(head, "content").empty()) << "a prefix of a name is not the name";
}

BodyFraming framing_of(const std::string& head) { return judge_body_framing(head, 1000); }

TEST(BodyFraming, ALengthWithinTheLimitOrChunksAreAccepted) {
  EXPECT_EQ(framing_of("POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n").status, 0);
  const auto chunked = framing_of("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n");
  EXPECT_EQ(chunked.status, 0);
  EXPECT_TRUE(chunked.chunked);
  EXPECT_EQ(framing_of("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").status, 0);
  EXPECT_EQ(framing_of("GET /health HTTP/1.1\r\nContent-Length: 0\r\n\r\n").status, 0);
  EXPECT_EQ(framing_of("DELETE /x HTTP/1.1\r\n\r\n").status, 0);
  EXPECT_EQ(framing_of("POST / HTTP/1.1\r\nContent-Encoding: identity\r\nContent-Length: 2\r\n\r\n").status, 0);
}

TEST(BodyFraming, EachUnboundedOrAmbiguousBodyIsRefusedWithItsStatus) {
  EXPECT_EQ(framing_of("POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n").status, 413);
  EXPECT_EQ(framing_of("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n").status, 400);
  EXPECT_EQ(framing_of("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n").status, 400);
  EXPECT_EQ(framing_of("POST / HTTP/1.1\r\n\r\n").status, 411);
  EXPECT_EQ(framing_of("PUT / HTTP/1.1\r\nContent-Length : 5\r\n\r\n").status, 411)
      << "a field name with a space before the colon is no Content-Length";
  EXPECT_EQ(framing_of("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n").status, 415);
  EXPECT_EQ(framing_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").status, 400);
  EXPECT_EQ(framing_of("POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n").status, 400);
  EXPECT_EQ(framing_of("GET / HTTP/1.1\r\nContent-Length: 2\r\n\r\n").status, 400);
  EXPECT_EQ(framing_of("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").status, 400);
  EXPECT_EQ(framing_of("POST / HTTP/1.1\r\n\r\n").code, "length_required");
}

TEST(NestsDeeperThan, CountsArraysAndObjectsOutsideStrings) {
  EXPECT_FALSE(nests_deeper_than(R"({"a":[{"b":[]}]})", 4));
  EXPECT_TRUE(nests_deeper_than(R"({"a":[{"b":[]}]})", 3));
  EXPECT_FALSE(nests_deeper_than(R"({"a":"[[[[[[[[[[{{{{{{"})", 1));
  EXPECT_FALSE(nests_deeper_than(R"({"a":"\"[[[[[[[[\\"})", 1)) << "escaped quotes stay in the string";
  EXPECT_TRUE(nests_deeper_than(std::string(100'000, '['), 64));
  EXPECT_FALSE(nests_deeper_than("]]]]]]", 0)) << "unbalanced closers never go below zero";
}

TEST(IsJsonMediaType, AcceptsJsonAndPlusJsonWithParameters) {
  EXPECT_TRUE(is_json_media_type("application/json"));
  EXPECT_TRUE(is_json_media_type("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(is_json_media_type(" application/vnd.api+json "));
  EXPECT_FALSE(is_json_media_type("text/plain"));
  EXPECT_FALSE(is_json_media_type("multipart/form-data; boundary=x"));
  EXPECT_FALSE(is_json_media_type("application/jsonx"));
}

}  // namespace
}  // namespace midstream::router
