#pragma once
// Reading the live calls a previous process left in the database, with the
// state they were checkpointed in and the carrier events kept for them since.

#include "protocol/adoption.hpp"

#include <string>
#include <vector>

namespace ringbid {

/// Every row of live_calls, oldest first, each with the kept carrier events
/// its snapshot has not handled (in the order received). A snapshot or event
/// that cannot be decoded is left out (the call is set up from its start; the
/// event is counted in `*undecodable`). On a read failure returns nothing and
/// fills `*error`.
std::vector<adoptable_call> load_live_calls(const std::string& db_path, std::string* error,
                                            uint64_t* undecodable = nullptr);

} // namespace ringbid
