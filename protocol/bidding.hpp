#pragma once
// The anonymous ping a buyer receives and the bid it answers with. A ping never
// carries the caller's number or name.

#include "protocol/ids.hpp"
#include "protocol/time.hpp"

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringbid {

/// The caller's answer to one IVR question ("zip" -> "78701").
struct ivr_answer {
  std::string key;
  std::string value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ivr_answer& x) {
  return f(caf::meta::type_name("ivr_answer"), x.key, x.value);
}

inline bool operator==(const ivr_answer& a, const ivr_answer& b) { return a.key == b.key && a.value == b.value; }

struct ping_request {
  uuid ping_id;
  call_id call;
  uint32_t round = 0;
  std::string buyer_id;
  std::string campaign_id;
  std::string vertical;
  std::string caller_state; ///< derived from the caller's area code
  std::string area_code;
  std::string zip;
  std::vector<std::string> tags;
  std::vector<ivr_answer> ivr;
  /// The caller's number hashed with a key of this buyer's own (64 hex
  /// digits): repeat callers are recognisable to one buyer, and to no other.
  std::string caller_hash;
  /// The share of this buyer's bridged calls on this campaign that converted;
  /// negative when it has none yet.
  double conversion_rate = -1;
  caf::timespan time_left{0}; ///< deadline minus a network allowance (OpenRTB tmax)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ping_request& x) {
  return f(caf::meta::type_name("ping_request"), x.ping_id, x.call, x.round, x.buyer_id, x.campaign_id, x.vertical,
           x.caller_state, x.area_code, x.zip, x.tags, x.ivr, x.caller_hash, x.conversion_rate, x.time_left);
}

enum class bid_kind : uint8_t {
  bid,    ///< an offer: amount, expiry, destination
  no_bid, ///< declined, with a reason
  error,  ///< transport failure, malformed answer, timeout at the transport
};

std::string_view to_string(bid_kind k) noexcept;

struct bid_response {
  uuid ping_id;
  uint32_t round = 0;
  std::string buyer_id;
  bid_kind kind = bid_kind::no_bid;
  int64_t amount_micros = 0; ///< 1 USD = 1,000,000 micros: money is integer and exact
  std::string currency = "USD";
  int32_t expires_in_s = 0;
  std::string destination; ///< E.164 number or SIP URI
  std::string reason;      ///< why no bid, or what failed
  /// How long the buyer took, as the transport measured it (request out to
  /// answer in); 0 when unknown.
  int64_t latency_us = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bid_response& x) {
  return f(caf::meta::type_name("bid_response"), x.ping_id, x.round, x.buyer_id, x.kind, x.amount_micros, x.currency,
           x.expires_in_s, x.destination, x.reason, x.latency_us);
}

/// Bidder actor -> itself: an answer from the transport, to account for and
/// forward to the call that asked.
struct bid_delivery {
  caf::actor reply_to;
  bid_response response;
  bool late = false; ///< the answer took longer than the ping's time left
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bid_delivery& x) {
  return f(caf::meta::type_name("bid_delivery"), x.reply_to, x.response, x.late);
}

} // namespace ringbid
