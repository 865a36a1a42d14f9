#pragma once
// Simulated buyers: answers drawn from each buyer's configured distributions,
// with a seeded generator per buyer so a run is reproducible.

#include "actors/core/config.hpp"
#include "actors/ports/ports.hpp"

#include <memory>

namespace ringbid {

std::shared_ptr<bidder_transport> make_sim_bidder_transport(const buyer_config& buyer, uint64_t seed);

} // namespace ringbid
