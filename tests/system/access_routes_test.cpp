// The access routes (tools/node/node_access_routes.cpp) on a real HTTP server
// over loopback, with the gate on a clock the test holds: sign-in and sessions,
// tokens, the audit log, for every role: 201, 204, 400, 401, 403, 404, 413, 429.

#include "adapters/sqlite/sqlite_audit_log.hpp"
#include "adapters/sqlite/sqlite_token_store.hpp"
#include "tests/support/api_exchanges.hpp"
#include "tests/support/http_get.hpp"
#include "tools/node/node_http.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <filesystem>
#include <unistd.h>

namespace ringbid {
namespace {

using test::http_call;
using test::status_line;
namespace fs = std::filesystem;

constexpr timestamp_us t0 = 1'760'000'000'000'000;
using headers = std::vector<std::pair<std::string, std::string>>;

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << body;
  return doc;
}

class AccessRoutes : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ringbid-access-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::string error;
    store_ = sqlite_token_store::open((dir_ / "node.db").string(), &error);
    ASSERT_TRUE(store_) << error;
    audit_ = sqlite_audit_log::open((dir_ / "node.db").string(), &error);
    ASSERT_TRUE(audit_) << error;
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  void serve(api_gate_options options = {}) {
    options.now = [this] { return now_.load(); };
    node_http_parts parts;
    parts.counters = std::make_shared<node_counters>();
    parts.gate = std::make_shared<api_gate>(store_, options);
    parts.audit = audit_;
    server_ = std::make_unique<http_server>();
    add_node_routes(*server_, parts);
    auto bound = server_->listen("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.error;
    port_ = bound.port;
    origin_ = "http://127.0.0.1:" + std::to_string(bound.port);
  }

  /// A token of `role` made through the store; its secret.
  std::string mint(const std::string& role, const std::string& kind = {}, const std::string& id = {}) {
    auto made = store_->create({role, kind, id, role, "test"}, t0, nullptr);
    EXPECT_TRUE(made);
    ids_[made->secret] = made->token.id;
    return made->secret;
  }

  http_client_response call(const std::string& method, const std::string& path, const std::string& secret = {},
                            std::string body = {}) {
    headers h;
    if (!secret.empty()) h.emplace_back("Authorization", "Bearer " + secret);
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    auto r = http_call(method, origin_ + path, h, body);
    EXPECT_TRUE(r.ok()) << r.error_detail;
    test::record_exchange(method, path, body, r);
    return r;
  }

  fs::path dir_;
  std::shared_ptr<sqlite_token_store> store_;
  std::shared_ptr<sqlite_audit_log> audit_;
  std::unique_ptr<http_server> server_;
  std::string origin_;
  uint16_t port_ = 0;
  std::atomic<timestamp_us> now_{t0};
  std::map<std::string, std::string> ids_;
};

void expect_problem(const http_client_response& r, int status, const std::string& pointer = "-") {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/problem+json") << r.body;
  auto doc = parse(r.body);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(doc["status"].GetInt(), status);
  if (pointer == "-") return;
  ASSERT_TRUE(doc.HasMember("errors")) << r.body;
  bool named = false;
  for (auto& e : doc["errors"].GetArray()) named = named || e["pointer"].GetString() == pointer;
  EXPECT_TRUE(named) << "no error at " << pointer << ": " << r.body;
}

TEST_F(AccessRoutes, EveryRouteForEveryRole) {
  ASSERT_NO_FATAL_FAILURE(serve());
  struct role_case {
    std::string role, kind, id;
    bool tokens, audit;
  };
  const std::vector<role_case> roles{{"admin", "", "", true, true},
                                     {"manager", "", "", false, true},
                                     {"reporting", "campaign", "plumbing", false, false},
                                     {"publisher", "source", "summit", false, false},
                                     {"buyer", "buyer", "acme", false, false}};
  for (const auto& c : roles) {
    SCOPED_TRACE(c.role);
    auto secret = mint(c.role, c.kind, c.id);
    auto me = call("GET", "/api/v1/session", secret);
    ASSERT_EQ(me.status, 200) << me.body;
    auto who = parse(me.body);
    EXPECT_EQ(std::string(who["role"].GetString()), c.role);
    EXPECT_EQ(std::string(who["token_id"].GetString()), ids_[secret]);
    EXPECT_FALSE(who["open"].GetBool());
    if (c.kind.empty())
      EXPECT_TRUE(who["scope"].IsNull());
    else
      EXPECT_EQ(std::string(who["scope"]["id"].GetString()), c.id);

    auto list = call("GET", "/api/v1/tokens", secret);
    auto made = call("POST", "/api/v1/tokens", secret, R"({"role":"reporting","label":"made by )" + c.role + "\"}");
    auto victim = mint("reporting");
    auto revoked = call("DELETE", "/api/v1/tokens/" + ids_[victim], secret);
    auto log = call("GET", "/api/v1/audit", secret);
    if (c.tokens) {
      EXPECT_EQ(list.status, 200) << list.body;
      EXPECT_EQ(made.status, 201) << made.body;
      EXPECT_EQ(revoked.status, 204) << revoked.body;
      EXPECT_EQ(call("GET", "/api/v1/session", victim).status, 401) << "revoked through the API: refused at once";
    } else {
      expect_problem(list, 403);
      expect_problem(made, 403);
      expect_problem(revoked, 403);
      EXPECT_EQ(call("GET", "/api/v1/session", victim).status, 200) << "a refused revoke revokes nothing";
    }
    if (c.audit)
      EXPECT_EQ(log.status, 200) << log.body;
    else
      expect_problem(log, 403);
  }
  // Without credentials, or with a wrong one, every route is 401 with the challenge.
  for (const std::string secret : {"", "rb_wrong"}) {
    for (auto [method, path] :
         {std::pair{"GET", "/api/v1/session"}, std::pair{"GET", "/api/v1/tokens"}, std::pair{"POST", "/api/v1/tokens"},
          std::pair{"DELETE", "/api/v1/tokens/tk_x"}, std::pair{"GET", "/api/v1/audit"}}) {
      auto r = call(method, path, secret, std::string(method) == "POST" ? R"({"role":"admin"})" : "");
      expect_problem(r, 401);
      EXPECT_EQ(r.header("www-authenticate"), "Bearer realm=\"ringbid\"") << method << " " << path;
    }
  }
}

