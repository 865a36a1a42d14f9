#pragma once
// The directory actor: DID -> campaign + source through the did_directory port.
// It never blocks: an answer the port gives later, on another thread, comes
// back to it as a message.

#include "actors/ports/ports.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace ringbid {

caf::actor spawn_directory(caf::local_actor* parent, std::shared_ptr<did_directory> directory);

} // namespace ringbid
