#pragma once
// Field-by-field comparison of two leads, for tests that read leads back:
// every column, the journal and every auction round with its entries.

#include "protocol/lead.hpp"

#include <gtest/gtest.h>

namespace ringbid::test {

inline void expect_same_lead(const lead_record& a, const lead_record& b) {
  SCOPED_TRACE("lead " + b.id.to_string());
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.carrier_call_id, b.carrier_call_id);
  EXPECT_EQ(a.did, b.did);
  EXPECT_EQ(a.caller, b.caller);
  EXPECT_EQ(a.campaign_id, b.campaign_id);
  EXPECT_EQ(a.source_id, b.source_id);
  EXPECT_EQ(a.buyer_id, b.buyer_id);
  EXPECT_EQ(a.destination, b.destination);
  EXPECT_EQ(a.outcome, b.outcome);
  EXPECT_EQ(a.ended_in, b.ended_in);
  EXPECT_EQ(a.started_at, b.started_at);
  EXPECT_EQ(a.answered_at, b.answered_at);
  EXPECT_EQ(a.bridged_at, b.bridged_at);
  EXPECT_EQ(a.ended_at, b.ended_at);
  EXPECT_EQ(a.hold_ms, b.hold_ms);
  EXPECT_EQ(a.talk_ms, b.talk_ms);
  EXPECT_EQ(a.bid_micros, b.bid_micros);
  EXPECT_EQ(a.price_micros, b.price_micros);
  EXPECT_EQ(a.revenue_micros, b.revenue_micros);
  EXPECT_EQ(a.payout_micros, b.payout_micros);
  EXPECT_EQ(a.auction_rounds, b.auction_rounds);
  EXPECT_EQ(a.transfer_attempts, b.transfer_attempts);
  EXPECT_EQ(a.auction_latency_us, b.auction_latency_us);
  EXPECT_EQ(a.cause, b.cause);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.recording_url, b.recording_url);
  EXPECT_EQ(a.caller_state, b.caller_state);
  EXPECT_EQ(a.area_code, b.area_code);
  EXPECT_EQ(a.converted, b.converted);
  EXPECT_EQ(a.billing_note, b.billing_note);
  EXPECT_EQ(a.caller_hash, b.caller_hash);
  EXPECT_EQ(a.tags, b.tags);
  ASSERT_EQ(a.ivr.size(), b.ivr.size());
  for (size_t i = 0; i < a.ivr.size(); ++i) {
    EXPECT_EQ(a.ivr[i].key, b.ivr[i].key);
    EXPECT_EQ(a.ivr[i].value, b.ivr[i].value);
  }
  ASSERT_EQ(a.journal.size(), b.journal.size());
  for (size_t i = 0; i < a.journal.size(); ++i) {
    EXPECT_EQ(a.journal[i].at, b.journal[i].at) << "journal entry " << i;
    EXPECT_EQ(a.journal[i].state, b.journal[i].state) << "journal entry " << i;
    EXPECT_EQ(a.journal[i].note, b.journal[i].note) << "journal entry " << i;
  }
  ASSERT_EQ(a.auctions.size(), b.auctions.size());
  for (size_t i = 0; i < a.auctions.size(); ++i) {
    const auto& x = a.auctions[i];
    const auto& y = b.auctions[i];
    EXPECT_EQ(x.round, y.round);
    EXPECT_EQ(x.strategy, y.strategy);
    EXPECT_EQ(x.clearing, y.clearing);
    EXPECT_EQ(x.opened_at, y.opened_at);
    EXPECT_EQ(x.closed_at, y.closed_at);
    EXPECT_EQ(x.deadline_ms, y.deadline_ms);
    EXPECT_EQ(x.floor_micros, y.floor_micros);
    EXPECT_EQ(x.winner, y.winner);
    EXPECT_EQ(x.winning_bid_micros, y.winning_bid_micros);
    EXPECT_EQ(x.clearing_price_micros, y.clearing_price_micros);
    ASSERT_EQ(x.entries.size(), y.entries.size());
    for (size_t j = 0; j < x.entries.size(); ++j) {
      EXPECT_EQ(x.entries[j].buyer_id, y.entries[j].buyer_id);
      EXPECT_EQ(x.entries[j].verdict, y.entries[j].verdict);
      EXPECT_EQ(x.entries[j].reason, y.entries[j].reason);
      EXPECT_EQ(x.entries[j].bid_micros, y.entries[j].bid_micros);
      EXPECT_EQ(x.entries[j].price_micros, y.entries[j].price_micros);
      EXPECT_EQ(x.entries[j].latency_us, y.entries[j].latency_us);
      EXPECT_EQ(x.entries[j].transport_us, y.entries[j].transport_us);
      EXPECT_EQ(x.entries[j].rank, y.entries[j].rank);
      EXPECT_EQ(x.entries[j].fixed, y.entries[j].fixed);
    }
  }
}

} // namespace ringbid::test