TEST_F(AccessRoutes, TokensAreShownOnceAndNeverListedWithTheirSecret) {
  ASSERT_NO_FATAL_FAILURE(serve());
  auto admin = mint("admin");
  auto made = call("POST", "/api/v1/tokens", admin,
                   R"({"role":"publisher","scope":{"kind":"source","id":"summit"},"label":"Summit"})");
  ASSERT_EQ(made.status, 201) << made.body;
  auto doc = parse(made.body);
  std::string secret = doc["secret"].GetString();
  std::string id = doc["token"]["id"].GetString();
  EXPECT_TRUE(secret.starts_with("rb_"));
  EXPECT_EQ(made.header("location"), "/api/v1/tokens/" + id);
  EXPECT_EQ(std::string(doc["token"]["created_by"].GetString()), ids_[admin]);
  // The new token works with its role and scope.
  auto me = parse(call("GET", "/api/v1/session", secret).body);
  EXPECT_EQ(std::string(me["role"].GetString()), "publisher");
  EXPECT_EQ(std::string(me["scope"]["kind"].GetString()), "source");
  auto list = call("GET", "/api/v1/tokens", admin);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find(secret), std::string::npos);
  EXPECT_EQ(list.body.find(secret.substr(3)), std::string::npos);
  EXPECT_EQ(list.body.find("hash"), std::string::npos);
  auto items = parse(list.body);
  ASSERT_EQ(items["items"].Size(), 2u);
  const rapidjson::Value* listed = nullptr;
  for (auto& t : items["items"].GetArray())
    if (t["id"].GetString() == id) listed = &t;
  ASSERT_NE(listed, nullptr) << list.body;
  EXPECT_EQ(std::string((*listed)["label"].GetString()), "Summit");
  EXPECT_FALSE((*listed)["last_used_at"].IsNull()) << "used just now";
  // Revoked: 204, again 204, unknown 404.
  EXPECT_EQ(call("DELETE", "/api/v1/tokens/" + id, admin).status, 204);
  EXPECT_EQ(call("DELETE", "/api/v1/tokens/" + id, admin).status, 204);
  expect_problem(call("DELETE", "/api/v1/tokens/tk_000000000000", admin), 404);
  expect_problem(call("GET", "/api/v1/session", secret), 401);
}

