#pragma once
// The buyer's RTB endpoint over HTTP: a ping is POSTed as JSON to the buyer's
// ping_url, with the time the buyer has left as the request's deadline, and
// the answer is checked against the bid-response schema (adapters/bid_wire).
// Every failure (timeout, refused connection, oversized or malformed answer)
// becomes a bid_response of kind error with its reason; nothing blocks.

#include "actors/core/config.hpp"
#include "actors/ports/ports.hpp"

#include <memory>

namespace ringbid {

class http_client;

/// All buyers share `client` (its pool keeps one set of keep-alive connections
/// per buyer host). The buyer must have a ping_url.
std::shared_ptr<bidder_transport> make_http_bidder_transport(std::shared_ptr<http_client> client,
                                                             const buyer_config& buyer);

} // namespace ringbid
