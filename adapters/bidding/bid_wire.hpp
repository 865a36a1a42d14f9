#pragma once
// The ping-post wire format: the anonymous ping ringbid POSTs to a buyer and
// the bid response it expects back, as JSON described by
// schemas/ping.schema.json and schemas/bid_response.schema.json (compiled into
// the binary and enforced with RapidJSON's schema validator). Pure functions;
// RapidJSON stays in the .cpp file. Also the reverse directions, for
// `ringbid buyer-sim`.
//
// Money is exact: amounts are JSON numbers in dollars with at most six
// decimals, read from their text (never through a double) into micros.

#include "protocol/bidding.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace ringbid {

/// Responses beyond this are refused unparsed (the HTTP client enforces it too).
constexpr size_t max_bid_response_bytes = 16 * 1024;

/// {"ping_id","round","campaign_id","vertical","geo":{"state","area_code","zip"},
///  "tags":[…],"tmax_ms":…}; empty strings are left out. Never a caller number:
/// ping_request has none to give.
std::string encode_ping(const ping_request& ping);

struct wire_error {
  std::string pointer; ///< JSON pointer of the offending value, "" for the document
  std::string message;
};

/// For the buyer simulator: the ping back, after schema validation. call and
/// buyer_id are not on the wire and stay empty.
std::variant<ping_request, wire_error> parse_ping(std::string_view body);

/// What a buyer answers:
///   {"bid":{"amount":12.5,"currency":"USD","expires_in_s":30,"destination":"+15125550100"}}
///   {"no_bid":{"reason":"outside hours"}}
std::string encode_bid(int64_t amount_micros, std::string_view currency, int32_t expires_in_s,
                       std::string_view destination);
std::string encode_no_bid(std::string_view reason);

/// Turns a buyer's HTTP answer to `ping` into a bid_response (ping_id, round
/// and buyer_id from the ping). Anything but a 200 with a valid body is
/// kind = error with a reason naming what was wrong (status, JSON, schema
/// pointer, amount precision, destination format); a valid no-bid is no_bid.
/// A bid needs: amount > 0 with at most 6 decimals and below 1,000,000 dollars,
/// currency "USD", expires_in_s 1..3600, destination E.164 (+ and 8..15 digits)
/// or a sip:/sips: URI.
bid_response parse_bid_response(const ping_request& ping, int http_status, std::string_view body);

} // namespace ringbid