TEST_F(AccessRoutes, BadBodiesNameTheirPointers) {
  ASSERT_NO_FATAL_FAILURE(serve());
  auto admin = mint("admin");
  expect_problem(call("POST", "/api/v1/tokens", admin, R"({"role": "admin")"), 400, "");
  expect_problem(call("POST", "/api/v1/tokens", admin, "[]"), 400, "");
  expect_problem(call("POST", "/api/v1/tokens", admin, R"({"role":"boss"})"), 400, "/role");
  expect_problem(call("POST", "/api/v1/tokens", admin, R"({"label":"x"})"), 400, "/role");
  expect_problem(call("POST", "/api/v1/tokens", admin, R"({"role":7})"), 400, "/role");
  expect_problem(call("POST", "/api/v1/tokens", admin, R"({"role":"publisher"})"), 400, "/scope");
  expect_problem(call("POST", "/api/v1/tokens", admin, R"({"role":"admin","scope":{"kind":"source","id":"s"}})"), 400,
                 "/scope/kind");
  expect_problem(call("POST", "/api/v1/tokens", admin, R"({"role":"buyer","scope":{"kind":"buyer","id":"a b"}})"), 400,
                 "/scope/id");
  expect_problem(call("POST", "/api/v1/tokens", admin, R"({"role":"buyer","scope":{"kind":"did","id":"x"}})"), 400,
                 "/scope/kind");
  expect_problem(call("POST", "/api/v1/tokens", admin, R"({"role":"admin","label":["x"]})"), 400, "/label");
  expect_problem(call("POST", "/api/v1/session", {}, R"({"token":5})"), 400, "/token");
  expect_problem(call("POST", "/api/v1/session", {}, "nope"), 400, "");
  // Declared larger than the server's limit (1 MiB): 413 before any handler
  // (sent by hand: a client still writing a body it refused would see a broken pipe).
  EXPECT_EQ(status_line(port_, "POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + admin +
                                 "\r\nContent-Length: 2097152\r\n\r\n"),
            "HTTP/1.1 413");
  std::vector<api_token> all;
  ASSERT_TRUE(store_->list(all, nullptr));
  EXPECT_EQ(all.size(), 1u) << "no bad request made a token";
}

TEST_F(AccessRoutes, SignInGivesAnHttpOnlyStrictSessionUntilSignOut) {
  ASSERT_NO_FATAL_FAILURE(serve());
  auto secret = mint("manager");
  expect_problem(call("POST", "/api/v1/session", {}, R"({"token":"rb_wrong"})"), 401);
  auto in = call("POST", "/api/v1/session", {}, R"({"token":")" + secret + "\"}");
  ASSERT_EQ(in.status, 204) << in.body;
  std::string set_cookie{in.header("set-cookie")};
  for (auto attribute : {"ringbid_session=", "HttpOnly", "SameSite=Strict", "Path=/"})
    EXPECT_NE(set_cookie.find(attribute), std::string::npos) << set_cookie;
  auto cookie = set_cookie.substr(0, set_cookie.find(';'));
  auto me = http_call("GET", origin_ + "/api/v1/session", {{"Cookie", cookie}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(std::string(parse(me.body)["role"].GetString()), "manager");
  EXPECT_EQ(http_call("GET", origin_ + "/api/v1/audit", {{"Cookie", cookie}}).status, 200);
  EXPECT_EQ(http_call("GET", origin_ + "/api/v1/tokens", {{"Cookie", cookie}}).status, 403);
  auto out = http_call("DELETE", origin_ + "/api/v1/session", {{"Cookie", cookie}});
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(std::string(out.header("set-cookie")).find("Max-Age=0"), std::string::npos);
  expect_problem(http_call("GET", origin_ + "/api/v1/session", {{"Cookie", cookie}}), 401);
  // The sign-in page is there for anyone.
  auto page = http_call("GET", origin_ + "/signin");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<label for=\"token\""), std::string::npos);
  EXPECT_EQ(http_call("GET", origin_ + "/assets/signin.js").status, 200);
}

