#pragma once
// Before a node adopts the live calls of the process before it, it asks the
// carrier about each: alive (it goes on), ended meanwhile (booked from the
// carrier's times) or unknown (booked as interrupted).

#include "actors/ports/carrier_port.hpp"
#include "protocol/adoption.hpp"

#include <chrono>
#include <cstdint>
#include <vector>

namespace ringbid {

struct reconcile_figures {
  bool listed = false;  ///< the carrier listed its active calls
  uint64_t asked = 0;   ///< calls asked about one by one
  uint64_t unasked = 0; ///< no answer within the limit (or the carrier cannot be asked)
};

/// Sets each call's verdict (and the carrier's end time of an ended one). One
/// listing of the active calls settles those alive; the others are asked one
/// by one, at most `parallel` at a time. Blocks up to `limit`; a call without
/// an answer by then stays `unasked`. Not for actor threads.
reconcile_figures reconcile_with_carrier(carrier_port& carrier, std::vector<adoptable_call>& calls,
                                         std::chrono::milliseconds limit, size_t parallel = 32);

} // namespace ringbid
