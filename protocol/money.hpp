#pragma once
// Money is integer micros (1 USD = 1,000,000), never floating point.

#include <cstdint>
#include <string>

namespace ringbid {

/// "$1,234.56" (cents), or more decimals when the amount has fractions of a cent.
std::string format_money(int64_t micros);

} // namespace ringbid
