#include "adapters/http/api_gate.hpp"

#include "adapters/http/access_token.hpp"
#include "adapters/http/problem_json.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <stdexcept>

namespace ringbid {

namespace {

constexpr size_t max_cached = 4'096;
constexpr std::string_view bootstrap_id = "bootstrap";

timestamp_us system_now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string sha256_hex(std::string_view text) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(text.data()), text.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return hex.data();
}

std::string bearer_of(const http_request& request) {
  auto auth = request.header("authorization");
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer "))
    return std::string(auth.substr(7));
  return {};
}

http_response unavailable(const std::string& why) {
  return problem_response({503, "token-store-unavailable", "Cannot check the token", why, {}});
}

} // namespace

audit_entry audit_entry_of(const api_principal& who, const http_request& request, timestamp_us at, std::string action,
                           std::string entity_kind, std::string entity_id) {
  audit_entry e;
  e.at = at;
  e.token_id = who.token_id;
  e.role = std::string(to_string(who.role));
  e.address = request.remote_address;
  e.action = std::move(action);
  e.entity_kind = std::move(entity_kind);
  e.entity_id = std::move(entity_id);
  return e;
}

http_response unauthorized_response(std::string detail) {
  auto r = problem_response({401, "unauthorized", "Sign in first", std::move(detail), {}});
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ringbid\"");
  return r;
}

http_response forbidden_response(const api_principal& who, api_right right) {
  return problem_response({403,
                           "forbidden",
                           "Not allowed for this role",
                           "a " + std::string(to_string(who.role)) + " token may not " + std::string(to_string(right)),
                           {}});
}

http_response too_many_requests_response(int64_t retry_after_s) {
  auto r = problem_response({429,
                             "rate-limited",
                             "Too many requests",
                             "this token's rate limit is reached; retry in " + std::to_string(retry_after_s) + " s",
                             {}});
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return r;
}

api_gate::api_gate(std::shared_ptr<token_store> store, api_gate_options options)
  : store_(std::move(store)), options_(std::move(options)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
}

timestamp_us api_gate::now() const { return options_.now ? options_.now() : system_now_us(); }

api_principal api_gate::bootstrap_principal() const {
  api_principal p;
  p.token_id = std::string(bootstrap_id);
  p.role = api_role::admin;
  p.label = "--access-token";
  return p;
}

std::string api_gate::bootstrap_session_owner() const {
  // Names this bootstrap token: a session signed in with it ends when the
  // node is started with another one.
  return std::string(bootstrap_id) + ":" + sha256_hex(options_.bootstrap_token).substr(0, 16);
}

std::optional<api_principal> api_gate::from_cache(const std::string& key, timestamp_us now) {
  std::lock_guard guard{mutex_};
  auto i = cache_.find(key);
  if (i == cache_.end()) return std::nullopt;
  if (now >= i->second.until) {
    cache_.erase(i);
    return std::nullopt;
  }
  return i->second.who;
}

void api_gate::remember(const std::string& key, const api_principal& who, timestamp_us until) {
  std::lock_guard guard{mutex_};
  if (cache_.size() >= max_cached) cache_.clear();
  cache_[key] = {who, until};
}

api_gate::lookup api_gate::by_token_row(const std::optional<api_token>& row, api_principal& who) {
  if (!row || row->revoked()) return lookup::refused;
  auto role = parse_api_role(row->role);
  if (!role) return lookup::refused; // written by a newer build: refused, never guessed
  who = {};
  who.token_id = row->id;
  who.role = *role;
  who.scope_kind = row->scope_kind;
  who.scope_id = row->scope_id;
  who.label = row->label;
  return lookup::found;
}

api_gate::lookup api_gate::by_secret(std::string_view secret, api_principal& who, std::string* error) {
  if (!options_.bootstrap_token.empty() && token_matches(secret, options_.bootstrap_token)) {
    who = bootstrap_principal();
    return lookup::found;
  }
  auto now = this->now();
  auto key = "t:" + std::string(secret);
  if (auto hit = from_cache(key, now)) {
    who = *hit;
    return lookup::found;
  }
  std::optional<api_token> row;
  if (!store_->find_by_secret(secret, row, error)) return lookup::failed;
  auto found = by_token_row(row, who);
  if (found != lookup::found) return found;
  store_->mark_used(who.token_id, now, nullptr); // best effort: a failed stamp refuses nobody
  remember(key, who, now + options_.cache_us);
  return lookup::found;
}

