#pragma once
// The cap ledger's journal: every change the ledger makes, in order, as plain
// data. Replaying it through ledger_core rebuilds every counter, so a store
// only has to keep the entries (the SQLite adapter) and hand them back in order.

#include "protocol/ids.hpp"
#include "protocol/ledger.hpp"
#include "protocol/time.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ringbid {

enum class cap_op : uint8_t {
  reserve, ///< a reservation was granted (adopted ones too: stage = counted)
  hold,    ///< amount = the bid held against revenue budgets
  commit,  ///< stage reached; amount counted by revenue budgets
  release, ///< the call no longer needs the reservation
  expire,  ///< the lease ran out, or its holder was gone when the node restarted
  renew,   ///< lease_until moved: its holder died (a grace period) or a restarted call adopted it
};

std::string_view to_string(cap_op op) noexcept;

struct cap_journal_entry {
  uint64_t seq = 0; ///< position in the journal, from 1, assigned by the ledger
  timestamp_us at = 0;
  cap_op op = cap_op::reserve;
  uint64_t token = 0;
  // reserve only:
  call_id call;
  std::string campaign_id;
  std::string source_id;
  std::string buyer_id;
  timestamp_us lease_until = 0; ///< reserve, renew
  // reserve (the stage already counted, adopt), commit (the stage reached):
  count_stage stage = count_stage::none;
  int64_t amount_micros = 0; ///< hold, commit
};

/// Where the journal goes. Owned by the node so it outlives ledger restarts.
class cap_journal {
public:
  virtual ~cap_journal() = default;
  /// Queues entries for writing; never blocks on I/O. Thread-safe.
  virtual void append(std::vector<cap_journal_entry> entries) = 0;
  /// Blocks until everything appended so far is durable. Not for actor threads.
  virtual void flush() = 0;
  /// Whether the journal reports durability through on_durable(); when not,
  /// appended entries count as durable at once.
  virtual bool notifies_durability() const { return false; }
  /// `callback(seq)`, from the writer's thread, once every entry up to seq is
  /// durable. Replaces the previous callback.
  virtual void on_durable(std::function<void(uint64_t)> callback) { (void)callback; }
};

} // namespace ringbid
