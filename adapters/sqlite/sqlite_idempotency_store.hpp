#pragma once
// The idempotency_store port on the node's SQLite database (migration 0008,
// table api_idempotency).

#include "actors/ports/idempotency_store.hpp"

#include <memory>
#include <string>

namespace ringbid {

class sqlite_idempotency_store final : public idempotency_store {
public:
  /// Opens (creating and migrating if needed) the database at `path`;
  /// ":memory:" gives a private in-memory one. nullptr + `*error` on failure.
  static std::shared_ptr<sqlite_idempotency_store> open(const std::string& path, std::string* error);
  ~sqlite_idempotency_store() override;
  sqlite_idempotency_store(const sqlite_idempotency_store&) = delete;
  sqlite_idempotency_store& operator=(const sqlite_idempotency_store&) = delete;

  std::optional<idempotent_answer> find(const std::string& token_id, const std::string& key,
                                        std::string* error) override;
  bool remember(const std::string& token_id, const std::string& key, const idempotent_answer& answer,
                std::string* error) override;

private:
  struct impl;
  explicit sqlite_idempotency_store(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace ringbid