api_gate::lookup api_gate::by_session(std::string_view session_id, api_principal& who, std::string* error) {
  auto now = this->now();
  auto key = "s:" + std::string(session_id);
  if (auto hit = from_cache(key, now)) {
    who = *hit;
    return lookup::found;
  }
  std::optional<api_session> session;
  if (!store_->find_session(session_id, now, session, error)) return lookup::failed;
  if (!session) return lookup::refused;
  if (session->token_id.starts_with(bootstrap_id)) {
    if (options_.bootstrap_token.empty() || session->token_id != bootstrap_session_owner()) return lookup::refused;
    who = bootstrap_principal();
  } else {
    std::optional<api_token> row;
    if (!store_->find(session->token_id, row, error)) return lookup::failed;
    auto found = by_token_row(row, who);
    if (found != lookup::found) return found;
    store_->mark_used(who.token_id, now, nullptr);
  }
  remember(key, who, std::min(now + options_.cache_us, session->expires_at));
  return lookup::found;
}

std::optional<api_principal> api_gate::principal_of_secret(std::string_view secret, std::string* error) {
  api_principal who;
  if (secret.empty() || by_secret(secret, who, error) != lookup::found) return std::nullopt;
  return who;
}

int64_t api_gate::take(const api_principal& who, timestamp_us now) {
  if (who.open) return 0; // anonymous on loopback: nobody to hold to a rate
  std::lock_guard guard{mutex_};
  auto i = buckets_.find(who.token_id);
  if (i == buckets_.end()) i = buckets_.emplace(who.token_id, token_bucket{options_.rate, now}).first;
  return i->second.take(now);
}

api_admission api_gate::authenticate(const http_request& request) {
  api_principal who;
  std::string error;
  lookup found = lookup::refused;
  std::string refused_why;
  if (auto bearer = bearer_of(request); !bearer.empty()) {
    found = by_secret(bearer, who, &error);
    refused_why = "the bearer token is not valid (unknown or revoked)";
  } else if (auto session = cookie_value(request, session_cookie_name); !session.empty()) {
    found = by_session(session, who, &error);
    refused_why = "the session has ended (signed out, expired, or its token revoked): sign in again at /signin";
  } else if (auto legacy = presented_token(request); !legacy.empty()) {
    found = by_secret(legacy, who, &error);
    refused_why = "the token is not valid (unknown or revoked)";
  } else if (options_.open_when_no_token) {
    who = {};
    who.token_id = "open";
    who.role = api_role::admin;
    who.label = "loopback, no token asked";
    who.open = true;
    found = lookup::found;
  } else {
    return unauthorized_response("this node asks for a token: send Authorization: Bearer TOKEN, or sign in at /signin");
  }
  if (found == lookup::failed) return unavailable(error);
  if (found == lookup::refused) return unauthorized_response(refused_why);
  if (auto wait = take(who, now()); wait > 0) return too_many_requests_response(wait);
  return who;
}

api_admission api_gate::admit(const http_request& request, api_right right) {
  auto result = authenticate(request);
  if (auto* who = std::get_if<api_principal>(&result); who && !who->may(right)) return forbidden_response(*who, right);
  return result;
}

std::optional<std::string> api_gate::open_session(const api_principal& who, std::string* error) {
  auto now = this->now();
  auto owner = who.token_id == bootstrap_id ? bootstrap_session_owner() : who.token_id;
  auto id = store_->create_session(owner, now, now + options_.session_lifetime_us, error);
  if (!id) return std::nullopt;
  return std::string(session_cookie_name) + "=" + *id +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(options_.session_lifetime_us / 1'000'000);
}

std::string api_gate::close_session(const http_request& request) {
  if (auto session = cookie_value(request, session_cookie_name); !session.empty()) {
    store_->delete_session(session, nullptr);
    std::lock_guard guard{mutex_};
    cache_.erase("s:" + session);
  }
  return std::string(session_cookie_name) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
}

token_store::revoke_result api_gate::revoke(const std::string& token_id, std::string* error) {
  auto result = store_->revoke(token_id, now(), error);
  if (result == token_store::revoke_result::revoked || result == token_store::revoke_result::already_revoked) {
    std::lock_guard guard{mutex_};
    std::erase_if(cache_, [&](const auto& entry) { return entry.second.who.token_id == token_id; });
    buckets_.erase(token_id);
  }
  return result;
}

} // namespace ringbid
