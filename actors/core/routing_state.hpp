#pragma once
// What routing remembers across calls, shared by every call actor of a node
// (thread-safe, node-owned, so actor restarts lose nothing): the round-robin
// turn of each campaign and each buyer's conversion history per campaign.

#include "actors/core/config.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace ringbid {

class routing_turns {
public:
  explicit routing_turns(const engine_config& config);
  /// The campaign's current turn, then advances it: one turn per round.
  uint64_t take(const std::string& campaign_id);

private:
  std::map<std::string, std::atomic<uint64_t>> turns_; // fixed key set: read without a lock
};

class conversion_stats {
public:
  struct tally {
    uint64_t bridged = 0;
    uint64_t converted = 0;
  };
  /// The share of the buyer's bridged calls on the campaign that converted;
  /// negative while it has none.
  double rate(const std::string& campaign_id, const std::string& buyer_id) const;
  void record(const std::string& campaign_id, const std::string& buyer_id, bool converted);
  /// Adds history (a node seeds it from its stored leads at start).
  void add(const std::string& campaign_id, const std::string& buyer_id, tally t);

private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, tally> tallies_;
};

} // namespace ringbid
