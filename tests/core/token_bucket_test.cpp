// The token bucket behind the API's per-token rate limit (actors/core/token_bucket).

#include "actors/core/token_bucket.hpp"

#include <gtest/gtest.h>

namespace ringbid {
namespace {

constexpr int64_t s = 1'000'000;

TEST(TokenBucket, ABurstPassesThenTheRateHolds) {
  token_bucket b{{10, 20}, 0};
  for (int i = 0; i < 20; ++i) EXPECT_EQ(b.take(0), 0) << i;
  EXPECT_EQ(b.take(0), 1); // empty: one token comes in 0.1 s, said as a whole second
  EXPECT_EQ(b.take(s / 10), 0);
  EXPECT_GT(b.take(s / 10), 0);
  // Over ten seconds at most rate x time more pass, and the bucket never holds more than the burst.
  int passed = 0;
  for (int64_t t = s / 10; t <= 10 * s; t += s / 100) passed += b.take(t) == 0;
  EXPECT_GE(passed, 98);
  EXPECT_LE(passed, 100);
  EXPECT_DOUBLE_EQ(b.available(1000 * s), 20.0);
}

TEST(TokenBucket, RetryAfterIsTheWholeSecondsUntilAToken) {
  token_bucket slow{{0.25, 1}, 0};
  EXPECT_EQ(slow.take(0), 0);
  EXPECT_EQ(slow.take(0), 4);
  EXPECT_EQ(slow.take(3 * s), 1);
  EXPECT_EQ(slow.take(4 * s), 0);
}

TEST(TokenBucket, AClockGoingBackAddsNothing) {
  token_bucket b{{1, 1}, 10 * s};
  EXPECT_EQ(b.take(10 * s), 0);
  EXPECT_GT(b.take(5 * s), 0);
  EXPECT_GT(b.take(10 * s), 0);
  EXPECT_EQ(b.take(11 * s), 0);
}

} // namespace
} // namespace ringbid
