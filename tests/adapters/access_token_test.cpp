// The access token and query-string helpers behind the dashboard's routes.

#include "adapters/http/access_token.hpp"
#include "adapters/http/http_query.hpp"

#include <gtest/gtest.h>

namespace ringbid {
namespace {

http_request with(std::vector<std::pair<std::string, std::string>> headers, std::string query = {}) {
  http_request r;
  r.headers = std::move(headers);
  r.query = std::move(query);
  return r;
}

TEST(AccessToken, IsSixtyFourHexDigitsAndNeverRepeats) {
  auto a = generate_access_token();
  auto b = generate_access_token();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(AccessToken, ComesFromTheHeaderTheCookieOrTheQuery) {
  EXPECT_EQ(presented_token(with({{"Authorization", "Bearer abc"}})), "abc");
  EXPECT_EQ(presented_token(with({{"Cookie", "theme=dark; ringbid_token=xyz; other=1"}})), "xyz");
  EXPECT_EQ(presented_token(with({{"Cookie", "not_ringbid_token=no"}})), "");
  EXPECT_EQ(presented_token(with({}, "campaign=c1&token=q%20t")), "q t");
  EXPECT_EQ(presented_token(with({{"Authorization", "Basic abc"}})), "");
  EXPECT_EQ(presented_token(with({})), "");
}

TEST(AccessToken, MatchesOnlyTheWholeTokenAndNeverAnEmptyOne) {
  EXPECT_TRUE(token_matches("s3cret", "s3cret"));
  EXPECT_FALSE(token_matches("s3cre", "s3cret"));
  EXPECT_FALSE(token_matches("s3cret!", "s3cret"));
  EXPECT_FALSE(token_matches("", ""));
  EXPECT_NE(token_cookie("t").find("HttpOnly"), std::string::npos);
}

TEST(AccessToken, LoopbackAddresses) {
  EXPECT_TRUE(is_loopback_address("127.0.0.1"));
  EXPECT_TRUE(is_loopback_address("127.5.6.7"));
  EXPECT_TRUE(is_loopback_address("::1"));
  EXPECT_FALSE(is_loopback_address("0.0.0.0"));
  EXPECT_FALSE(is_loopback_address("10.0.0.1"));
  EXPECT_FALSE(is_loopback_address("::"));
}

TEST(HttpQuery, DecodesPairsAndRefusesBadEscapes) {
  auto q = parse_query("from=2026-11-22&campaign=auto+ins&source=a%2Fb&flag");
  ASSERT_TRUE(q);
  EXPECT_EQ(param(*q, "from"), "2026-11-22");
  EXPECT_EQ(param(*q, "campaign"), "auto ins");
  EXPECT_EQ(param(*q, "source"), "a/b");
  EXPECT_EQ(param(*q, "flag"), "");
  EXPECT_EQ(param(*q, "missing"), "");
  EXPECT_FALSE(parse_query("campaign=%zz"));
  EXPECT_TRUE(parse_query("")->empty());
}

} // namespace
} // namespace ringbid
