#pragma once
// The token_store port on the node's SQLite database (migration 0008): tables
// api_tokens and api_sessions. The CLI (`ringbid tokens`) and a running node
// open the same file; the node looks every token up here, so a token made or
// revoked by the CLI counts at once (the node's gate caches for under a second).

#include "actors/ports/token_store.hpp"

#include <memory>
#include <string>

namespace ringbid {

class sqlite_token_store final : public token_store {
public:
  /// Opens (creating and migrating if needed) the database at `path`;
  /// ":memory:" gives a private in-memory one. nullptr + `*error` on failure.
  static std::shared_ptr<sqlite_token_store> open(const std::string& path, std::string* error);
  ~sqlite_token_store() override;
  sqlite_token_store(const sqlite_token_store&) = delete;
  sqlite_token_store& operator=(const sqlite_token_store&) = delete;

  std::optional<minted_token> create(const api_token_request& request, timestamp_us now, std::string* error) override;
  bool list(std::vector<api_token>& out, std::string* error) override;
  bool find(const std::string& id, std::optional<api_token>& out, std::string* error) override;
  bool find_by_secret(std::string_view secret, std::optional<api_token>& out, std::string* error) override;
  bool mark_used(const std::string& id, timestamp_us at, std::string* error) override;
  revoke_result revoke(const std::string& id, timestamp_us now, std::string* error) override;
  std::optional<std::string> create_session(const std::string& token_id, timestamp_us now, timestamp_us expires_at,
                                            std::string* error) override;
  bool find_session(std::string_view session_id, timestamp_us now, std::optional<api_session>& out,
                    std::string* error) override;
  bool delete_session(std::string_view session_id, std::string* error) override;

private:
  struct impl;
  explicit sqlite_token_store(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace ringbid
