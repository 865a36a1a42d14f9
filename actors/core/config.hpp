#pragma once
// The engine's configuration as plain data. Adapters load it (JSON, validated
// against schemas/config.schema.json); actors only read it, never parse it.

#include "protocol/ledger.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

/// How a simulated buyer behaves (simulated bidder transport and carrier).
struct buyer_simulation {
  int64_t bid_mean_micros = 20'000'000;
  int64_t bid_stddev_micros = 5'000'000;
  int32_t latency_mean_ms = 80;
  int32_t latency_stddev_ms = 40;
  double no_bid_rate = 0.1;
  double error_rate = 0.01;
  double answer_rate = 0.9; ///< share of transfers the buyer's agents pick up

  friend bool operator==(const buyer_simulation&, const buyer_simulation&) = default;
};

/// Opening hours on some weekdays, in minutes from local midnight. A window
/// whose close is not after its open runs overnight into the next day.
struct hours_window {
  std::vector<int32_t> days; ///< 0 = Sunday ... 6 = Saturday
  int32_t open_minute = 0;
  int32_t close_minute = 1440;
};

/// A date (in the owner's zone) that replaces the weekly hours: closed all day,
/// or open only in [open_minute, close_minute).
struct date_exception {
  std::string date; ///< YYYY-MM-DD
  bool closed = true;
  int32_t open_minute = 0;
  int32_t close_minute = 0;
  std::string note; ///< e.g. "Christmas"; shown in skip reasons
};

/// When a buyer takes calls. No weekly windows = every hour of every day.
struct business_hours {
  std::vector<hours_window> weekly;
  std::vector<date_exception> exceptions;
};

enum class rule_operator : uint8_t {
  equals,     ///< the field equals values[0]
  not_equals, ///< the field is known and differs from values[0]
  in,         ///< the field equals one of values
  not_in,     ///< the field is known and equals none of values
  regex,      ///< the whole field matches values[0] (ECMAScript)
  range,      ///< the field is a number in [min, max]
};

/// One condition on the call. Fields: caller_state, area_code, zip,
/// time_of_day (HHMM in the buyer's zone, a number), day_of_week (mon..sun),
/// tag (true when any of the call's tags satisfies the condition), and
/// ivr.<key> (the caller's answer to that IVR question). An unknown field
/// value fails every operator.
struct targeting_rule {
  std::string field;
  rule_operator op = rule_operator::equals;
  std::vector<std::string> values;
  double min = 0;
  double max = 0;
};

/// Which calls a buyer wants. Empty lists accept everything; all rules must hold.
struct targeting {
  std::vector<std::string> states; ///< two-letter codes
  std::vector<std::string> excluded_states;
  std::vector<std::string> area_codes;
  std::vector<std::string> excluded_area_codes;
  std::vector<std::string> verticals;
  std::vector<targeting_rule> rules;
};

/// Buyers that keep failing are not pinged for a while.
struct breaker_config {
  int32_t failure_threshold = 5; ///< consecutive errors or timeouts that open the breaker; 0 = never
  int32_t open_ms = 30'000;      ///< then one probe ping is allowed through

  friend bool operator==(const breaker_config&, const breaker_config&) = default;
};

/// Call-duration billing: a buyer with tiers is charged the price of the
/// highest tier whose min_talk_s is at most the call's talk time (whole
/// seconds), instead of its clearing price. Tiers go in strictly increasing
/// min_talk_s (the config loader refuses other orders).
struct duration_tier {
  int32_t min_talk_s = 0;
  int64_t price_micros = 0;
};

