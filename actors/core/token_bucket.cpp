#include "actors/core/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace ringbid {

token_bucket::token_bucket(token_bucket_rule rule, int64_t now_us)
  : rule_(rule), tokens_(std::max(1.0, rule.burst)), at_us_(now_us) {}

double token_bucket::available(int64_t now_us) const {
  if (now_us <= at_us_) return tokens_;
  double gained = double(now_us - at_us_) / 1e6 * rule_.rate_per_second;
  return std::min(std::max(1.0, rule_.burst), tokens_ + gained);
}

void token_bucket::refill(int64_t now_us) {
  tokens_ = available(now_us);
  at_us_ = std::max(at_us_, now_us);
}

int64_t token_bucket::take(int64_t now_us) {
  refill(now_us);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return 0;
  }
  if (rule_.rate_per_second <= 0) return 3600;
  auto wait = std::ceil((1.0 - tokens_) / rule_.rate_per_second);
  return std::max<int64_t>(1, static_cast<int64_t>(wait));
}

} // namespace ringbid
