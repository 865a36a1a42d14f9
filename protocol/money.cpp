#include "protocol/money.hpp"

namespace ringbid {

std::string format_money(int64_t micros) {
  bool negative = micros < 0;
  // Through unsigned arithmetic, so the most negative value has a magnitude too.
  uint64_t magnitude = negative ? uint64_t{0} - static_cast<uint64_t>(micros) : static_cast<uint64_t>(micros);
  std::string digits = std::to_string(magnitude / 1'000'000);
  std::string out = negative ? "-$" : "$";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  // Cents as usual; fractions of a cent (revenue shares) shown, never rounded away.
  std::string fraction = std::to_string(magnitude % 1'000'000);
  fraction.insert(0, 6 - fraction.size(), '0');
  while (fraction.size() > 2 && fraction.back() == '0') fraction.pop_back();
  return out + "." + fraction;
}

} // namespace ringbid
