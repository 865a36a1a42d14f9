#pragma once
// Money is integer micros (1 USD = 1,000,000), never floating point. Dollars are
// read from and written to text here, exactly, and nowhere else.

#include <cstdint>
#include <string>
#include <string_view>

namespace ringbid {

constexpr int64_t micros_per_dollar = 1'000'000;
constexpr int money_decimals = 6; ///< micros: the finest amount there is

/// Why a text is not an amount of dollars.
enum class money_error {
  none,
  empty,             ///< no text at all
  junk,              ///< not -?digits[.digits][e[+-]digits]
  negative,          ///< a minus sign where amounts are never negative
  exponent,          ///< 1e2 where the text must be plain
  too_many_decimals, ///< a digit written past the micro (12.3456789, also 12.5000000)
  too_large,         ///< beyond int64 micros (about 9.2 trillion dollars)
};

/// What a parser accepts besides plain non-negative decimals ("12.50", "0.000125", "20").
struct money_syntax {
  bool negative = false; ///< "-1.5"
  bool exponent = false; ///< JSON's exponents: "1e-6", "1.25E2"
};

/// The micros a text names, or why it names none (then micros is 0).
struct money_parse {
  int64_t micros = 0;
  money_error error = money_error::none;
  bool ok() const { return error == money_error::none; }
};

/// Decimal dollars to micros, exactly: "0.1" is 100000, "19.99" is 19990000.
money_parse parse_dollars(std::string_view text, money_syntax syntax = {});

/// The error as the end of a sentence about the amount: "has more than 6 decimals".
std::string_view to_string(money_error e);

/// Dollars as plain decimal text, exact, with at least `min_decimals` decimals
/// (0..6): 12500000 -> "12.50" (2), "12.5" (0), "12.500000" (6); 20000000 -> "20" (0).
std::string decimal_dollars(int64_t micros, int min_decimals = 2);

/// "$1,234.56" (cents), or more decimals when the amount has fractions of a cent.
std::string format_money(int64_t micros);

} // namespace ringbid
