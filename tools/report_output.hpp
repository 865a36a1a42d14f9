#pragma once
// How `ringbid simulate` shows its result: a table for people, JSON for scripts.

#include "tools/simulation.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>

namespace ringbid {

/// "$1,234.56" (cents), or six decimals when the amount has fractions of a cent.
std::string format_money(int64_t micros);

void print_report_table(std::ostream& out, const simulation_report& r);
void print_report_json(std::ostream& out, const simulation_report& r);

} // namespace ringbid
