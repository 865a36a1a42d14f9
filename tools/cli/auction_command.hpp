#pragma once
// `ringbid auction show CALL_ID`: how a call was routed, round by round, from
// the lead store: who was eligible, who was skipped and why, every ping's
// latency and answer, the winner, its price, and why every other buyer lost.

#include "protocol/lead.hpp"

#include <iosfwd>

namespace ringbid {

void print_auctions_table(std::ostream& out, const lead_record& lead);
void print_auctions_json(std::ostream& out, const lead_record& lead);

} // namespace ringbid
