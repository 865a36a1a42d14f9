// Unit tests for the pure billing rules (actors/core/billing.hpp): conversion, what
// the buyer is charged, what the source is paid, and duplicate-caller windows.

#include "actors/core/billing.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ringbid {
namespace {

constexpr timestamp_us t0 = 1'700'000'000 * us_per_s;
constexpr int64_t us_per_day = 86'400 * us_per_s;
constexpr int64_t dollars = 1'000'000;

source_config share_source(int32_t bp) {
  source_config s;
  s.id = "pub";
  s.payout_mode = payout_kind::revenue_share;
  s.revenue_share_bp = bp;
  return s;
}

source_config fixed_source(int64_t micros, payout_trigger on) {
  source_config s;
  s.id = "pub";
  s.payout_mode = payout_kind::fixed;
  s.fixed_payout_micros = micros;
  s.pay_on = on;
  return s;
}

buyer_config tiered_buyer(std::vector<duration_tier> tiers, int32_t window_days = 0) {
  buyer_config b;
  b.id = "b1";
  b.duration_tiers = std::move(tiers);
  b.duplicate_window_days = window_days;
  return b;
}

/// A bridged call at $20 with 90 s of talk against a 60 s buffer.
billing_input bridged_call(const buyer_config* buyer, const source_config* source) {
  billing_input in;
  in.price_micros = 20 * dollars;
  in.talk_ms = 90'000;
  in.bridged = true;
  in.conversion_buffer_s = 60;
  in.buyer = buyer;
  in.source = source;
  return in;
}

struct expected {
  bool converted;
  int64_t revenue;
  int64_t payout;
  int64_t profit; ///< written out by hand, not computed, so the sum is checked
  std::string note;
};

void expect_bill(const billing_input& in, const expected& want, const std::string& label) {
  billing_result r = bill(in);
  EXPECT_EQ(r.converted, want.converted) << label;
  EXPECT_EQ(r.revenue_micros, want.revenue) << label;
  EXPECT_EQ(r.payout_micros, want.payout) << label;
  EXPECT_EQ(r.profit_micros(), want.profit) << label;
  EXPECT_EQ(r.revenue_micros - r.payout_micros, want.profit) << label;
  EXPECT_EQ(r.note, want.note) << label;
  EXPECT_EQ(r.charged(), want.revenue > 0) << label;
}

// --- Conversion ------------------------------------------------------------------

TEST(BillingConversion, ExactlyTheBufferConvertsOneMillisecondLessDoesNot) {
  const source_config pub = share_source(5000);
  billing_input in = bridged_call(nullptr, &pub);
  in.talk_ms = 60'000;
  expect_bill(in, {true, 20 * dollars, 10 * dollars, 10 * dollars, "bid"}, "exactly 60 s");
  in.talk_ms = 59'999;
  expect_bill(in, {false, 0, 0, 0, "not converted"}, "59.999 s");
  in.talk_ms = 60'001;
  expect_bill(in, {true, 20 * dollars, 10 * dollars, 10 * dollars, "bid"}, "60.001 s");
}

TEST(BillingConversion, ZeroBufferConvertsOnConnect) {
  const source_config pub = share_source(5000);
  billing_input in = bridged_call(nullptr, &pub);
  in.conversion_buffer_s = 0;
  in.talk_ms = 0;
  expect_bill(in, {true, 20 * dollars, 10 * dollars, 10 * dollars, "bid"}, "0 ms of talk");
  in.talk_ms = 1;
  expect_bill(in, {true, 20 * dollars, 10 * dollars, 10 * dollars, "bid"}, "1 ms of talk");
}

TEST(BillingConversion, NegativeTalkAndBufferCountAsZero) {
  billing_input in = bridged_call(nullptr, nullptr);
  in.conversion_buffer_s = -5;
  in.talk_ms = -100;
  expect_bill(in, {true, 20 * dollars, 0, 20 * dollars, "bid"}, "negative buffer and talk");
  in.conversion_buffer_s = 1;
  expect_bill(in, {false, 0, 0, 0, "not converted"}, "negative talk, 1 s buffer");
}

TEST(BillingConversion, ReportedConversionConvertsAShortBridgedCall) {
  const source_config pub = share_source(2500);
  billing_input in = bridged_call(nullptr, &pub);
  in.talk_ms = 1'000;
  in.reported_converted = true;
  expect_bill(in, {true, 20 * dollars, 5 * dollars, 15 * dollars, "bid"}, "postback at 1 s");
  in.talk_ms = 0;
  expect_bill(in, {true, 20 * dollars, 5 * dollars, 15 * dollars, "bid"}, "postback at 0 s");
  in.talk_ms = 120'000; // already converted: the postback changes nothing
  expect_bill(in, {true, 20 * dollars, 5 * dollars, 15 * dollars, "bid"}, "postback after the buffer");
}

TEST(BillingConversion, ACallThatWasNeverBridgedNeverConverts) {
  const source_config share = share_source(10000);
  const source_config fixed_bridged = fixed_source(3 * dollars, payout_trigger::bridged);
  const source_config fixed_converted = fixed_source(3 * dollars, payout_trigger::converted);
  for (const source_config* pub : {&share, &fixed_bridged, &fixed_converted}) {
    billing_input in = bridged_call(nullptr, pub);
    in.bridged = false;
    in.price_micros = 0;
    in.talk_ms = 0;
    expect_bill(in, {false, 0, 0, 0, "not bridged"}, "not bridged");
    in.reported_converted = true; // no buyer took it: a report cannot be right
    in.duplicate = true;
    in.price_micros = 20 * dollars;
    in.talk_ms = 90'000;
    expect_bill(in, {false, 0, 0, 0, "not bridged"}, "not bridged, reported, duplicate");
  }
}

// --- Duration tiers --------------------------------------------------------------------

TEST(BillingTiers, HighestTierReachedByTalkTimeIsCharged) {
  const buyer_config buyer = tiered_buyer({{30, 5 * dollars}, {60, 10 * dollars}, {120, 25 * dollars}});
  const source_config pub = share_source(4000);
  billing_input in = bridged_call(&buyer, &pub);
  in.conversion_buffer_s = 0;
  struct row {
    int64_t talk_ms;
    int64_t revenue;
    int64_t payout;
    int64_t profit;
    const char* note;
  };
  for (const row& r : {
         row{0, 0, 0, 0, "below every duration tier"},
         row{29'999, 0, 0, 0, "below every duration tier"},
         row{30'000, 5 * dollars, 2 * dollars, 3 * dollars, "tier ≥30 s"},
         row{59'999, 5 * dollars, 2 * dollars, 3 * dollars, "tier ≥30 s"},
         row{60'000, 10 * dollars, 4 * dollars, 6 * dollars, "tier ≥60 s"},
         row{119'999, 10 * dollars, 4 * dollars, 6 * dollars, "tier ≥60 s"},
         row{120'000, 25 * dollars, 10 * dollars, 15 * dollars, "tier ≥120 s"},
         row{36'000'000, 25 * dollars, 10 * dollars, 15 * dollars, "tier ≥120 s"},
       }) {
    in.talk_ms = r.talk_ms;
    expect_bill(in, {true, r.revenue, r.payout, r.profit, r.note}, "talk " + std::to_string(r.talk_ms) + " ms");
  }
}

TEST(BillingTiers, TiersReplaceTheClearingPriceEitherWay) {
  const buyer_config buyer = tiered_buyer({{60, 15 * dollars}});
  billing_input in = bridged_call(&buyer, nullptr);
  in.price_micros = 40 * dollars; // higher than the tier: still the tier
  expect_bill(in, {true, 15 * dollars, 0, 15 * dollars, "tier ≥60 s"}, "tier below the price");
  in.price_micros = 1 * dollars; // lower than the tier: still the tier
  expect_bill(in, {true, 15 * dollars, 0, 15 * dollars, "tier ≥60 s"}, "tier above the price");
  in.price_micros = 0;
  expect_bill(in, {true, 15 * dollars, 0, 15 * dollars, "tier ≥60 s"}, "no price at all");
}

TEST(BillingTiers, SingleTier) {
  const buyer_config from_zero = tiered_buyer({{0, 7 * dollars}});
  billing_input in = bridged_call(&from_zero, nullptr);
  in.conversion_buffer_s = 0;
  in.talk_ms = 0;
  expect_bill(in, {true, 7 * dollars, 0, 7 * dollars, "tier ≥0 s"}, "tier from 0 s at 0 ms");

  const buyer_config from_ninety = tiered_buyer({{90, 12 * dollars}});
  in.buyer = &from_ninety;
  in.talk_ms = 89'999;
  expect_bill(in, {true, 0, 0, 0, "below every duration tier"}, "89.999 s");
  in.talk_ms = 90'000;
  expect_bill(in, {true, 12 * dollars, 0, 12 * dollars, "tier ≥90 s"}, "90 s");
}

TEST(BillingTiers, ConversionComesBeforeTiers) {
  // A tier the buffer has not reached yet is not charged: the call did not convert.
  const buyer_config buyer = tiered_buyer({{30, 5 * dollars}, {120, 9 * dollars}});
  billing_input in = bridged_call(&buyer, nullptr);
  in.conversion_buffer_s = 90;
  in.talk_ms = 60'000;
  expect_bill(in, {false, 0, 0, 0, "not converted"}, "tier reached, buffer not");
  // A postback converts it, and it is priced by its talk time.
  in.reported_converted = true;
  expect_bill(in, {true, 5 * dollars, 0, 5 * dollars, "tier ≥30 s"}, "postback at 60 s");
  in.talk_ms = 10'000;
  expect_bill(in, {true, 0, 0, 0, "below every duration tier"}, "postback at 10 s");
}

TEST(BillingTiers, TierLookupNeedsNoOrder) {
  const std::vector<duration_tier> tiers{{120, 3}, {0, 1}, {60, 2}};
  EXPECT_EQ(duration_tier_for(tiers, 0)->price_micros, 1);
  EXPECT_EQ(duration_tier_for(tiers, 59'999)->price_micros, 1);
  EXPECT_EQ(duration_tier_for(tiers, 60'000)->price_micros, 2);
  EXPECT_EQ(duration_tier_for(tiers, 200'000)->price_micros, 3);
  EXPECT_EQ(duration_tier_for({}, 200'000), nullptr);
  EXPECT_EQ(duration_tier_for({{10, 1}}, 9'999), nullptr);
  EXPECT_EQ(duration_tier_for({{10, 1}}, -1), nullptr);
}

// --- Duplicates ---------------------------------------------------------------------------

TEST(BillingDuplicates, ADuplicateIsNeitherChargedNorPaid) {
  const buyer_config buyer = tiered_buyer({}, 30);
  const source_config share = share_source(5000);
  const source_config fixed_bridged = fixed_source(4 * dollars, payout_trigger::bridged);
  const source_config fixed_converted = fixed_source(4 * dollars, payout_trigger::converted);
  for (const source_config* pub : {&share, &fixed_bridged, &fixed_converted}) {
    billing_input in = bridged_call(&buyer, pub);
    in.duplicate = true;
    expect_bill(in, {true, 0, 0, 0, "duplicate caller within 30 days"}, "converted duplicate");
    in.talk_ms = 1'000; // short too: the duplicate is the reason named
    expect_bill(in, {false, 0, 0, 0, "duplicate caller within 30 days"}, "short duplicate");
    in.reported_converted = true;
    expect_bill(in, {true, 0, 0, 0, "duplicate caller within 30 days"}, "reported duplicate");
  }
}

TEST(BillingDuplicates, ADuplicateBeatsTiers) {
  const buyer_config buyer = tiered_buyer({{0, 8 * dollars}}, 1);
  billing_input in = bridged_call(&buyer, nullptr);
  in.duplicate = true;
  expect_bill(in, {true, 0, 0, 0, "duplicate caller within 1 day"}, "tiered duplicate");
}

TEST(BillingDuplicates, NoteWithoutAKnownWindow) {
  billing_input in = bridged_call(nullptr, nullptr);
  in.duplicate = true;
  expect_bill(in, {true, 0, 0, 0, "duplicate caller"}, "no buyer config");
  const buyer_config no_window = tiered_buyer({}, 0);
  in.buyer = &no_window;
  expect_bill(in, {true, 0, 0, 0, "duplicate caller"}, "buyer without a window");
}

// --- Payouts ------------------------------------------------------------------------------

TEST(BillingPayout, RevenueShareRoundsDown) {
  struct row {
    int64_t price;
    int32_t bp;
    int64_t payout;
    int64_t profit;
  };
  for (const row& r : {
         row{1'234'567, 3, 370, 1'234'197},                    // 370.3701 -> 370
         row{3'333, 3, 0, 3'333},                              // 0.9999 -> 0
         row{3'334, 3, 1, 3'333},                              // 1.0002 -> 1
         row{1, 9'999, 0, 1},                                  // 0.9999 -> 0
         row{10'000'001, 3'333, 3'333'000, 6'667'001},         // 3333000.3333 -> 3333000
         row{19'990'000, 6'000, 11'994'000, 7'996'000},        // exact
         row{999'999'999'999, 1, 99'999'999, 999'900'000'000}, // 99999999.9999 -> 99999999
         row{1'000'000'000'000, 10'000, 1'000'000'000'000, 0}, // all of the largest price
         row{7'777'777, 0, 0, 7'777'777},
       }) {
    const source_config pub = share_source(r.bp);
    billing_input in = bridged_call(nullptr, &pub);
    in.price_micros = r.price;
    expect_bill(in, {true, r.price, r.payout, r.profit, "bid"},
                std::to_string(r.bp) + " bp of " + std::to_string(r.price));
  }
}

TEST(BillingPayout, RevenueShareIsOfTheTierPrice) {
  const buyer_config buyer = tiered_buyer({{60, 10'000'001}});
  const source_config pub = share_source(3);
  billing_input in = bridged_call(&buyer, &pub);
  expect_bill(in, {true, 10'000'001, 3'000, 9'997'001, "tier ≥60 s"}, "3 bp of the tier");
}

TEST(BillingPayout, RevenueShareIgnoresPayOn) {
  source_config pub = share_source(5000);
  pub.pay_on = payout_trigger::bridged; // the loader refuses it; bill() ignores it
  billing_input in = bridged_call(nullptr, &pub);
  in.talk_ms = 1'000;
  expect_bill(in, {false, 0, 0, 0, "not converted"}, "short call, revenue share");
}

TEST(BillingPayout, FixedPayoutOnConversion) {
  const source_config pub = fixed_source(12 * dollars, payout_trigger::converted);
  billing_input in = bridged_call(nullptr, &pub);
  expect_bill(in, {true, 20 * dollars, 12 * dollars, 8 * dollars, "bid"}, "converted");
  in.talk_ms = 59'999;
  expect_bill(in, {false, 0, 0, 0, "not converted"}, "bridged, not converted");
  in.reported_converted = true;
  expect_bill(in, {true, 20 * dollars, 12 * dollars, 8 * dollars, "bid"}, "reported");
  in.reported_converted = false;
  in.talk_ms = 90'000;
  in.price_micros = 5 * dollars; // paid more than the buyer is charged
  expect_bill(in, {true, 5 * dollars, 12 * dollars, -7 * dollars, "bid"}, "negative profit");
}

TEST(BillingPayout, FixedPayoutOnBridge) {
  const source_config pub = fixed_source(12 * dollars, payout_trigger::bridged);
  billing_input in = bridged_call(nullptr, &pub);
  expect_bill(in, {true, 20 * dollars, 12 * dollars, 8 * dollars, "bid"}, "converted");
  in.talk_ms = 59'999;
  expect_bill(in, {false, 0, 12 * dollars, -12 * dollars, "not converted"}, "bridged, not converted");
  in.talk_ms = 0;
  expect_bill(in, {false, 0, 12 * dollars, -12 * dollars, "not converted"}, "bridged, no talk");
}

TEST(BillingPayout, FixedPayoutDoesNotFollowRevenue) {
  const buyer_config buyer = tiered_buyer({{120, 30 * dollars}});
  const source_config pub = fixed_source(6 * dollars, payout_trigger::converted);
  billing_input in = bridged_call(&buyer, &pub);
  expect_bill(in, {true, 0, 6 * dollars, -6 * dollars, "below every duration tier"}, "converted below the tiers");
  in.talk_ms = 150'000;
  expect_bill(in, {true, 30 * dollars, 6 * dollars, 24 * dollars, "tier ≥120 s"}, "top tier");
}

TEST(BillingPayout, ZeroFixedPayout) {
  const source_config pub = fixed_source(0, payout_trigger::bridged);
  expect_bill(bridged_call(nullptr, &pub), {true, 20 * dollars, 0, 20 * dollars, "bid"}, "fixed 0");
}

TEST(BillingPayout, WithoutASourceNothingIsPaid) {
  expect_bill(bridged_call(nullptr, nullptr), {true, 20 * dollars, 0, 20 * dollars, "bid"}, "no source");
  billing_input in = bridged_call(nullptr, nullptr);
  in.talk_ms = 10;
  expect_bill(in, {false, 0, 0, 0, "not converted"}, "no source, not converted");
}

TEST(BillingPayout, WithoutABuyerTheClearingPriceIsCharged) {
  const source_config pub = share_source(5000);
  billing_input in = bridged_call(nullptr, &pub);
  in.price_micros = 13'000'001;
  expect_bill(in, {true, 13'000'001, 6'500'000, 6'500'001, "bid"}, "no buyer config");
  in.price_micros = -5; // never charges a negative amount
  expect_bill(in, {true, 0, 0, 0, "bid"}, "negative price");
  const buyer_config untiered = tiered_buyer({});
  in.buyer = &untiered;
  in.price_micros = 13'000'001;
  expect_bill(in, {true, 13'000'001, 6'500'000, 6'500'001, "bid"}, "buyer without tiers");
}

/// Every combination of the inputs: the rules' invariants hold for each.
TEST(BillingInvariants, HoldForEveryCombination) {
  const buyer_config tiered = tiered_buyer({{0, 1 * dollars}, {45, 9'999'999}, {300, 50 * dollars}}, 7);
  const buyer_config plain = tiered_buyer({}, 7);
  const source_config share0 = share_source(0);
  const source_config share3 = share_source(3);
  const source_config share_all = share_source(10000);
  const source_config fixed_c = fixed_source(11 * dollars, payout_trigger::converted);
  const source_config fixed_b = fixed_source(11 * dollars, payout_trigger::bridged);
  int cases = 0;
  for (const buyer_config* buyer : {static_cast<const buyer_config*>(nullptr), &plain, &tiered})
    for (const source_config* source :
         {static_cast<const source_config*>(nullptr), &share0, &share3, &share_all, &fixed_c, &fixed_b})
      for (int64_t price : {int64_t{0}, int64_t{1}, int64_t{7'777'777}, 1'000'000 * dollars})
        for (int64_t talk : {int64_t{0}, int64_t{44'999}, int64_t{45'000}, int64_t{299'999}, int64_t{300'000}})
          for (int32_t buffer : {0, 45, 300})
            for (bool bridged : {false, true})
              for (bool reported : {false, true})
                for (bool duplicate : {false, true}) {
                  ++cases;
                  billing_input in{price, talk, bridged, buffer, reported, duplicate, buyer, source};
                  billing_result r = bill(in);
                  std::string label = "case " + std::to_string(cases);
                  EXPECT_EQ(r.profit_micros(), r.revenue_micros - r.payout_micros) << label;
                  EXPECT_GE(r.revenue_micros, 0) << label;
                  EXPECT_GE(r.payout_micros, 0) << label;
                  EXPECT_FALSE(r.note.empty()) << label;
                  EXPECT_EQ(r.converted, bridged && (talk >= buffer * 1000 || reported)) << label;
                  if (!r.converted || (bridged && duplicate)) {
                    EXPECT_EQ(r.revenue_micros, 0) << label;
                  }
                  if (!bridged || duplicate || !source) {
                    EXPECT_EQ(r.payout_micros, 0) << label;
                  }
                  if (source && source->payout_mode == payout_kind::revenue_share) {
                    EXPECT_EQ(r.payout_micros, r.revenue_micros * source->revenue_share_bp / 10'000) << label;
                  }
                  if (source && source->payout_mode == payout_kind::fixed && bridged && !duplicate) {
                    bool earned = source->pay_on == payout_trigger::bridged || r.converted;
                    EXPECT_EQ(r.payout_micros, earned ? source->fixed_payout_micros : 0) << label;
                  }
                  if (r.converted && !duplicate && buyer != &tiered) {
                    EXPECT_EQ(r.revenue_micros, price) << label;
                  }
                }
  EXPECT_EQ(cases, 3 * 6 * 4 * 5 * 3 * 2 * 2 * 2);
}

// --- Duplicate windows ----------------------------------------------------------------------

TEST(DuplicateWindow, InsideTheWindowUpToItsLastMicrosecond) {
  duplicate_window w(30);
  w.record("b1", "hash-a", t0);
  // The same instant is the charged call itself, booked again after a restart.
  EXPECT_FALSE(w.seen_within("b1", "hash-a", t0, 30));
  EXPECT_TRUE(w.seen_within("b1", "hash-a", t0 + 1, 30));
  EXPECT_TRUE(w.seen_within("b1", "hash-a", t0 + 30 * us_per_day - 1, 30));
  EXPECT_FALSE(w.seen_within("b1", "hash-a", t0 + 30 * us_per_day, 30));
  EXPECT_FALSE(w.seen_within("b1", "hash-a", t0 + 31 * us_per_day, 30));
  // The buyer's own window decides, whatever the table keeps.
  EXPECT_TRUE(w.seen_within("b1", "hash-a", t0 + us_per_day - 1, 1));
  EXPECT_FALSE(w.seen_within("b1", "hash-a", t0 + us_per_day, 1));
  // A charge recorded after `now` is a later call, never an earlier one.
  EXPECT_FALSE(w.seen_within("b1", "hash-a", t0 - us_per_day, 30));
}

TEST(DuplicateWindow, PerBuyerAndPerCaller) {
  duplicate_window w(30);
  w.record("b1", "hash-a", t0);
  EXPECT_FALSE(w.seen_within("b2", "hash-a", t0 + 1, 30)) << "another buyer, same hash";
  EXPECT_FALSE(w.seen_within("b1", "hash-b", t0 + 1, 30)) << "same buyer, another caller";
  // The key separates buyer and hash: ("b1", "xhash") is not ("b1x", "hash").
  w.record("b1x", "hash", t0);
  EXPECT_FALSE(w.seen_within("b1", "xhash", t0 + 1, 30));
  EXPECT_TRUE(w.seen_within("b1x", "hash", t0 + 1, 30));
}

TEST(DuplicateWindow, ZeroDaysIsOff) {
  duplicate_window w(30);
  w.record("b1", "hash-a", t0);
  EXPECT_FALSE(w.seen_within("b1", "hash-a", t0, 0));
  EXPECT_FALSE(w.seen_within("b1", "hash-a", t0, -3));
}

TEST(DuplicateWindow, AnonymousCallersAreNeverDuplicates) {
  duplicate_window w(30);
  w.record("b1", "", t0);
  w.add("b1", "", t0);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_FALSE(w.seen_within("b1", "", t0, 30));
}

TEST(DuplicateWindow, KeepsTheLatestCharge) {
  duplicate_window w(30);
  w.record("b1", "hash-a", t0 + 10 * us_per_day);
  w.record("b1", "hash-a", t0); // older, arriving late: ignored
  EXPECT_EQ(w.size(), 1u);
  EXPECT_TRUE(w.seen_within("b1", "hash-a", t0 + 39 * us_per_day, 30));
  EXPECT_FALSE(w.seen_within("b1", "hash-a", t0 + 40 * us_per_day, 30));
}

TEST(DuplicateWindow, SeedingFromStoredLeads) {
  duplicate_window w(7);
  w.add("b1", "hash-a", t0 - 2 * us_per_day);
  w.add("b1", "hash-a", t0 - 6 * us_per_day); // any order
  w.add("b2", "hash-b", t0 - 8 * us_per_day);
  EXPECT_EQ(w.size(), 2u);
  EXPECT_TRUE(w.seen_within("b1", "hash-a", t0 + 5 * us_per_day - 1, 7));
  EXPECT_FALSE(w.seen_within("b1", "hash-a", t0 + 5 * us_per_day, 7));
  EXPECT_FALSE(w.seen_within("b2", "hash-b", t0, 7));
}

TEST(DuplicateWindow, PruneDropsWhatNoWindowCanSee) {
  duplicate_window w(7);
  EXPECT_EQ(w.max_window_days(), 7);
  w.record("b1", "old", t0);
  w.record("b1", "edge", t0 + us_per_day);
  w.record("b1", "young", t0 + 2 * us_per_day);
  EXPECT_EQ(w.prune(t0 + 8 * us_per_day), 2u); // "old" 8 days, "edge" exactly 7 days
  EXPECT_EQ(w.size(), 1u);
  EXPECT_TRUE(w.seen_within("b1", "young", t0 + 8 * us_per_day, 7));
  EXPECT_EQ(w.prune(t0 + 8 * us_per_day), 0u);
  EXPECT_EQ(w.prune(t0 + 9 * us_per_day), 1u);
  EXPECT_EQ(w.size(), 0u);

  duplicate_window off(0); // no buyer has a window: nothing is worth keeping
  off.record("b1", "hash-a", t0);
  EXPECT_EQ(off.prune(t0), 1u);
}

TEST(DuplicateWindow, RecordPrunesOnItsOwnWhenTheTableDoubles) {
  duplicate_window w(1);
  for (int i = 0; i < 5000; ++i) w.add("b1", "seeded-" + std::to_string(i), t0);
  EXPECT_EQ(w.size(), 5000u); // seeding never prunes
  w.record("b1", "fresh", t0 + 2 * us_per_day);
  EXPECT_EQ(w.size(), 1u);
  EXPECT_TRUE(w.seen_within("b1", "fresh", t0 + 2 * us_per_day + 1, 1));
  // Below the doubling threshold nothing is pruned on record.
  w.record("b1", "later", t0 + 5 * us_per_day);
  EXPECT_EQ(w.size(), 2u);
}

TEST(DuplicateWindow, LargestWindowOfTheConfig) {
  std::vector<buyer_config> buyers(3);
  EXPECT_EQ(largest_duplicate_window(buyers), 0);
  buyers[0].duplicate_window_days = 30;
  buyers[2].duplicate_window_days = 90;
  EXPECT_EQ(largest_duplicate_window(buyers), 90);
  EXPECT_EQ(largest_duplicate_window({}), 0);
}

TEST(DuplicateWindow, OnlyChargedCallsOpenAWindow) {
  // The flow the call actor follows: ask, bill, record when charged.
  const buyer_config buyer = tiered_buyer({{60, 10 * dollars}}, 30);
  const source_config pub = share_source(5000);
  duplicate_window w(largest_duplicate_window({buyer}));
  auto call = [&](int64_t talk_ms, timestamp_us at) {
    billing_input in = bridged_call(&buyer, &pub);
    in.conversion_buffer_s = 0;
    in.talk_ms = talk_ms;
    in.duplicate = w.seen_within(buyer.id, "caller-1", at, buyer.duplicate_window_days);
    billing_result r = bill(in);
    if (r.charged()) w.record(buyer.id, "caller-1", at);
    return r;
  };
  EXPECT_EQ(call(30'000, t0).note, "below every duration tier"); // charged 0: no window
  EXPECT_EQ(call(61'000, t0 + us_per_day).revenue_micros, 10 * dollars);
  billing_result repeat = call(61'000, t0 + 2 * us_per_day);
  EXPECT_EQ(repeat.note, "duplicate caller within 30 days");
  EXPECT_EQ(repeat.revenue_micros, 0);
  EXPECT_EQ(repeat.payout_micros, 0);
  // The repeat did not extend the window: 30 days after the first charge it is over.
  EXPECT_EQ(call(61'000, t0 + 31 * us_per_day - 1).note, "duplicate caller within 30 days");
  EXPECT_EQ(call(61'000, t0 + 31 * us_per_day).revenue_micros, 10 * dollars);
}

TEST(DuplicateWindow, ConcurrentCallsAgree) {
  duplicate_window w(30);
  constexpr int threads = 4;
  constexpr int per_thread = 2000;
  std::atomic<int> misses{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        std::string hash = "h" + std::to_string(t) + "-" + std::to_string(i);
        w.record("b1", hash, t0 + i);
        if (!w.seen_within("b1", hash, t0 + i + 1, 30)) ++misses;
        (void)w.seen_within("b1", "h" + std::to_string((t + 1) % threads) + "-" + std::to_string(i), t0 + i, 30);
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(misses.load(), 0);
  EXPECT_EQ(w.size(), static_cast<std::size_t>(threads * per_thread));
}

} // namespace
} // namespace ringbid
