#pragma once
// `ringbid caps`: every cap with its value, limit, window and reset time, read
// either from the journal in a node's database (works whether the node runs
// or not) or from a running node's ledger over CAF's network layer.

#include "actors/core/config.hpp"
#include "protocol/ledger.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>

namespace ringbid {

struct caps_view {
  caps_report report;
  uint64_t journal_entries = 0;   ///< journal rows replayed (offline only)
  uint64_t open_reservations = 0; ///< reservations not ended in the journal
  std::string source;             ///< "journal <path>" or "node <host:port>"
  std::string error;              ///< empty on success
};

/// Rebuilds the ledger from the journal in `db_path` and reports it at `now`.
caps_view caps_from_journal(const engine_config& config, const std::string& db_path, timestamp_us now);

/// Asks the node whose admin endpoint is `host:port` (ringbid-node --admin).
caps_view caps_from_node(const std::string& host, uint16_t port, int timeout_ms);

void print_caps_table(std::ostream& out, const caps_view& view);
void print_caps_json(std::ostream& out, const caps_view& view);

} // namespace ringbid
