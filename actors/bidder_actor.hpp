#pragma once
// A bidder actor per buyer: sends the call's pings through the buyer's
// bidder_transport (simulated, or HTTP to its ping_url) and feeds the buyer's
// circuit breaker with how each answer went.

#include "actors/node_context.hpp"
#include "actors/ports/ports.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace ringbid {

caf::actor spawn_bidder(caf::local_actor* parent, std::string buyer_id, std::shared_ptr<bidder_transport> transport,
                        std::shared_ptr<const node_context> ctx);

} // namespace ringbid
