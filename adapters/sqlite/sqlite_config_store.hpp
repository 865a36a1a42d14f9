#pragma once
// The config_store port on the node's SQLite database (migration 0008).

#include "actors/ports/config_store.hpp"

#include <memory>
#include <string>

namespace ringbid {

class sqlite_config_store final : public config_store {
public:
  /// Opens (creating and migrating if needed) the database at `path`;
  /// ":memory:" gives a private one. nullptr + `*error` on failure.
  static std::shared_ptr<sqlite_config_store> open(const std::string& path, std::string* error);
  ~sqlite_config_store() override;

  int64_t head_number() override;
  std::optional<stored_config_revision> revision(int64_t number, std::string* error) override;
  std::vector<config_revision_info> history(int64_t before, int limit, std::string* error) override;
  config_commit_result commit(int64_t expected_head, stored_config_revision next, timestamp_us at) override;

  const std::string& path() const { return path_; }

private:
  struct impl;
  sqlite_config_store(std::unique_ptr<impl> state, std::string path);
  std::unique_ptr<impl> impl_;
  std::string path_;
};

} // namespace ringbid
