#include "protocol/money.hpp"

#include <algorithm>
#include <limits>

namespace ringbid {

namespace {

constexpr uint64_t max_positive = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
constexpr int64_t max_exponent = 1'000; ///< beyond this any nonzero amount is too large or too fine

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// The digits at the front of `text`, taken off it.
std::string_view take_digits(std::string_view& text) {
  size_t n = 0;
  while (n < text.size() && is_digit(text[n])) ++n;
  std::string_view digits = text.substr(0, n);
  text.remove_prefix(n);
  return digits;
}

/// `value * 10 + digit` within `limit`, or false.
bool push_digit(uint64_t& value, char digit, uint64_t limit) {
  auto d = static_cast<uint64_t>(digit - '0');
  if (value > (limit - d) / 10) return false;
  value = value * 10 + d;
  return true;
}

/// Through unsigned arithmetic, so the most negative value has a magnitude too.
uint64_t magnitude_of(int64_t micros) {
  return micros < 0 ? uint64_t{0} - static_cast<uint64_t>(micros) : static_cast<uint64_t>(micros);
}

} // namespace

money_parse parse_dollars(std::string_view text, money_syntax syntax) {
  auto fail = [](money_error e) { return money_parse{0, e}; };
  if (text.empty()) return fail(money_error::empty);
  const bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  std::string_view whole = take_digits(text);
  std::string_view fraction;
  if (text.starts_with('.')) {
    text.remove_prefix(1);
    fraction = take_digits(text);
    if (fraction.empty()) return fail(money_error::junk);
  }
  if (whole.empty()) return fail(money_error::junk);
  int64_t exponent = 0;
  const bool has_exponent = text.starts_with('e') || text.starts_with('E');
  if (has_exponent) {
    text.remove_prefix(1);
    const bool down = text.starts_with('-');
    if (down || text.starts_with('+')) text.remove_prefix(1);
    std::string_view digits = take_digits(text);
    if (digits.empty()) return fail(money_error::junk);
    for (char c : digits) exponent = std::min(exponent * 10 + (c - '0'), max_exponent);
    if (down) exponent = -exponent;
  }
  if (!text.empty()) return fail(money_error::junk);
  if (negative && !syntax.negative) return fail(money_error::negative);
  if (has_exponent && !syntax.exponent) return fail(money_error::exponent);

  // The written digits, then as many zeros as make them micros.
  const int64_t decimals = static_cast<int64_t>(fraction.size()) - exponent;
  if (decimals > money_decimals) return fail(money_error::too_many_decimals);
  const uint64_t limit = negative ? max_positive + 1 : max_positive;
  uint64_t value = 0;
  for (std::string_view part : {whole, fraction})
    for (char c : part)
      if (!push_digit(value, c, limit)) return fail(money_error::too_large);
  for (int64_t i = decimals; i < money_decimals; ++i)
    if (value != 0 && !push_digit(value, '0', limit)) return fail(money_error::too_large);
  return {negative ? static_cast<int64_t>(uint64_t{0} - value) : static_cast<int64_t>(value), money_error::none};
}

std::string_view to_string(money_error e) {
  switch (e) {
    case money_error::none: return "is an amount";
    case money_error::empty: return "is empty";
    case money_error::junk: return "is not a plain number";
    case money_error::negative: return "is negative";
    case money_error::exponent: return "has an exponent";
    case money_error::too_many_decimals: return "has more than 6 decimals";
    case money_error::too_large: return "is too large";
  }
  return "is not an amount";
}

std::string decimal_dollars(int64_t micros, int min_decimals) {
  const uint64_t magnitude = magnitude_of(micros);
  std::string fraction = std::to_string(magnitude % micros_per_dollar);
  fraction.insert(0, money_decimals - fraction.size(), '0');
  const size_t keep = static_cast<size_t>(std::clamp(min_decimals, 0, money_decimals));
  while (fraction.size() > keep && fraction.back() == '0') fraction.pop_back();
  std::string out = (micros < 0 ? "-" : "") + std::to_string(magnitude / micros_per_dollar);
  return fraction.empty() ? out : out + "." + fraction;
}

std::string format_money(int64_t micros) {
  std::string plain = decimal_dollars(micros);
  const size_t sign = micros < 0 ? 1 : 0;
  const size_t point = plain.find('.');
  std::string out = sign ? "-$" : "$";
  for (size_t i = sign; i < point; ++i) {
    if (i > sign && (point - i) % 3 == 0) out.push_back(',');
    out.push_back(plain[i]);
  }
  return out + plain.substr(point);
}

} // namespace ringbid
