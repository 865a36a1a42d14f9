#pragma once
// The DID directory with Redis in front of SQLite (`ringbid-node --redis URL`).
//
// - Lookups are queued to one thread that owns a blocking hiredis connection
//   (connect and command timeouts of 50 ms): GET ringbid:did:<number>, whose
//   value is "campaign|source|tag1,tag2" ("||" for an unassigned number). A
//   miss reads SQLite and SETs the key (with a TTL that bounds how long a
//   change made while Redis was unreachable can stay hidden).
// - Redis unreachable: lookups read SQLite directly (the wrapped
//   sqlite_did_directory, kept fresh); logged once. The thread reconnects with
//   exponential back-off and logs once more when Redis is back.
// - Invalidation: `ringbid dids assign|unassign --redis URL` writes SQLite,
//   DELs the key and PUBLISHes the number on `ringbid:dids`. A second
//   connection stays SUBSCRIBEd: for each number published it re-reads the
//   in-process entry from SQLite and DELs the key once more from the lookup
//   thread, after any SET of an older value that thread may have in flight.
//   After every (re)subscription the whole in-process map is reloaded, since
//   messages published while disconnected are lost.

#include "adapters/sqlite/did_store.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace ringbid {

/// Where Redis is: redis://[:PASSWORD@]HOST[:PORT][/DB] (port 6379, db 0 by default).
struct redis_endpoint {
  std::string host;
  uint16_t port = 6379;
  std::string password;
  int db = 0;
  std::string text() const; ///< redis://HOST:PORT[/DB], without the password
};

/// Parses a redis:// URL. False + `*error` when it is not one.
bool parse_redis_url(const std::string& url, redis_endpoint& out, std::string* error);

inline constexpr const char* redis_did_channel = "ringbid:dids";
/// "ringbid:did:<number>"
std::string redis_did_key(const std::string& number);

struct redis_did_options {
  redis_endpoint endpoint;
  std::chrono::milliseconds connect_timeout{50};
  std::chrono::milliseconds command_timeout{50};
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
  std::chrono::seconds ttl{600}; ///< of every key this cache SETs
};

class redis_did_cache final : public did_directory {
public:
  /// Starts both threads; Redis need not be up yet. `local` serves the
  /// fallback and receives the invalidations.
  redis_did_cache(std::shared_ptr<sqlite_did_directory> local, redis_did_options options);
  /// Stops and joins the threads; queued lookups are answered from SQLite first.
  ~redis_did_cache() override;
  redis_did_cache(const redis_did_cache&) = delete;
  redis_did_cache& operator=(const redis_did_cache&) = delete;

  /// Queues the lookup; the callback runs on the cache's thread.
  void lookup(const std::string& number, done callback) override;

  /// Stops the threads (idempotent); later lookups answer inline from the
  /// in-process map.
  void stop();

  struct statistics {
    std::atomic<uint64_t> redis_hits{0};
    std::atomic<uint64_t> redis_misses{0};  ///< answered from SQLite, then SET
    std::atomic<uint64_t> fallbacks{0};     ///< answered from SQLite while Redis was unreachable
    std::atomic<uint64_t> invalidations{0}; ///< numbers received on the channel
    std::atomic<uint64_t> subscriptions{0}; ///< successful (re)subscriptions
    std::atomic<bool> connected{false};     ///< the lookup connection is up
  };
  const statistics& stats() const;
  const std::shared_ptr<sqlite_did_directory>& local() const;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

/// DELs the number's key and PUBLISHes the number on the channel (what the CLI
/// does after changing SQLite). False + `*error` when Redis cannot be reached.
bool publish_did_change(const redis_endpoint& endpoint, const std::string& number, std::chrono::milliseconds timeout,
                        std::string* error);

} // namespace ringbid
