#pragma once
// ringbid-bench's cap-ledger benchmark: reserve/commit/release decisions per
// second through the real ledger actor, against a trivial echo actor's
// request/response rate on the same scheduler in the same run.

#include "tools/bench/bench_result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

/// Rows: decisions/s with the journal discarded, and with it written to
/// SQLite at `db` (the node's setup); both against the echo baseline.
std::vector<result_row> bench_ledger(uint64_t cycles_per_client, const std::string& db);

} // namespace ringbid
