#pragma once
// The audit log: who changed what, when, with which role, from which address.
// Append-only: entries are never updated or deleted (the SQLite table refuses
// both with triggers). Implemented on SQLite (adapters/sqlite).

#include "protocol/time.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

struct audit_entry {
  int64_t id = 0;       ///< assigned by append, increasing
  timestamp_us at = 0;  ///< when it happened (unix µs)
  std::string token_id; ///< who: a token id, "open", "bootstrap", "cli"
  std::string role;     ///< its role's name
  std::string address;  ///< the client's IP, or "cli"
  std::string action;   ///< e.g. "token.create", "session.create", "campaign.update"
  std::string entity_kind;
  std::string entity_id;
  int64_t revision = 0;      ///< the configuration revision the change made; 0 if none
  std::string detail = "{}"; ///< JSON text: what changed
};

struct audit_filter {
  timestamp_us since = 0;  ///< at >= since (0: no bound)
  timestamp_us until = 0;  ///< at < until (0: no bound)
  std::string entity_kind; ///< "" = any
  std::string entity_id;   ///< "" = any
  std::string token_id;    ///< "" = any
  int64_t before_id = 0;   ///< the cursor: only entries older than this id (0: from the newest)
  size_t limit = 50;
};

/// Newest first. `next_cursor` is the before_id of the next page; 0 when this
/// page is the last.
struct audit_page {
  std::vector<audit_entry> items;
  int64_t next_cursor = 0;
};

class audit_log {
public:
  virtual ~audit_log() = default;
  /// Stores `entry` and sets its id. False + `*error` on failure.
  virtual bool append(audit_entry& entry, std::string* error) = 0;
  /// One page of the entries `filter` selects. False + `*error` on failure.
  virtual bool list(const audit_filter& filter, audit_page& out, std::string* error) = 0;
};

} // namespace ringbid