TEST_F(AccessRoutes, ChangesAndSignInsAreAuditedWithTheAddressAndPaged) {
  ASSERT_NO_FATAL_FAILURE(serve());
  auto admin = mint("admin");
  auto made =
    parse(call("POST", "/api/v1/tokens", admin, R"({"role":"buyer","scope":{"kind":"buyer","id":"acme"}})").body);
  std::string id = made["token"]["id"].GetString();
  ASSERT_EQ(call("POST", "/api/v1/session", {}, R"({"token":")" + admin + "\"}").status, 204);
  ASSERT_EQ(call("DELETE", "/api/v1/tokens/" + id, admin).status, 204);
  auto log = call("GET", "/api/v1/audit", admin);
  ASSERT_EQ(log.status, 200) << log.body;
  auto doc = parse(log.body);
  const auto& items = doc["items"];
  ASSERT_EQ(items.Size(), 3u) << log.body;
  EXPECT_EQ(std::string(items[0]["action"].GetString()), "token.revoke");
  EXPECT_EQ(std::string(items[1]["action"].GetString()), "session.create");
  EXPECT_EQ(std::string(items[2]["action"].GetString()), "token.create");
  for (auto& e : items.GetArray()) {
    EXPECT_EQ(std::string(e["address"].GetString()), "127.0.0.1");
    EXPECT_EQ(std::string(e["token_id"].GetString()), ids_[admin]);
    EXPECT_EQ(std::string(e["role"].GetString()), "admin");
    EXPECT_EQ(e["at_us"].GetInt64(), t0);
  }
  EXPECT_EQ(std::string(items[2]["detail"]["scope"]["id"].GetString()), "acme");
  EXPECT_TRUE(doc["next_cursor"].IsNull());
  // Filters and pages.
  auto of_token = parse(call("GET", "/api/v1/audit?entity=token/" + id, admin).body);
  EXPECT_EQ(of_token["items"].Size(), 2u);
  auto first = parse(call("GET", "/api/v1/audit?limit=2", admin).body);
  ASSERT_EQ(first["items"].Size(), 2u);
  ASSERT_TRUE(first["next_cursor"].IsString());
  auto second =
    parse(call("GET", std::string("/api/v1/audit?limit=2&cursor=") + first["next_cursor"].GetString(), admin).body);
  ASSERT_EQ(second["items"].Size(), 1u);
  EXPECT_EQ(std::string(second["items"][0]["action"].GetString()), "token.create");
  EXPECT_TRUE(second["next_cursor"].IsNull());
  EXPECT_EQ(parse(call("GET", "/api/v1/audit?until=2020-01-01", admin).body)["items"].Size(), 0u);
  EXPECT_EQ(parse(call("GET", "/api/v1/audit?since=2020-01-01", admin).body)["items"].Size(), 3u);
  for (auto bad : {"limit=0", "limit=501", "limit=x", "cursor=-1", "since=yesterday", "entity=%zz"})
    expect_problem(call("GET", std::string("/api/v1/audit?") + bad, admin), 400);
}

TEST_F(AccessRoutes, TheRateLimitAnswers429WithRetryAfter) {
  api_gate_options o;
  o.rate = {1, 3};
  ASSERT_NO_FATAL_FAILURE(serve(o));
  auto secret = mint("reporting");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("GET", "/api/v1/session", secret).status, 200) << i;
  auto limited = call("GET", "/api/v1/session", secret);
  expect_problem(limited, 429);
  EXPECT_EQ(limited.header("retry-after"), "1");
  now_ += 1'000'000;
  EXPECT_EQ(call("GET", "/api/v1/session", secret).status, 200);
}

TEST_F(AccessRoutes, TheOpenModeIsAnAdminWithoutCredentialsOnly) {
  api_gate_options o;
  o.open_when_no_token = true;
  ASSERT_NO_FATAL_FAILURE(serve(o));
  auto me = call("GET", "/api/v1/session");
  ASSERT_EQ(me.status, 200);
  EXPECT_TRUE(parse(me.body)["open"].GetBool());
  EXPECT_EQ(call("POST", "/api/v1/tokens", {}, R"({"role":"manager"})").status, 201);
  expect_problem(call("GET", "/api/v1/tokens", "rb_wrong"), 401);
  auto log = parse(call("GET", "/api/v1/audit").body);
  ASSERT_EQ(log["items"].Size(), 1u);
  EXPECT_EQ(std::string(log["items"][0]["token_id"].GetString()), "open");
}

} // namespace
} // namespace ringbid
