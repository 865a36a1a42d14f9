// The API's gate (adapters/http/api_gate) over a real token store, on a clock
// the test moves: 401, 403, 429 with Retry-After, sessions, revocation and the
// cache, the open mode and the bootstrap token.

#include "adapters/http/api_gate.hpp"
#include "adapters/sqlite/sqlite_token_store.hpp"

#include <gtest/gtest.h>

namespace ringbid {
namespace {

constexpr timestamp_us t0 = 1'760'000'000'000'000;
constexpr timestamp_us ms = 1'000;

class ApiGate : public ::testing::Test {
protected:
  void SetUp() override {
    std::string error;
    store_ = sqlite_token_store::open(":memory:", &error);
    ASSERT_TRUE(store_) << error;
  }

  std::unique_ptr<api_gate> gate(api_gate_options options = {}) {
    options.now = [this] { return now_; };
    return std::make_unique<api_gate>(store_, options);
  }

  std::string mint(std::string role, std::string kind = {}, std::string id = {}) {
    auto made = store_->create({role, kind, id, role + " token", "test"}, now_, nullptr);
    EXPECT_TRUE(made);
    ids_[made->secret] = made->token.id;
    return made->secret;
  }

  static http_request bearer(const std::string& secret) {
    http_request r;
    r.method = "GET";
    r.path = "/api/v1/anything";
    r.headers = {{"Authorization", "Bearer " + secret}};
    r.remote_address = "127.0.0.1";
    return r;
  }
  static http_request cookie(const std::string& value) {
    http_request r;
    r.method = "GET";
    r.path = "/";
    r.headers = {{"Cookie", "theme=dark; " + value}};
    return r;
  }

