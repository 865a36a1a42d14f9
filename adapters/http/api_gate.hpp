#pragma once
// The API's gate: who a request comes from (an api_principal), or the refusal
// to send instead, as RFC 9457 problems (problem_json):
//   401 (WWW-Authenticate: Bearer realm="ringbid")  no credentials, an unknown
//       or revoked token, an expired or unknown session
//   403  the caller's role lacks the route's right
//   429 (Retry-After: seconds)  the token's rate limit
//   503  the token store cannot be read
//
// Credentials, the first one present decides: `Authorization: Bearer SECRET`,
// the session cookie `ringbid_session` (set by sign-in, POST /api/v1/session),
// then the dashboard's older ways: the cookie `ringbid_token` or `?token=`.
//
// Tokens are looked up through the token_store port. Positive answers are kept
// in memory for `cache_us` (half a second by default), so a token revoked by
// `ringbid tokens revoke` in another process is refused within a second; one
// revoked through revoke() here is refused at once.
//
// Open mode (`open_when_no_token`: the node listens on loopback only and was
// given no --access-token): a request without any credentials is an admin with
// `open = true`; one with a wrong credential is still refused. The node's
// --access-token (`bootstrap_token`) is accepted as an admin.
//
// Thread-safe; called on the HTTP server's io thread. The store's lookups are
// point reads of SQLite (and rare, with the cache).

#include "actors/core/api_roles.hpp"
#include "actors/core/token_bucket.hpp"
#include "actors/ports/audit_log.hpp"
#include "actors/ports/token_store.hpp"
#include "adapters/http/http_server.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

namespace ringbid {

/// The session cookie's name.
inline constexpr std::string_view session_cookie_name = "ringbid_session";

struct api_gate_options {
  bool open_when_no_token = false;
  std::string bootstrap_token; ///< "": none
  token_bucket_rule rate{50, 100};
  timestamp_us cache_us = 500'000;
  timestamp_us session_lifetime_us = int64_t{12} * 3600 * 1'000'000;
  std::function<timestamp_us()> now; ///< unix µs; the system clock when empty
};

/// The caller, or the response that refuses the request.
using api_admission = std::variant<api_principal, http_response>;

class api_gate {
public:
  api_gate(std::shared_ptr<token_store> store, api_gate_options options);

  /// Who sent `request` (and takes one from its rate limit): a principal, or
  /// 401 / 429 / 503.
  api_admission authenticate(const http_request& request);
  /// authenticate, then 403 unless the principal's role has `right`.
  api_admission admit(const http_request& request, api_right right);

  /// The principal a token's secret stands for (the bootstrap token included);
  /// nullopt for an unknown or revoked one, or when the store fails (`*error`).
  std::optional<api_principal> principal_of_secret(std::string_view secret, std::string* error = nullptr);

  /// Signs `who` in: a new session, as the Set-Cookie value to send (HttpOnly,
  /// SameSite=Strict, Path=/). nullopt + `*error` when the store fails.
  std::optional<std::string> open_session(const api_principal& who, std::string* error);
  /// Signs the request's session out (if it has one). The Set-Cookie value
  /// that clears the cookie.
  std::string close_session(const http_request& request);

  /// Revokes a token: its next request is refused, here at once.
  token_store::revoke_result revoke(const std::string& token_id, std::string* error);

  bool open_mode() const { return options_.open_when_no_token; }
  timestamp_us now() const;
  token_store& store() { return *store_; }

private:
  struct cached {
    api_principal who;
    timestamp_us until = 0;
  };
  enum class lookup { found, refused, failed };

  lookup by_secret(std::string_view secret, api_principal& who, std::string* error);
  lookup by_session(std::string_view session_id, api_principal& who, std::string* error);
  lookup by_token_row(const std::optional<api_token>& row, api_principal& who);
  std::optional<api_principal> from_cache(const std::string& key, timestamp_us now);
  void remember(const std::string& key, const api_principal& who, timestamp_us until);
  /// 0, or the seconds to wait.
  int64_t take(const api_principal& who, timestamp_us now);
  api_principal bootstrap_principal() const;
  std::string bootstrap_session_owner() const;

  std::shared_ptr<token_store> store_;
  api_gate_options options_;
  std::mutex mutex_;
  std::unordered_map<std::string, cached> cache_; ///< "t:" + secret or "s:" + session id
  std::unordered_map<std::string, token_bucket> buckets_;
};

/// The audit entry of a change `who` made through `request`, stamped `at`:
/// token id, role and address filled in; revision and detail left to the caller.
audit_entry audit_entry_of(const api_principal& who, const http_request& request, timestamp_us at, std::string action,
                           std::string entity_kind, std::string entity_id);

/// 401 with WWW-Authenticate: Bearer realm="ringbid".
http_response unauthorized_response(std::string detail);
/// 403 naming the role and the right it lacks.
http_response forbidden_response(const api_principal& who, api_right right);
/// 429 with Retry-After.
http_response too_many_requests_response(int64_t retry_after_s);

} // namespace ringbid
