#pragma once
// API tokens and the browser sessions signed in with them, as stored. A token's
// secret is shown once, when it is made; a store keeps only its SHA-256, so a
// stolen database gives no usable token. Sessions likewise: the cookie holds a
// random id, the store its hash. Implemented on SQLite (adapters/sqlite); the
// port's tests (tests/adapters/token_store_test.cpp) take any implementation.
//
// Roles are stored as their names ("admin", "publisher", ...; actors/core/api_roles
// parses them), so the store holds plain data.

#include "protocol/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringbid {

struct api_token {
  std::string id;         ///< public, e.g. "tk_3f9a0c1d2e4b"; never the secret
  std::string role;       ///< "admin", "manager", "reporting", "publisher", "buyer"
  std::string scope_kind; ///< "", "campaign", "source" or "buyer"
  std::string scope_id;
  std::string label;
  timestamp_us created_at = 0;
  std::string created_by;      ///< who made it: "cli", a token id, "open", "bootstrap"
  timestamp_us revoked_at = 0; ///< 0 while valid
  timestamp_us last_used_at = 0;

  bool revoked() const { return revoked_at != 0; }
};

struct api_token_request {
  std::string role;
  std::string scope_kind;
  std::string scope_id;
  std::string label;
  std::string created_by;
};

/// A token just made: its row and its secret ("rb_" + 43 base64url characters),
/// which exists nowhere else from now on.
struct minted_token {
  api_token token;
  std::string secret;
};

struct api_session {
  std::string token_id; ///< a token's id, or the gate's name for the bootstrap token
  timestamp_us expires_at = 0;
};

class token_store {
public:
  enum class revoke_result { revoked, already_revoked, unknown, failed };

  virtual ~token_store() = default;

  /// Makes a token (a fresh id and 32 random bytes of secret) and stores its
  /// hash. Checks nothing of the request: the caller validates role and scope.
  /// nullopt + `*error` on failure.
  virtual std::optional<minted_token> create(const api_token_request& request, timestamp_us now,
                                             std::string* error) = 0;
  /// Every token, revoked ones included, oldest first. False + `*error` on failure.
  virtual bool list(std::vector<api_token>& out, std::string* error) = 0;
  /// The token with `id` into `out` (nullopt: none). False + `*error` on failure.
  virtual bool find(const std::string& id, std::optional<api_token>& out, std::string* error) = 0;
  /// The token whose secret is `secret` (revoked ones too: the caller decides).
  virtual bool find_by_secret(std::string_view secret, std::optional<api_token>& out, std::string* error) = 0;
  /// Stamps its last use. False + `*error` on failure (an unknown id is no failure).
  virtual bool mark_used(const std::string& id, timestamp_us at, std::string* error) = 0;
  /// Revokes the token and ends its sessions, at once.
  virtual revoke_result revoke(const std::string& id, timestamp_us now, std::string* error) = 0;

  /// A new session for `token_id` until `expires_at`: its id (for the cookie),
  /// of which only the hash is stored. Sessions expired at `now` are forgotten.
  virtual std::optional<std::string> create_session(const std::string& token_id, timestamp_us now,
                                                    timestamp_us expires_at, std::string* error) = 0;
  /// The session with this id, when it has not expired at `now`.
  virtual bool find_session(std::string_view session_id, timestamp_us now, std::optional<api_session>& out,
                            std::string* error) = 0;
  /// Ends the session (signing out); an unknown id is no failure.
  virtual bool delete_session(std::string_view session_id, std::string* error) = 0;
};

} // namespace ringbid
