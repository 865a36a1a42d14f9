// adapters/json/number_text: a JSON document's numbers as they were written.
#include "adapters/json/number_text.hpp"

#include <gtest/gtest.h>

namespace ringbid {
namespace {

TEST(JsonNumberText, EveryNumberUnderItsPointer) {
  auto numbers = json_number_text::read(R"({"a": 0.10, "b": {"c": [1, 2.50, {"d": -1e-6}], "e": "7"},
                                            "f~g/h": 12.500000, "i": [[3], [4, 5]], "j": null, "k": true})");
  ASSERT_TRUE(numbers);
  EXPECT_EQ(numbers->at("/a"), "0.10");
  EXPECT_EQ(numbers->at("/b/c/0"), "1");
  EXPECT_EQ(numbers->at("/b/c/1"), "2.50");
  EXPECT_EQ(numbers->at("/b/c/2/d"), "-1e-6");
  EXPECT_EQ(numbers->at("/f~0g~1h"), "12.500000");
  EXPECT_EQ(numbers->at("/i/0/0"), "3");
  EXPECT_EQ(numbers->at("/i/1/0"), "4");
  EXPECT_EQ(numbers->at("/i/1/1"), "5");
  // Not numbers, or not there.
  EXPECT_EQ(numbers->at("/b/e"), "");
  EXPECT_EQ(numbers->at("/j"), "");
  EXPECT_EQ(numbers->at("/k"), "");
  EXPECT_EQ(numbers->at("/b"), "");
  EXPECT_EQ(numbers->at("/z"), "");
  EXPECT_EQ(numbers->at(""), "");
}

TEST(JsonNumberText, TopLevelNumberAndRepeatedNames) {
  auto top = json_number_text::read("  42.0 ");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->at(""), "42.0");
  // The first of two members with one name, as a DOM's FindMember finds it.
  auto twice = json_number_text::read(R"({"amount": 1, "amount": 100})");
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->at("/amount"), "1");
}

TEST(JsonNumberText, MalformedJsonIsRefused) {
  for (const char* bad : {"", "{", "{\"a\": 01}", "[1,]", "{\"a\": 1} x", "\xff"})
    EXPECT_FALSE(json_number_text::read(bad)) << bad;
}

} // namespace
} // namespace ringbid