  std::shared_ptr<sqlite_token_store> store_;
  timestamp_us now_ = t0;
  std::map<std::string, std::string> ids_;
};

int status_of(const api_admission& a) {
  if (auto* r = std::get_if<http_response>(&a)) return r->status;
  return 200;
}

std::string header_of(const api_admission& a, std::string_view name) {
  if (auto* r = std::get_if<http_response>(&a))
    for (auto& [k, v] : r->headers)
      if (k == name) return v;
  return {};
}

TEST_F(ApiGate, ATokenIsItsRoleAndScope) {
  auto g = gate();
  auto secret = mint("publisher", "source", "summit");
  auto a = g->authenticate(bearer(secret));
  ASSERT_EQ(status_of(a), 200);
  const auto& who = std::get<api_principal>(a);
  EXPECT_EQ(who.token_id, ids_[secret]);
  EXPECT_EQ(who.role, api_role::publisher);
  EXPECT_EQ(who.scope_kind, "source");
  EXPECT_EQ(who.scope_id, "summit");
  EXPECT_EQ(who.label, "publisher token");
  EXPECT_FALSE(who.open);
  // Its use is stamped.
  std::optional<api_token> row;
  ASSERT_TRUE(store_->find(ids_[secret], row, nullptr));
  EXPECT_EQ(row->last_used_at, t0);
}

TEST_F(ApiGate, NoUnknownOrRevokedCredentialsAre401ProblemsWithAChallenge) {
  auto g = gate();
  auto secret = mint("admin");
  for (const auto& req : {http_request{}, bearer("rb_wrong"), bearer(secret + "x"), cookie("ringbid_session=nope"),
                          cookie("ringbid_token=nope")}) {
    auto a = g->authenticate(req);
    ASSERT_EQ(status_of(a), 401);
    const auto& r = std::get<http_response>(a);
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_NE(r.body.find("\"status\":401"), std::string::npos) << r.body;
    EXPECT_EQ(header_of(a, "WWW-Authenticate"), "Bearer realm=\"ringbid\"");
  }
  EXPECT_EQ(status_of(g->authenticate(bearer(secret))), 200);
  std::string error;
  EXPECT_EQ(g->revoke(ids_[secret], &error), token_store::revoke_result::revoked) << error;
  EXPECT_EQ(status_of(g->authenticate(bearer(secret))), 401) << "a revoke through the gate counts at once";
}

TEST_F(ApiGate, ARoleWithoutTheRightIs403) {
  auto g = gate();
  struct expectation {
    std::string role, kind, id;
  };
  for (const auto& [role, kind, id] : std::vector<expectation>{{"admin", "", ""},
                                                               {"manager", "", ""},
                                                               {"reporting", "", ""},
                                                               {"publisher", "source", "s"},
                                                               {"buyer", "buyer", "b"}}) {
    auto secret = mint(role, kind, id);
    auto parsed = *parse_api_role(role);
    for (auto right : {api_right::read_config, api_right::write_config, api_right::read_figures, api_right::read_leads,
                       api_right::manage_tokens, api_right::read_audit}) {
      auto a = g->admit(bearer(secret), right);
      EXPECT_EQ(status_of(a), role_may(parsed, right) ? 200 : 403) << role << " " << to_string(right);
      if (status_of(a) == 403) {
        EXPECT_NE(std::get<http_response>(a).body.find(std::string(to_string(right))), std::string::npos);
      }
    }
  }
}

TEST_F(ApiGate, TheRateLimitAnswers429WithRetryAfterThenRecovers) {
  api_gate_options o;
  o.rate = {2, 5};
  auto g = gate(o);
  auto a = mint("reporting");
  auto b = mint("reporting");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(status_of(g->authenticate(bearer(a))), 200) << i;
  auto refused = g->authenticate(bearer(a));
  ASSERT_EQ(status_of(refused), 429);
  EXPECT_EQ(header_of(refused, "Retry-After"), "1");
  EXPECT_EQ(std::get<http_response>(refused).content_type, "application/problem+json");
  EXPECT_EQ(status_of(g->authenticate(bearer(b))), 200) << "per token: another token is not held back";
  now_ += 499 * ms;
  EXPECT_EQ(status_of(g->authenticate(bearer(a))), 429);
  now_ += 2 * ms;
  EXPECT_EQ(status_of(g->authenticate(bearer(a))), 200) << "one token back after half a second at 2/s";
  EXPECT_EQ(status_of(g->authenticate(bearer(a))), 429);
}

TEST_F(ApiGate, ARevokeElsewhereCountsOnceTheCacheExpires) {
  api_gate_options o;
  o.cache_us = 500 * ms;
  auto g = gate(o);
  auto secret = mint("manager");
  ASSERT_EQ(status_of(g->authenticate(bearer(secret))), 200);
  // Another process (the CLI) revokes it in the same database.
  ASSERT_EQ(store_->revoke(ids_[secret], now_, nullptr), token_store::revoke_result::revoked);
  now_ += 100 * ms;
  EXPECT_EQ(status_of(g->authenticate(bearer(secret))), 200) << "still cached";
  now_ += 400 * ms;
  EXPECT_EQ(status_of(g->authenticate(bearer(secret))), 401) << "refused within the cache's half second";
}

TEST_F(ApiGate, SessionsSignInAndOut) {
  auto g = gate();
  auto secret = mint("buyer", "buyer", "acme");
  auto who = g->principal_of_secret(secret);
  ASSERT_TRUE(who);
  EXPECT_FALSE(g->principal_of_secret("rb_nope"));
  std::string error;
  auto set_cookie = g->open_session(*who, &error);
  ASSERT_TRUE(set_cookie) << error;
  for (auto attribute : {"HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"})
    EXPECT_NE(set_cookie->find(attribute), std::string::npos) << *set_cookie;
  ASSERT_TRUE(set_cookie->starts_with("ringbid_session="));
  auto value = set_cookie->substr(0, set_cookie->find(';'));
  auto a = g->authenticate(cookie(value));
  ASSERT_EQ(status_of(a), 200);
  EXPECT_EQ(std::get<api_principal>(a).scope_id, "acme");
  // Twelve hours later the session is over.
  now_ += int64_t{12} * 3600 * 1'000'000;
  EXPECT_EQ(status_of(g->authenticate(cookie(value))), 401);
  // A new one, signed out: refused at once.
  auto again = g->open_session(*who, &error);
  ASSERT_TRUE(again);
  auto second = again->substr(0, again->find(';'));
  ASSERT_EQ(status_of(g->authenticate(cookie(second))), 200);
  auto cleared = g->close_session(cookie(second));
  EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(status_of(g->authenticate(cookie(second))), 401);
  // Revoking the token ends its sessions.
  auto third_cookie = g->open_session(*who, &error);
  ASSERT_TRUE(third_cookie);
  auto third = third_cookie->substr(0, third_cookie->find(';'));
  ASSERT_EQ(status_of(g->authenticate(cookie(third))), 200);
  g->revoke(ids_[secret], nullptr);
  EXPECT_EQ(status_of(g->authenticate(cookie(third))), 401);
}

TEST_F(ApiGate, TheOpenModeAdmitsOnlyRequestsWithoutCredentials) {
  api_gate_options o;
  o.open_when_no_token = true;
  o.rate = {1, 1};
  auto g = gate(o);
  auto a = g->admit(http_request{}, api_right::manage_tokens);
  ASSERT_EQ(status_of(a), 200);
  EXPECT_TRUE(std::get<api_principal>(a).open);
  EXPECT_EQ(std::get<api_principal>(a).role, api_role::admin);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(status_of(g->authenticate(http_request{})), 200) << "no rate for anonymous";
  EXPECT_EQ(status_of(g->authenticate(bearer("rb_wrong"))), 401);
  EXPECT_EQ(status_of(g->authenticate(cookie("ringbid_session=stale"))), 401);
  auto secret = mint("publisher", "source", "s");
  auto p = g->admit(bearer(secret), api_right::read_audit);
  EXPECT_EQ(status_of(p), 403) << "a token is its role, open mode or not";
  EXPECT_FALSE(gate()->open_mode());
  EXPECT_EQ(status_of(gate()->authenticate(http_request{})), 401);
}

TEST_F(ApiGate, TheBootstrapTokenIsAnAdminEveryWayItComes) {
  api_gate_options o;
  o.bootstrap_token = "s3cret";
  auto g = gate(o);
  http_request query;
  query.query = "token=s3cret";
  for (const auto& req : {bearer("s3cret"), cookie("ringbid_token=s3cret"), query}) {
    auto a = g->admit(req, api_right::manage_tokens);
    ASSERT_EQ(status_of(a), 200);
    EXPECT_EQ(std::get<api_principal>(a).token_id, "bootstrap");
    EXPECT_FALSE(std::get<api_principal>(a).open);
  }
  EXPECT_EQ(status_of(g->authenticate(bearer("s3cre"))), 401);
  // Its sessions end when the node runs with another bootstrap token.
  auto set_cookie = g->open_session(*g->principal_of_secret("s3cret"), nullptr);
  ASSERT_TRUE(set_cookie);
  auto value = set_cookie->substr(0, set_cookie->find(';'));
  EXPECT_EQ(status_of(g->authenticate(cookie(value))), 200);
  api_gate_options other;
  other.bootstrap_token = "another";
  EXPECT_EQ(status_of(gate(other)->authenticate(cookie(value))), 401);
  EXPECT_EQ(status_of(gate()->authenticate(cookie(value))), 401);
}

TEST_F(ApiGate, TheBearerHeaderWinsOverCookies) {
  auto g = gate();
  auto secret = mint("reporting");
  auto r = bearer("rb_wrong");
  r.headers.emplace_back("Cookie", "ringbid_token=" + secret);
  EXPECT_EQ(status_of(g->authenticate(r)), 401);
  auto ok = bearer(secret);
  ok.headers.emplace_back("Cookie", "ringbid_session=stale");
  EXPECT_EQ(status_of(g->authenticate(ok)), 200);
}

} // namespace
} // namespace ringbid