struct buyer_config {
  std::string id;
  std::string name;
  bool active = true;
  bool archived = false;           ///< hidden from new calls (skipped like a paused buyer), kept with its history
  std::string destination;         ///< where calls go when a bid names none
  std::string ping_url;            ///< the buyer's RTB endpoint (http:// or https://); "" = none
  int64_t min_bid_micros = 0;      ///< bids below are never accepted
  int32_t daily_cap = 0;           ///< calls per day in the buyer's zone, counted when bridged; 0 = none
  int32_t concurrency_cap = 0;     ///< live calls at once; 0 = no cap
  std::string time_zone = "UTC";   ///< IANA name: the buyer's caps' calendar windows
  int32_t conversion_buffer_s = 0; ///< talk time that makes a call convert; 0 = on connect
  /// A buyer without an RTB endpoint buys at this fixed price: it competes
  /// with it as its bid, without a ping. 0 = not a fixed-payout buyer.
  int64_t fixed_payout_micros = 0;
  /// A caller (by caller hash) this buyer was charged for within this many days
  /// is not charged again (actors/core/billing.hpp). 0 = no duplicate window.
  int32_t duplicate_window_days = 0;
  /// Empty: charged the clearing price. Else: by talk time (duration_tier).
  std::vector<duration_tier> duration_tiers;
  int32_t priority = 1; ///< 1 = first tier (waterfall order, weighted tiers)
  int32_t weight = 1;   ///< share within its priority tier (weighted routing)
  business_hours hours;
  targeting target;
  breaker_config breaker;
  buyer_simulation sim;
};

/// Traffic shifting: `percent` of callers (sticky per caller) go to
/// `campaign_id` instead of the campaign the call would route to.
struct traffic_split {
  std::string campaign_id; ///< "" = no split
  int32_t percent = 0;

  friend bool operator==(const traffic_split&, const traffic_split&) = default;
};

/// How a source (publisher) is paid for a call (actors/core/billing.hpp).
enum class payout_kind : uint8_t {
  revenue_share, ///< a share of what the buyer is charged: revenue * bp / 10000, rounded down
  fixed,         ///< a fixed amount per call, when `pay_on` holds
};

/// When a fixed payout is earned.
enum class payout_trigger : uint8_t {
  converted, ///< the call converted (talk time reached the buyer's buffer, or a postback)
  bridged,   ///< the call reached a buyer, converted or not
};

struct source_config {
  std::string id;
  std::string name;
  int32_t revenue_share_bp = 0; ///< payout = revenue * bp / 10000, rounded down
  std::string time_zone = "UTC";
  std::vector<std::string> tags; ///< added to the tags of every call from this source
  // Last, so positional initializers ({id, name, bp, zone, tags}) still compile.
  payout_kind payout_mode = payout_kind::revenue_share;
  int64_t fixed_payout_micros = 0;                   ///< payout_mode fixed: paid per call
  payout_trigger pay_on = payout_trigger::converted; ///< payout_mode fixed: which calls earn it
  bool archived = false;                             ///< no DID may route to it; kept with its history
  traffic_split split = {};                          ///< its calls, whatever their DID's campaign
};

/// How a campaign picks among the buyers that want the call.
enum class routing_strategy : uint8_t {
  auction,     ///< highest valid bid first
  weighted,    ///< random by weight within the best priority tier, then the next tier
  round_robin, ///< in turn, over the campaign's buyer list
  waterfall,   ///< priority order (then the higher bid)
};

/// What the winner of an auction pays.
enum class clearing_rule : uint8_t {
  first_price,  ///< its own bid
  second_price, ///< the runner-up's bid or the floor, plus the increment, at most its own bid
};

/// What a paused campaign (active false) does with its calls; both are booked `paused`.
enum class paused_response : uint8_t {
  message, ///< answered, told `paused_text`, ended
  reject,  ///< refused at the carrier without an answer
};

struct campaign_config {
  std::string id;
  std::string name;
  bool active = true;    ///< false: paused (see when_paused)
  bool archived = false; ///< no DID may route to it; kept with its history
  paused_response when_paused = paused_response::message;
  std::string paused_text = "This line is not taking calls right now. Please call again later. Goodbye.";
  routing_strategy strategy = routing_strategy::auction;
  clearing_rule clearing = clearing_rule::first_price;
  int64_t price_increment_micros = 10'000; ///< second price: added to the runner-up's bid
  std::string vertical;
  std::vector<std::string> buyer_ids;
  int64_t floor_micros = 0;
  int32_t auction_deadline_ms = 500;
  bool early_auction = true; ///< start the auction while the greeting plays
  bool record = false;
  std::string greeting_text;
  std::string hold_audio_url;
  std::string ending_text;
  std::string voice = "female";
  std::string language = "en-US";
  int32_t max_rounds = 2;            ///< auctions per call, the first included
  int32_t max_transfer_attempts = 3; ///< buyers dialed per call
  int32_t transfer_timeout_s = 30;
  std::string time_zone = "UTC";
};

