#include "protocol/ids.hpp"

#include <array>

namespace ringbid {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

} // namespace

std::string uuid::to_string() const {
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out.push_back('-');
    uint64_t word = i < 16 ? hi : lo;
    int shift = 60 - 4 * (i % 16);
    out.push_back(hex_digits[(word >> shift) & 0xF]);
  }
  return out;
}

std::optional<uuid> uuid::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  uuid result;
  int nibble = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    int v = hex_value(text[i]);
    if (v < 0) return std::nullopt;
    uint64_t& word = nibble < 16 ? result.hi : result.lo;
    word = (word << 4) | static_cast<uint64_t>(v);
    ++nibble;
  }
  return result;
}

uuid make_uuid7(int64_t unix_ms, uint16_t rand_a, uint64_t rand_b) noexcept {
  uuid x;
  x.hi = (static_cast<uint64_t>(unix_ms) & 0xFFFFFFFFFFFFull) << 16;
  x.hi |= 0x7000ull | (rand_a & 0x0FFFu);
  x.lo = 0x8000000000000000ull | (rand_b & 0x3FFFFFFFFFFFFFFFull);
  return x;
}

uint64_t uuid7_generator::random() noexcept {
  // splitmix64: tiny, fast and good enough for the random bits of an id.
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uuid uuid7_generator::next(int64_t unix_ms) noexcept {
  if (unix_ms <= last_ms_) {
    // Same (or earlier: clock stepped back) millisecond: keep the last one and count.
    if (++sequence_ > 0x0FFF) {
      ++last_ms_;
      sequence_ = 0;
    }
  } else {
    last_ms_ = unix_ms;
    sequence_ = static_cast<uint16_t>(random() & 0x03FF); // leave room to count up
  }
  return make_uuid7(last_ms_, sequence_, random());
}

} // namespace ringbid
