#pragma once
// A token bucket: `rate` requests a second on average, bursts of up to `burst`.
// Pure: the caller passes the time, so tests decide it.

#include <cstdint>

namespace ringbid {

struct token_bucket_rule {
  double rate_per_second = 50;
  double burst = 100;
};

class token_bucket {
public:
  /// Full at `now_us`.
  token_bucket(token_bucket_rule rule, int64_t now_us);

  /// Takes one token at `now_us`: 0 when taken, else the whole seconds (>= 1)
  /// until one is there (for Retry-After). A clock that goes back adds nothing.
  int64_t take(int64_t now_us);

  double available(int64_t now_us) const;

private:
  void refill(int64_t now_us);

  token_bucket_rule rule_;
  double tokens_;
  int64_t at_us_;
};

} // namespace ringbid
