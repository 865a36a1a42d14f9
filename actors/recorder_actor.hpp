#pragma once
// The recorder actor: hands leads and live-call updates to the lead_store port
// and answers a call's record_lead once its lead is committed (when the store
// reports commits), so a call never quits with its lead unwritten.

#include "actors/ports/ports.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace ringbid {

caf::actor spawn_recorder(caf::local_actor* parent, std::shared_ptr<lead_store> store);

} // namespace ringbid
