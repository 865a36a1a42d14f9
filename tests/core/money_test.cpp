// protocol/money: the one reader and writer of dollar text.
#include "protocol/money.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace ringbid {
namespace {

constexpr money_syntax signed_json{.negative = true, .exponent = true};
constexpr int64_t int64_min = std::numeric_limits<int64_t>::min();
constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();

money_error error_of(std::string_view text, money_syntax syntax = {}) { return parse_dollars(text, syntax).error; }

TEST(MoneyParse, PlainDecimalsAreExactMicros) {
  struct sample {
    const char* text;
    int64_t micros;
  };
  for (auto [text, micros] : {sample{"0", 0},
                              sample{"0.0", 0},
                              sample{"0.000000", 0},
                              sample{"7", 7'000'000},
                              sample{"12.50", 12'500'000},
                              sample{"12.5", 12'500'000},
                              sample{"0.000125", 125},
                              sample{"0.000001", 1},
                              sample{"0.1", 100'000},
                              sample{"0.2", 200'000},
                              sample{"0.3", 300'000},
                              sample{"0.29", 290'000},
                              sample{"1.005", 1'005'000},
                              sample{"4.35", 4'350'000},
                              sample{"19.99", 19'990'000},
                              sample{"123456.789012", 123'456'789'012},
                              sample{"999999.999999", 999'999'999'999},
                              sample{"1000000", 1'000'000'000'000},
                              sample{"007.10", 7'100'000},
                              sample{"9223372036854.775807", int64_max}}) {
    money_parse p = parse_dollars(text);
    EXPECT_TRUE(p.ok()) << text << ": " << to_string(p.error);
    EXPECT_EQ(p.micros, micros) << text;
  }
}

TEST(MoneyParse, TenthsAddUpExactly) {
  // Through a double 0.1 + 0.2 is not 0.3; in micros it is.
  EXPECT_EQ(parse_dollars("0.1").micros + parse_dollars("0.2").micros, parse_dollars("0.3").micros);
  int64_t sum = 0;
  for (int i = 0; i < 10; ++i) sum += parse_dollars("0.1").micros;
  EXPECT_EQ(sum, micros_per_dollar);
}

TEST(MoneyParse, NegativeOnlyWhereAllowed) {
  EXPECT_EQ(error_of("-1.5"), money_error::negative);
  EXPECT_EQ(error_of("-0"), money_error::negative);
  EXPECT_EQ(parse_dollars("-1.5", {.negative = true}).micros, -1'500'000);
  EXPECT_EQ(parse_dollars("-0", {.negative = true}).micros, 0);
  EXPECT_EQ(parse_dollars("-0.000001", {.negative = true}).micros, -1);
  EXPECT_EQ(parse_dollars("-9223372036854.775808", {.negative = true}).micros, int64_min);
}

TEST(MoneyParse, ExponentsOnlyWhereAllowedAndExact) {
  EXPECT_EQ(error_of("1e2"), money_error::exponent);
  EXPECT_EQ(error_of("1E2"), money_error::exponent);
  struct sample {
    const char* text;
    int64_t micros;
  };
  for (auto [text, micros] :
       {sample{"1e-6", 1}, sample{"1E2", 100'000'000}, sample{"1.25e2", 125'000'000}, sample{"12e-1", 1'200'000},
        sample{"1.5e0", 1'500'000}, sample{"1e+3", 1'000'000'000}, sample{"0.000001e6", 1'000'000},
        sample{"-2.5e-3", -2'500}, sample{"0e400", 0}, sample{"123456e-6", 123'456}}) {
    money_parse p = parse_dollars(text, signed_json);
    EXPECT_TRUE(p.ok()) << text << ": " << to_string(p.error);
    EXPECT_EQ(p.micros, micros) << text;
  }
  EXPECT_EQ(error_of("1e-7", signed_json), money_error::too_many_decimals);
  EXPECT_EQ(error_of("1.5e-6", signed_json), money_error::too_many_decimals);
  EXPECT_EQ(error_of("1e-400", signed_json), money_error::too_many_decimals);
  EXPECT_EQ(error_of("1e400", signed_json), money_error::too_large);
  EXPECT_EQ(error_of("1e13", signed_json), money_error::too_large);
  EXPECT_EQ(parse_dollars("1e12", signed_json).micros, 1'000'000'000'000'000'000);
  EXPECT_EQ(error_of("1e99999999999999999999", signed_json), money_error::too_large);
}

TEST(MoneyParse, TooManyDecimalsCountsWrittenDigits) {
  EXPECT_EQ(error_of("12.3456789"), money_error::too_many_decimals);
  EXPECT_EQ(error_of("0.0000001"), money_error::too_many_decimals);
  EXPECT_EQ(error_of("12.5000000"), money_error::too_many_decimals);
  EXPECT_EQ(error_of("999999.9999999"), money_error::too_many_decimals);
}

TEST(MoneyParse, OverflowIsAnErrorNotAWrap) {
  EXPECT_EQ(error_of("9223372036854.775808"), money_error::too_large);
  EXPECT_EQ(error_of("9223372036855"), money_error::too_large);
  EXPECT_EQ(error_of("-9223372036854.775809", {.negative = true}), money_error::too_large);
  EXPECT_EQ(error_of("99999999999999999999999999999"), money_error::too_large);
  EXPECT_EQ(error_of("18446744073709.551616"), money_error::too_large); // 2^64 micros
  EXPECT_EQ(parse_dollars("00000000000000000000000001").micros, micros_per_dollar);
}

TEST(MoneyParse, JunkIsRefused) {
  EXPECT_EQ(error_of(""), money_error::empty);
  for (const char* text : {"-",    ".",  ".5",  "5.",  "1.2.3", "+1",  " 1", "1 ",  "1,000", "$1",      "abc", "1a",
                           "0x10", "1e", "1e+", "1e-", "e5",    "--1", "1-", "NaN", "inf",   "1.5 USD", "١"}) {
    EXPECT_EQ(error_of(text, signed_json), money_error::junk) << text;
    EXPECT_EQ(parse_dollars(text, signed_json).micros, 0) << text;
  }
  EXPECT_EQ(error_of(std::string_view("1\0", 2)), money_error::junk);
}

TEST(MoneyParse, ErrorsReadAsTheEndOfASentence) {
  EXPECT_EQ(to_string(money_error::too_many_decimals), "has more than 6 decimals");
  EXPECT_EQ(to_string(money_error::exponent), "has an exponent");
  EXPECT_EQ(to_string(money_error::junk), "is not a plain number");
  for (auto e : {money_error::empty, money_error::negative, money_error::too_large}) EXPECT_FALSE(to_string(e).empty());
}

TEST(MoneyFormat, DecimalDollars) {
  EXPECT_EQ(decimal_dollars(12'500'000), "12.50");
  EXPECT_EQ(decimal_dollars(20'000'125), "20.000125");
  EXPECT_EQ(decimal_dollars(0), "0.00");
  EXPECT_EQ(decimal_dollars(10), "0.00001");
  EXPECT_EQ(decimal_dollars(-500'000), "-0.50");
  EXPECT_EQ(decimal_dollars(1'234'567'890'000), "1234567.89");
  EXPECT_EQ(decimal_dollars(int64_min), "-9223372036854.775808");
  EXPECT_EQ(decimal_dollars(int64_max), "9223372036854.775807");
}

TEST(MoneyFormat, DecimalDollarsWithOtherMinimums) {
  EXPECT_EQ(decimal_dollars(12'500'000, 0), "12.5");
  EXPECT_EQ(decimal_dollars(20'000'000, 0), "20");
  EXPECT_EQ(decimal_dollars(0, 0), "0");
  EXPECT_EQ(decimal_dollars(1, 0), "0.000001");
  EXPECT_EQ(decimal_dollars(-1'500'000, 0), "-1.5");
  EXPECT_EQ(decimal_dollars(12'500'000, 6), "12.500000");
  EXPECT_EQ(decimal_dollars(-1, 6), "-0.000001");
  EXPECT_EQ(decimal_dollars(int64_min, 6), "-9223372036854.775808");
  EXPECT_EQ(decimal_dollars(12'000'000, 1), "12.0");
  EXPECT_EQ(decimal_dollars(12'000'000, 9), "12.000000"); // never more than micros
  EXPECT_EQ(decimal_dollars(12'000'000, -1), "12");
}

TEST(MoneyFormat, FormatMoneyGroupsThousands) {
  EXPECT_EQ(format_money(0), "$0.00");
  EXPECT_EQ(format_money(1'234'560'000), "$1,234.56");
  EXPECT_EQ(format_money(999'990'000), "$999.99");
  EXPECT_EQ(format_money(1'000'000'000), "$1,000.00");
  EXPECT_EQ(format_money(20'000'125), "$20.000125");
  EXPECT_EQ(format_money(-500'000), "-$0.50");
  EXPECT_EQ(format_money(-1'234'567'000'000), "-$1,234,567.00");
  EXPECT_EQ(format_money(100'000'000'000), "$100,000.00");
  EXPECT_EQ(format_money(int64_min), "-$9,223,372,036,854.775808");
  EXPECT_EQ(format_money(int64_max), "$9,223,372,036,854.775807");
}

TEST(MoneyRoundTrip, EveryFormatReadsBackToTheSameMicros) {
  std::mt19937_64 rng(20261207);
  std::vector<int64_t> values{0,
                              1,
                              -1,
                              9,
                              10,
                              99,
                              100,
                              999'999,
                              1'000'000,
                              1'000'001,
                              19'990'000,
                              int64_min,
                              int64_max,
                              int64_min + 1,
                              int64_max - 1};
  for (int i = 0; i < 20'000; ++i) {
    auto v = static_cast<int64_t>(rng());
    values.push_back(v >> (rng() % 63)); // all magnitudes, both signs
  }
  for (int64_t v : values)
    for (int decimals = 0; decimals <= money_decimals; ++decimals) {
      std::string text = decimal_dollars(v, decimals);
      money_parse back = parse_dollars(text, {.negative = true});
      ASSERT_TRUE(back.ok()) << text;
      ASSERT_EQ(back.micros, v) << text;
      if (v >= 0)
        ASSERT_EQ(parse_dollars(text).micros, v) << text;
      else
        ASSERT_EQ(error_of(text), money_error::negative) << text;
    }
}

TEST(MoneyRoundTrip, EveryCentOfTheFirstThousandDollars) {
  for (int64_t cents = 0; cents <= 100'000; ++cents) {
    std::string text = std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") + std::to_string(cents % 100);
    ASSERT_EQ(parse_dollars(text).micros, cents * 10'000) << text;
    ASSERT_EQ(decimal_dollars(cents * 10'000), text);
  }
}

} // namespace
} // namespace ringbid
