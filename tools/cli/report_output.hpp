#pragma once
// How `ringbid simulate` shows its result: a table for people, JSON for scripts.

#include "protocol/money.hpp"
#include "tools/node/simulation.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>

namespace ringbid {

void print_report_table(std::ostream& out, const simulation_report& r);
void print_report_json(std::ostream& out, const simulation_report& r);

} // namespace ringbid
