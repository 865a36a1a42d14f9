#pragma once
// The DID directory on SQLite (migration 0005), the source of truth for which
// campaign and source each tracked number belongs to.
//
// - did_store: the `dids` table (and the config's campaigns, sources and buyers
//   for reporting). Seeding from the config inserts only numbers that have no
//   row yet, so assignments made with `ringbid dids` survive node restarts.
//   Unassigning keeps the row with an empty campaign (a tombstone), so the
//   config's seed does not bring the old assignment back either.
// - sqlite_did_directory: the did_directory port served from an in-process map
//   loaded from the store; lookups answer inline, on the caller's thread.

#include "actors/core/config.hpp"
#include "actors/ports/ports.hpp"
#include "protocol/directory.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ringbid {

/// One row of `dids`.
struct did_entry {
  std::string number;
  std::string campaign_id; ///< "" = unassigned
  std::string source_id;   ///< "" = unassigned
  std::vector<std::string> tags;
  int64_t updated_at = 0; ///< unix microseconds
  bool assigned() const { return !campaign_id.empty(); }
};

/// "+" then 7 to 15 digits, the first not 0 (the config schema's rule).
bool is_e164(std::string_view number);
/// Tags as stored: comma-separated, in order.
std::string join_tags(const std::vector<std::string>& tags);
/// Inverse of join_tags; empty parts are dropped.
std::vector<std::string> split_tags(std::string_view text);

struct did_seed_result {
  uint64_t inserted = 0; ///< config numbers that had no row
  uint64_t kept = 0;     ///< config numbers whose stored row was kept
};

/// The `dids` table. Thread-safe: one connection behind a mutex.
class did_store {
public:
  enum class unassign_result { done, not_assigned, failed };

  /// Opens (creating and migrating if needed) the database at `path`;
  /// ":memory:" gives a private in-memory one. nullptr + `*error` on failure.
  static std::shared_ptr<did_store> open(const std::string& path, std::string* error);
  ~did_store();
  did_store(const did_store&) = delete;
  did_store& operator=(const did_store&) = delete;

  /// Upserts the config's campaigns, sources and buyers (id, name) and inserts
  /// every config DID whose number has no row yet; stored rows are kept. One
  /// transaction. False + `*error` on failure.
  bool seed(const engine_config& config, did_seed_result* result, std::string* error);

  /// The row of `number` into `out` (nullopt: no row). False + `*error` on failure.
  bool find(const std::string& number, std::optional<did_entry>& out, std::string* error);
  /// Every row, by number, tombstones included. False + `*error` on failure.
  bool list(std::vector<did_entry>& out, std::string* error);
  /// Assigns `entry.number` (insert or replace); stamps updated_at. False + `*error`.
  bool assign(const did_entry& entry, std::string* error);
  /// Unassigns `number`: not_assigned when it has no row or is unassigned already.
  unassign_result unassign(const std::string& number, std::string* error);
  /// Makes the table what `config` says (the control plane's revision in
  /// force): its campaigns, sources and buyers upserted, its DIDs assigned
  /// as listed, every other number unassigned (a tombstone). One
  /// transaction; the numbers whose row changed go to `*changed`. False +
  /// `*error` on failure (nothing changed).
  bool sync(const engine_config& config, std::vector<std::string>* changed, std::string* error);

  const std::string& path() const { return path_; }

private:
  struct impl;
  explicit did_store(std::unique_ptr<impl> state, std::string path);
  std::unique_ptr<impl> impl_;
  std::string path_;
};

/// The did_directory port from an in-process map of the store's assignments.
/// Lookups never touch SQLite and call back inline. An assignment that names
/// a campaign or source this node's config does not know is treated as
/// unassigned (and logged once), so a call never routes to an unknown campaign.
class sqlite_did_directory final : public did_directory {
public:
  /// Loads every assignment of `store`. nullptr + `*error` on failure.
  static std::shared_ptr<sqlite_did_directory> open(std::shared_ptr<did_store> store, const engine_config& config,
                                                    std::string* error);

  void lookup(const std::string& number, done callback) override;

  /// The map's answer (found=false for a miss); never reads SQLite.
  did_route cached(const std::string& number) const;
  /// Reads `number` from SQLite and updates the map with it; the row read goes
  /// to `*row` if given. nullopt when the read failed (the map keeps what it had).
  std::optional<did_route> refresh(const std::string& number, std::optional<did_entry>* row = nullptr);
  /// Reloads the whole map from SQLite. False + `*error` (map unchanged) on failure.
  bool reload(std::string* error);
  /// The campaigns and sources the node now knows (a configuration change);
  /// reload() afterwards serves the numbers that name them.
  void know(const engine_config& config);
  /// The route of a stored row as this node serves it (see the class comment).
  did_route route_of(const std::string& number, const std::optional<did_entry>& entry);
  size_t size() const;
  const std::shared_ptr<did_store>& store() const { return store_; }

  sqlite_did_directory(std::shared_ptr<did_store> store, const engine_config& config);

private:
  std::shared_ptr<did_store> store_;
  std::unordered_set<std::string> campaigns_;
  std::unordered_set<std::string> sources_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, did_route> routes_; ///< assigned numbers only
  std::unordered_set<std::string> warned_;            ///< numbers logged as naming unknown ids
};

} // namespace ringbid
