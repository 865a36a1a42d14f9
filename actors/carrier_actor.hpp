#pragma once
// The carrier peer, one for every carrier: it attaches itself to the node's
// carrier port, forwards the port's events to the calls supervisor (held back
// while that is not known yet, bounded) and the calls' commands to the port.
//
// Carriers do not all keep their events in order (Telnyx does not order its
// webhooks), and a caller's hangup is final: the call is booked as it stands
// when the hangup arrives. So the caller leg's hangup, and a buyer leg's normal
// clearing (the talk's end), wait the port's hangup_hold() before they go on;
// events the carrier sent before them that arrive in that time reach the call
// first.
//
// Everything that must survive the actor lives in the port: an event leaves
// the port only once this actor has forwarded it, so a restarted instance
// gets again whatever its predecessor still had in its mailbox or held back.

#include "actors/node_context.hpp"
#include "actors/ports/carrier_port.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace ringbid {

caf::actor spawn_carrier(caf::local_actor* parent, std::shared_ptr<carrier_port> port,
                         std::shared_ptr<const node_context> ctx);

} // namespace ringbid