enum class cap_owner : uint8_t { buyer, campaign, source, campaign_buyer };
enum class cap_measure : uint8_t {
  calls,       ///< calls counted per window
  revenue,     ///< bid amounts counted per window (a budget, in micros)
  concurrency, ///< live calls at once
  spacing,     ///< minimum seconds between two counted calls
};

/// One cap. Buyers' `daily_cap` and `concurrency_cap` are shorthands for two of these.
struct cap_config {
  cap_owner owner = cap_owner::buyer;
  std::string owner_id; ///< campaign_buyer: the campaign
  std::string buyer_id; ///< campaign_buyer only
  cap_measure measure = cap_measure::calls;
  std::string window = "day";  ///< hour, day, week, month, lifetime or rolling
  int32_t rolling_minutes = 0; ///< window "rolling": its length
  int64_t limit = 0;           ///< calls, micros (revenue) or seconds (spacing)
  count_stage counts_on = count_stage::bridged;
  std::string time_zone; ///< empty: the owner's (a pair's: its buyer's)

  friend bool operator==(const cap_config&, const cap_config&) = default;
};

struct did_config {
  std::string number;
  std::string campaign_id;
  std::string source_id;
  std::vector<std::string> tags; ///< sent in pings, tested by `tag` rules
  traffic_split split = {};      ///< a share of its callers to another campaign

  friend bool operator==(const did_config&, const did_config&) = default;
};

/// Watchdogs: how long the call waits for the carrier before acting on its own.
struct timing_config {
  int32_t answer_timeout_ms = 5'000;
  int32_t greeting_timeout_ms = 30'000;
  int32_t max_hold_ms = 120'000;
  int32_t transfer_grace_ms = 5'000; ///< added to the transfer's own ring timeout
  int32_t max_talk_ms = 4 * 3'600'000;
  int32_t ending_timeout_ms = 20'000;
  int32_t network_allowance_ms = 50;      ///< subtracted from the deadline in each ping
  int32_t peer_timeout_ms = 1'000;        ///< ledger / recorder / directory requests
  int32_t ledger_lease_s = 0;             ///< reservations expire after this; 0 = the longest a call can live
  int32_t ledger_orphan_grace_ms = 5'000; ///< a crashed call's reservations wait this long for its restart
};

struct supervision_config {
  int32_t max_restarts = 10;     ///< restarts allowed within `window_ms`...
  int32_t window_ms = 1'000;     ///< ...before the supervisor escalates to its parent
  int32_t call_max_restarts = 3; ///< a call actor restarted more often is finalized as interrupted

  friend bool operator==(const supervision_config&, const supervision_config&) = default;
};

struct storage_config {
  std::string data_dir = "data";
  std::string sqlite_file = "ringbid.db";
  int32_t batch_max = 1'000;
  int32_t batch_interval_ms = 5;

  friend bool operator==(const storage_config&, const storage_config&) = default;
};

/// The simulated carrier's callers and network.
struct carrier_simulation {
  double calls_per_second = 50;
  double unknown_did_rate = 0.01;
  int32_t answer_delay_ms = 150;
  int32_t speech_ms_per_char = 55;
  int32_t ring_ms_mean = 4'000;
  int32_t talk_s_mean = 180;
  double abandon_rate = 0.05;   ///< callers who give up while waiting
  int32_t patience_s_mean = 20; ///< how long those wait before hanging up
  double command_failure_rate = 0.0;
  double buyer_hangup_share = 0.4; ///< of bridged calls, the buyer ends the talk

  friend bool operator==(const carrier_simulation&, const carrier_simulation&) = default;
};

struct engine_config {
  std::string node_name = "ringbid";
  int32_t threads = 2;
  std::string not_in_service_text = "The number you have called is not in service.";
  /// Keys the caller hash in pings (with each buyer's id, so buyers cannot
  /// match callers across each other). Empty: the node name is used.
  std::string caller_hash_secret;
  std::vector<campaign_config> campaigns;
  std::vector<source_config> sources;
  std::vector<buyer_config> buyers;
  std::vector<did_config> dids;
  std::vector<cap_config> caps;
  timing_config timing;
  supervision_config supervision;
  storage_config storage;
  carrier_simulation carrier_sim;

  const campaign_config* find_campaign(const std::string& id) const;
  const source_config* find_source(const std::string& id) const;
  const buyer_config* find_buyer(const std::string& id) const;
};

} // namespace ringbid
