// The configuration routes (tools/node/config_*_routes.cpp) on a real HTTP
// server over loopback, with the node's control plane (a config_applier on a
// database seeded with examples/demo.json) but no actor system: every route,
// every role, every error, ETag / If-Match, Idempotency-Key, archive keeping
// history, rollback and the import / export round trip.
// Every exchange is recorded for the OpenAPI check (tests/support/api_exchanges.hpp).

#include "adapters/config/config_revision.hpp"
#include "adapters/sqlite/sqlite_audit_log.hpp"
#include "adapters/sqlite/sqlite_config_store.hpp"
#include "adapters/sqlite/sqlite_idempotency_store.hpp"
#include "adapters/sqlite/sqlite_token_store.hpp"
#include "tests/support/api_exchanges.hpp"
#include "tests/support/http_get.hpp"
#include "tools/node/config_apply.hpp"
#include "tools/node/node_http.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <unistd.h>

namespace ringbid {
namespace {

using test::http_call;
using test::status_line;
namespace fs = std::filesystem;

constexpr timestamp_us t0 = 1'760'000'000'000'000;
using headers = std::vector<std::pair<std::string, std::string>>;

std::string read_text(const std::string& path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>{in}, {}};
}

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << body;
  return doc;
}

std::string str(const rapidjson::Value& v) { return v.IsString() ? std::string{v.GetString()} : std::string{}; }

class ConfigRoutes : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ringbid-config-api-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto db = (dir_ / "node.db").string();
    std::string error;
    tokens_ = sqlite_token_store::open(db, &error);
    ASSERT_TRUE(tokens_) << error;
    audit_ = sqlite_audit_log::open(db, &error);
    ASSERT_TRUE(audit_) << error;
    auto store = sqlite_config_store::open(db, &error);
    ASSERT_TRUE(store) << error;
    auto idempotency = sqlite_idempotency_store::open(db, &error);
    ASSERT_TRUE(idempotency) << error;
    plane_ = std::make_shared<config_plane>(store, [this] { return now_.load(); });
    auto seeded = plane_->import_text(read_text(std::string{RINGBID_SOURCE_DIR} + "/examples/demo.json"),
                                      {"import", "admin", "seed"});
    ASSERT_EQ(seeded.status, edit_status::committed);
    auto head = plane_->head();
    config_apply_parts apply;
    apply.ctx = node_context::make(head->config, nullptr, 1, head->info.digest);
    applier_ = std::make_shared<config_applier>(plane_, apply);
    applier_->started_on(head->info.number);
    applier_->start(std::chrono::milliseconds{50});

    api_gate_options options;
    options.now = [this] { return now_.load(); };
    options.rate = {1e6, 1e6}; // the test's clock stands still: no refill
    node_http_parts parts;
    parts.counters = std::make_shared<node_counters>();
    parts.gate = std::make_shared<api_gate>(tokens_, options);
    parts.audit = audit_;
    parts.applier = applier_;
    parts.idempotency = idempotency;
    server_ = std::make_unique<http_server>();
    add_node_routes(*server_, parts);
    auto bound = server_->listen("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.error;
    port_ = bound.port;
    origin_ = "http://127.0.0.1:" + std::to_string(bound.port);
    admin_ = mint("admin");
    manager_ = mint("manager");
  }
  void TearDown() override {
    server_.reset();
    if (applier_) applier_->stop();
    fs::remove_all(dir_);
  }

  std::string mint(const std::string& role, const std::string& kind = {}, const std::string& id = {}) {
    auto made = tokens_->create({role, kind, id, role + " token", "test"}, t0, nullptr);
    EXPECT_TRUE(made);
    return made->secret;
  }

  http_client_response call(const std::string& method, const std::string& path, const std::string& secret,
                            std::string body = {}, headers extra = {}) {
    headers h = std::move(extra);
    if (!secret.empty()) h.emplace_back("Authorization", "Bearer " + secret);
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    auto r = http_call(method, origin_ + path, h, body);
    EXPECT_TRUE(r.ok()) << r.error_detail;
    test::record_exchange(method, path, body, r);
    return r;
  }

  int64_t head_number() { return plane_->store().head_number(); }

  fs::path dir_;
  std::shared_ptr<sqlite_token_store> tokens_;
  std::shared_ptr<sqlite_audit_log> audit_;
  std::shared_ptr<config_plane> plane_;
  std::shared_ptr<config_applier> applier_;
  std::unique_ptr<http_server> server_;
  std::string origin_, admin_, manager_;
  uint16_t port_ = 0;
  std::atomic<timestamp_us> now_{t0};
};

/// The problem's `errors`, pointer -> the field (detail, conflicts_with).
std::map<std::string, std::pair<std::string, std::string>> problem_fields(const http_client_response& r, int status) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/problem+json") << r.body;
  auto doc = parse(r.body);
  if (!doc.IsObject()) return out;
  EXPECT_EQ(doc["status"].GetInt(), status) << r.body;
  if (doc.HasMember("errors"))
    for (auto& e : doc["errors"].GetArray())
      out[str(e["pointer"])] = {str(e["detail"]), e.HasMember("conflicts_with") ? str(e["conflicts_with"]) : ""};
  return out;
}

std::vector<std::string> item_ids(const http_client_response& r, const char* key = "id") {
  std::vector<std::string> out;
  auto doc = parse(r.body);
  if (!doc.IsObject() || !doc.HasMember("items")) return out;
  for (auto& i : doc["items"].GetArray()) out.push_back(str(i[key]));
  return out;
}

// -- roles -------------------------------------------------------------------------

TEST_F(ConfigRoutes, AdminAndManagerMayReadAndChangeOtherRolesAreRefused) {
  struct role_case {
    std::string role, kind, id;
    bool allowed;
  };
  const std::vector<role_case> roles{{"admin", "", "", true},
                                     {"manager", "", "", true},
                                     {"reporting", "", "", false},
                                     {"publisher", "source", "summit-search", false},
                                     {"buyer", "buyer", "shieldline-auto", false}};
  const std::vector<std::pair<std::string, std::string>> reads{
    {"GET", "/api/v1/campaigns"},
    {"GET", "/api/v1/campaigns/auto-ins-national"},
    {"GET", "/api/v1/sources"},
    {"GET", "/api/v1/sources/summit-search"},
    {"GET", "/api/v1/buyers"},
    {"GET", "/api/v1/buyers/shieldline-auto"},
    {"GET", "/api/v1/dids"},
    {"GET", "/api/v1/dids/%2B18445550101"},
    {"GET", "/api/v1/caps"},
    {"GET", "/api/v1/caps/buyer:shieldline-auto:calls:hour:routed"},
    {"GET", "/api/v1/revisions"},
    {"GET", "/api/v1/revisions/1"},
    {"GET", "/api/v1/revisions/1/document"},
    {"GET", "/api/v1/config"}};
  for (const auto& c : roles) {
    SCOPED_TRACE(c.role);
    auto secret = c.role == "admin" ? admin_ : c.role == "manager" ? manager_ : mint(c.role, c.kind, c.id);
    for (const auto& [method, path] : reads) {
      auto r = call(method, path, secret);
      if (c.allowed)
        EXPECT_EQ(r.status, 200) << path << ": " << r.body;
      else
        problem_fields(r, 403);
    }
    // One change of each kind: allowed ones commit (and are undone), refused ones change nothing.
    auto before = head_number();
    auto paused = call("POST", "/api/v1/campaigns/auto-ins-national/pause", secret);
    auto resumed = call("POST", "/api/v1/campaigns/auto-ins-national/resume", secret);
    auto cap = call(
      "PUT", "/api/v1/caps/buyer:shieldline-auto:calls:hour:routed", secret,
      R"({"owner":"buyer","id":"shieldline-auto","measure":"calls","window":"hour","limit":601,"counts_on":"routed"})");
    auto did = call("DELETE", "/api/v1/dids/+18445550101", secret);
    auto rollback = call("POST", "/api/v1/revisions/1/rollback", secret);
    if (c.allowed) {
      EXPECT_EQ(paused.status, 200) << paused.body;
      EXPECT_EQ(resumed.status, 200) << resumed.body;
      EXPECT_EQ(cap.status, 200) << cap.body;
      EXPECT_EQ(did.status, 204) << did.body;
      EXPECT_EQ(rollback.status, 200) << rollback.body;
      EXPECT_EQ(head_number(), before + 5);
    } else {
      for (const auto* r : {&paused, &resumed, &cap, &did, &rollback}) problem_fields(*r, 403);
      EXPECT_EQ(head_number(), before) << "a refused change commits nothing";
    }
  }
  // Without a token, or with a wrong one: 401 with the challenge.
  for (const std::string secret : {"", "rb_wrong"}) {
    for (auto [method, path] : {std::pair{"GET", "/api/v1/campaigns"}, std::pair{"POST", "/api/v1/campaigns"},
                                std::pair{"GET", "/api/v1/caps"}, std::pair{"PUT", "/api/v1/config"}}) {
      auto r = call(method, path, secret, std::string{method} == "GET" ? "" : "{}");
      problem_fields(r, 401);
      EXPECT_EQ(r.header("www-authenticate"), "Bearer realm=\"ringbid\"");
    }
  }
}

// -- campaigns, sources, buyers ----------------------------------------------------

TEST_F(ConfigRoutes, CampaignsAreListedPagedFilteredAndReadWithTheirETag) {
  auto all = call("GET", "/api/v1/campaigns", manager_);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(item_ids(all), (std::vector<std::string>{"auto-ins-national", "plumbing-ca-tx"}));
  EXPECT_EQ(parse(all.body)["revision"].GetInt64(), head_number());
  EXPECT_EQ(all.header("ringbid-revision"), std::to_string(head_number()));

  auto first = call("GET", "/api/v1/campaigns?limit=1", manager_);
  EXPECT_EQ(item_ids(first), std::vector<std::string>{"auto-ins-national"});
  auto cursor = str(parse(first.body)["next_cursor"]);
  ASSERT_FALSE(cursor.empty()) << first.body;
  auto second = call("GET", "/api/v1/campaigns?limit=1&cursor=" + cursor, manager_);
  EXPECT_EQ(item_ids(second), std::vector<std::string>{"plumbing-ca-tx"});
  EXPECT_TRUE(parse(second.body)["next_cursor"].IsNull()) << second.body;

  EXPECT_EQ(item_ids(call("GET", "/api/v1/campaigns?q=PLUMB", manager_)), std::vector<std::string>{"plumbing-ca-tx"});
  EXPECT_EQ(item_ids(call("GET", "/api/v1/campaigns?q=Auto%20Insurance", manager_)),
            std::vector<std::string>{"auto-ins-national"})
    << "q matches names too";
  EXPECT_TRUE(item_ids(call("GET", "/api/v1/campaigns?active=false", manager_)).empty());
  EXPECT_EQ(item_ids(call("GET", "/api/v1/buyers?q=shield", manager_)), std::vector<std::string>{"shieldline-auto"});
  EXPECT_EQ(item_ids(call("GET", "/api/v1/sources", manager_)).size(), 3u);

  for (auto bad : {"limit=0", "limit=501", "limit=x", "cursor=zz", "archived=maybe", "active=yes"})
    problem_fields(call("GET", std::string{"/api/v1/campaigns?"} + bad, manager_), 400);

  auto one = call("GET", "/api/v1/campaigns/auto-ins-national", manager_);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(str(parse(one.body)["id"]), "auto-ins-national");
  EXPECT_NE(one.body.find("\"floor\":12.0"), std::string::npos) << "numbers as written: " << one.body;
  EXPECT_EQ(one.header("etag"), "\"" + config_revision(one.body) + "\"");
  problem_fields(call("GET", "/api/v1/campaigns/nope", manager_), 404);
  problem_fields(call("GET", "/api/v1/buyers/nope", manager_), 404);
}

TEST_F(ConfigRoutes, ACampaignIsCreatedChangedPausedAndArchivedWithItsHistoryKept) {
  auto start = head_number();
  const std::string body =
    R"({"id":"solar-ca","name":"Solar CA","vertical":"solar","buyer_ids":["shieldline-auto"],"floor":9.50})";
  auto made = call("POST", "/api/v1/campaigns", manager_, body, {{"Ringbid-Change-Reason", "new vertical"}});
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.header("location"), "/api/v1/campaigns/solar-ca");
  EXPECT_EQ(made.header("ringbid-revision"), std::to_string(start + 1));
  EXPECT_NE(made.body.find("\"floor\":9.50"), std::string::npos) << "money keeps its text: " << made.body;
  auto etag = std::string{made.header("etag")};
  EXPECT_EQ(etag, "\"" + config_revision(made.body) + "\"");
  EXPECT_EQ(applier_->in_force(), start + 1) << "in force before the 201";
  EXPECT_EQ(plane_->head()->info.reason, "new vertical");
  EXPECT_EQ(plane_->head()->info.author, "manager token");

  problem_fields(call("POST", "/api/v1/campaigns", manager_, body), 409);

  // Optimistic concurrency: the ETag read is the one a change must name.
  auto patched =
    call("PATCH", "/api/v1/campaigns/solar-ca", manager_, R"({"floor":11.25,"name":null})", {{"If-Match", etag}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_NE(patched.body.find("\"floor\":11.25"), std::string::npos) << patched.body;
  EXPECT_EQ(patched.body.find("\"name\""), std::string::npos) << "null removes a member (RFC 7396)";
  problem_fields(call("PATCH", "/api/v1/campaigns/solar-ca", manager_, R"({"floor":13})", {{"If-Match", etag}}), 412);
  problem_fields(call("POST", "/api/v1/campaigns/solar-ca/pause", manager_, "", {{"If-Match", etag}}), 412);
  auto replaced =
    call("PUT", "/api/v1/campaigns/solar-ca", manager_,
         R"({"id":"solar-ca","vertical":"solar","buyer_ids":["shieldline-auto"],"floor":14})", {{"If-Match", "*"}});
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_NE(replaced.body.find("\"floor\":14"), std::string::npos);
  problem_fields(call("PUT", "/api/v1/campaigns/solar-ca", manager_, R"({"id":"other","floor":1})"), 400);
  problem_fields(call("PUT", "/api/v1/campaigns/nope", manager_, R"({"id":"nope"})"), 404);
  problem_fields(call("PATCH", "/api/v1/campaigns/solar-ca", manager_, R"({"id":"renamed"})"), 400);

  // Pause and resume set `active`; pausing twice commits nothing the second time.
  auto paused = call("POST", "/api/v1/campaigns/solar-ca/pause", manager_);
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_NE(paused.body.find("\"active\":false"), std::string::npos) << paused.body;
  auto paused_at = head_number();
  auto again = call("POST", "/api/v1/campaigns/solar-ca/pause", manager_);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.header("ringbid-revision"), std::to_string(paused_at));
  EXPECT_EQ(head_number(), paused_at);
  EXPECT_EQ(item_ids(call("GET", "/api/v1/campaigns?active=false", manager_)), std::vector<std::string>{"solar-ca"});
  EXPECT_FALSE(applier_->plane().head()->config->find_campaign("solar-ca")->active) << "in force";
  ASSERT_EQ(call("POST", "/api/v1/campaigns/solar-ca/resume", manager_).status, 200);
  EXPECT_TRUE(applier_->plane().head()->config->find_campaign("solar-ca")->active);

  // Archived: out of the default list, kept, and in every earlier revision.
  auto archived = call("POST", "/api/v1/campaigns/solar-ca/archive", manager_);
  ASSERT_EQ(archived.status, 200) << archived.body;
  auto archived_at = head_number();
  EXPECT_EQ(item_ids(call("GET", "/api/v1/campaigns", manager_)),
            (std::vector<std::string>{"auto-ins-national", "plumbing-ca-tx"}));
  EXPECT_EQ(item_ids(call("GET", "/api/v1/campaigns?archived=true", manager_)), std::vector<std::string>{"solar-ca"});
  EXPECT_EQ(item_ids(call("GET", "/api/v1/campaigns?archived=all", manager_)).size(), 3u);
  EXPECT_EQ(call("GET", "/api/v1/campaigns/solar-ca", manager_).status, 200);
  auto old = call("GET", "/api/v1/revisions/" + std::to_string(start + 1) + "/document", manager_);
  ASSERT_EQ(old.status, 200);
  EXPECT_NE(old.body.find("\"solar-ca\""), std::string::npos);
  EXPECT_EQ(old.header("ringbid-revision"), std::to_string(start + 1));
  problem_fields(call("DELETE", "/api/v1/campaigns/solar-ca", manager_), 405);
  ASSERT_EQ(call("POST", "/api/v1/campaigns/solar-ca/unarchive", manager_).status, 200);
  EXPECT_EQ(head_number(), archived_at + 1);

  // Every change is audited with its revision and changes.
  audit_page page;
  audit_filter filter;
  filter.entity_kind = "campaign";
  filter.limit = 100;
  ASSERT_TRUE(audit_->list(filter, page, nullptr));
  std::vector<std::string> actions;
  for (const auto& e : page.items) actions.push_back(e.action);
  EXPECT_EQ(actions,
            (std::vector<std::string>{"campaign.unarchive", "campaign.archive", "campaign.resume", "campaign.pause",
                                      "campaign.update", "campaign.update", "campaign.create"}));
  EXPECT_EQ(page.items[3].revision, paused_at);
  EXPECT_EQ(page.items[3].entity_id, "solar-ca");
  EXPECT_NE(page.items[3].detail.find("/active"), std::string::npos) << page.items[3].detail;
  EXPECT_EQ(page.items[3].address, "127.0.0.1");
}

TEST_F(ConfigRoutes, SourcesArchiveAndBuyersPause) {
  auto archived = call("POST", "/api/v1/sources/lakeside-leads/archive", admin_);
  // Numbers still use the source: the conflict names both sides.
  auto fields = problem_fields(archived, 422);
  ASSERT_TRUE(fields.count("/archived")) << archived.body;
  EXPECT_TRUE(fields["/archived"].second.starts_with("/dids/")) << archived.body;

  auto made = call("POST", "/api/v1/sources", admin_, R"({"id":"new-pub","name":"New Pub","revenue_share_bp":5000})");
  ASSERT_EQ(made.status, 201) << made.body;
  ASSERT_EQ(call("POST", "/api/v1/sources/new-pub/archive", admin_).status, 200);
  EXPECT_EQ(item_ids(call("GET", "/api/v1/sources?archived=true", admin_)), std::vector<std::string>{"new-pub"});
  problem_fields(call("POST", "/api/v1/sources/new-pub/pause", admin_), 404); // sources have no pause

  auto paused = call("POST", "/api/v1/buyers/shieldline-auto/pause", admin_);
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(item_ids(call("GET", "/api/v1/buyers?active=false", admin_)), std::vector<std::string>{"shieldline-auto"});
  EXPECT_EQ(call("POST", "/api/v1/buyers/shieldline-auto/resume", admin_).status, 200);
  EXPECT_TRUE(item_ids(call("GET", "/api/v1/buyers?active=false", admin_)).empty());
}

TEST_F(ConfigRoutes, EveryKindTakesEveryVerb) {
  // Sources: replace, patch, archive and back; never deleted.
  auto source = call("GET", "/api/v1/sources/summit-search", admin_);
  ASSERT_EQ(source.status, 200);
  auto replaced = call("PUT", "/api/v1/sources/summit-search", admin_,
                       R"({"id":"summit-search","name":"Summit Search","revenue_share_bp":5500})",
                       {{"If-Match", std::string{source.header("etag")}}});
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  auto patched = call("PATCH", "/api/v1/sources/summit-search", admin_, R"({"revenue_share_bp":5600})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(parse(patched.body)["revenue_share_bp"].GetInt(), 5600);
  problem_fields(call("DELETE", "/api/v1/sources/summit-search", admin_), 405);
  ASSERT_EQ(call("POST", "/api/v1/sources", admin_, R"({"id":"pub-z"})").status, 201);
  ASSERT_EQ(call("POST", "/api/v1/sources/pub-z/archive", admin_).status, 200);
  auto back = call("POST", "/api/v1/sources/pub-z/unarchive", admin_);
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_NE(back.body.find("\"archived\":false"), std::string::npos) << back.body;

  // Buyers: create, replace, archive and back; never deleted.
  auto buyer = call("POST", "/api/v1/buyers", admin_,
                    R"({"id":"new-buyer","name":"New Buyer","destination":"+18005550199","min_bid":7.5})");
  ASSERT_EQ(buyer.status, 201) << buyer.body;
  auto buyer_put = call("PUT", "/api/v1/buyers/new-buyer", admin_,
                        R"({"id":"new-buyer","name":"New Buyer","destination":"+18005550199","min_bid":8})",
                        {{"If-Match", std::string{buyer.header("etag")}}});
  ASSERT_EQ(buyer_put.status, 200) << buyer_put.body;
  ASSERT_EQ(call("POST", "/api/v1/buyers/new-buyer/archive", admin_).status, 200);
  EXPECT_EQ(item_ids(call("GET", "/api/v1/buyers?archived=true", admin_)), std::vector<std::string>{"new-buyer"});
  ASSERT_EQ(call("POST", "/api/v1/buyers/new-buyer/unarchive", admin_).status, 200);
  problem_fields(call("DELETE", "/api/v1/buyers/new-buyer", admin_), 405);

  // DIDs: created by POST too, patched.
  auto did = call("POST", "/api/v1/dids", admin_,
                  R"({"number":"+13125550111","campaign_id":"plumbing-ca-tx","source_id":"brightpath-media"})");
  ASSERT_EQ(did.status, 201) << did.body;
  problem_fields(call("POST", "/api/v1/dids", admin_,
                      R"({"number":"+13125550111","campaign_id":"plumbing-ca-tx","source_id":"brightpath-media"})"),
                 409);
  auto split = call("PATCH", "/api/v1/dids/+13125550111", admin_,
                    R"({"split":{"campaign_id":"auto-ins-national","percent":20},"tags":["chicago"]})");
  ASSERT_EQ(split.status, 200) << split.body;
  EXPECT_EQ(parse(split.body)["split"]["percent"].GetInt(), 20);
}

// -- errors --------------------------------------------------------------------------

TEST_F(ConfigRoutes, BadBodiesNameEveryFieldAndApplyNothing) {
  auto before = head_number();
  auto not_json = call("POST", "/api/v1/campaigns", admin_, R"({"id": "x",)");
  auto f = problem_fields(not_json, 400);
  ASSERT_TRUE(f.count("")) << not_json.body;
  EXPECT_NE(f[""].first.find("at byte"), std::string::npos);
  problem_fields(call("POST", "/api/v1/campaigns", admin_, "[1,2]"), 400);
  auto no_id = problem_fields(call("POST", "/api/v1/campaigns", admin_, R"({"name":"x"})"), 400);
  EXPECT_TRUE(no_id.count("/id"));

  // Every bad value, by its pointer in the body (not in the document).
  auto bad = call("POST", "/api/v1/campaigns", admin_,
                  R"({"id":"bad","floor":"cheap","strategy":"lottery","auction_deadline_ms":-5})");
  auto fields = problem_fields(bad, 400);
  for (const char* pointer : {"/floor", "/strategy", "/auction_deadline_ms"})
    EXPECT_TRUE(fields.count(pointer)) << pointer << " missing in " << bad.body;
  auto patch = call("PATCH", "/api/v1/buyers/shieldline-auto", admin_, R"({"daily_cap":-1,"min_bid":"x"})");
  auto pf = problem_fields(patch, 400);
  EXPECT_TRUE(pf.count("/daily_cap")) << patch.body;
  EXPECT_TRUE(pf.count("/min_bid")) << patch.body;

  // A reference to nothing: 422 naming both sides.
  auto unknown = call("POST", "/api/v1/campaigns", admin_, R"({"id":"c9","buyer_ids":["ghost"]})");
  auto u = problem_fields(unknown, 422);
  ASSERT_TRUE(u.count("/buyer_ids/0")) << unknown.body;
  EXPECT_EQ(u["/buyer_ids/0"].second, "/buyers");
  EXPECT_EQ(str(parse(unknown.body)["type"]), "https://ringbid.dev/problems/conflict");
  // Archiving a campaign numbers route to: 422, the numbers named.
  auto archive = call("POST", "/api/v1/campaigns/auto-ins-national/archive", admin_);
  auto a = problem_fields(archive, 422);
  ASSERT_TRUE(a.count("/archived")) << archive.body;
  EXPECT_TRUE(a["/archived"].second.starts_with("/dids/")) << archive.body;

  EXPECT_EQ(head_number(), before) << "nothing applied";
  problem_fields(call("POST", "/api/v1/campaigns/auto-ins-national/explode", admin_), 404);
  auto reason = std::string(501, 'r');
  problem_fields(
    call("POST", "/api/v1/campaigns/auto-ins-national/pause", admin_, "", {{"Ringbid-Change-Reason", reason}}), 400);

  // Declared larger than the server's limit (1 MiB): 413 before any route.
  EXPECT_EQ(status_line(port_, "PUT /api/v1/config HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin_ +
                                 "\r\nContent-Length: 2097152\r\n\r\n"),
            "HTTP/1.1 413");
  EXPECT_EQ(head_number(), before);
}

// -- Idempotency-Key -------------------------------------------------------------------

TEST_F(ConfigRoutes, AnIdempotencyKeyReplaysTheFirstAnswerAndRefusesAnotherBody) {
  const std::string body = R"({"id":"pub-x","name":"Pub X"})";
  auto first = call("POST", "/api/v1/sources", manager_, body, {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(first.status, 201) << first.body;
  auto at = head_number();
  auto again = call("POST", "/api/v1/sources", manager_, body, {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("location"), first.header("location"));
  EXPECT_EQ(again.header("ringbid-revision"), std::to_string(at));
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(head_number(), at) << "a replay changes nothing";

  auto other = call("POST", "/api/v1/sources", manager_, R"({"id":"pub-y"})", {{"Idempotency-Key", "k-1"}});
  problem_fields(other, 422);
  EXPECT_EQ(head_number(), at);

  // Keys are per token: another token's k-1 is its own.
  auto admins = call("POST", "/api/v1/sources", admin_, R"({"id":"pub-y"})", {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(admins.status, 201) << admins.body;
  // An error answer is kept too: the retry gets the same 409, not a new attempt.
  auto dup = call("POST", "/api/v1/sources", manager_, body, {{"Idempotency-Key", "k-2"}});
  problem_fields(dup, 409);
  EXPECT_EQ(call("POST", "/api/v1/sources", manager_, body, {{"Idempotency-Key", "k-2"}}).body, dup.body);
}

// -- DIDs ------------------------------------------------------------------------------

TEST_F(ConfigRoutes, NumbersAreAssignedByPutAndUnassignedByDelete) {
  auto list = call("GET", "/api/v1/dids?campaign=plumbing-ca-tx", manager_);
  EXPECT_EQ(item_ids(list, "number"), (std::vector<std::string>{"+12145550103", "+14155550104", "+17135550106"}));
  EXPECT_EQ(item_ids(call("GET", "/api/v1/dids?source=summit-search", manager_), "number"),
            (std::vector<std::string>{"+12145550103", "+18005550105"}));
  auto encoded = call("GET", "/api/v1/dids/%2B18445550101", manager_);
  auto bare = call("GET", "/api/v1/dids/+18445550101", manager_);
  ASSERT_EQ(encoded.status, 200) << encoded.body;
  EXPECT_EQ(encoded.body, bare.body);
  EXPECT_EQ(encoded.header("etag"), bare.header("etag"));

  auto assigned = call("PUT", "/api/v1/dids/%2B13105550199", manager_,
                       R"({"campaign_id":"plumbing-ca-tx","source_id":"summit-search","tags":["la"]})");
  ASSERT_EQ(assigned.status, 201) << assigned.body;
  EXPECT_EQ(str(parse(assigned.body)["number"]), "+13105550199");
  EXPECT_EQ(assigned.header("location"), "/api/v1/dids/+13105550199");
  auto moved = call("PUT", "/api/v1/dids/+13105550199", manager_,
                    R"({"number":"+13105550199","campaign_id":"auto-ins-national","source_id":"summit-search"})",
                    {{"If-Match", std::string{assigned.header("etag")}}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(str(parse(moved.body)["campaign_id"]), "auto-ins-national");
  problem_fields(call("PUT", "/api/v1/dids/+13105550199", manager_,
                      R"({"campaign_id":"plumbing-ca-tx","source_id":"summit-search"})",
                      {{"If-Match", std::string{assigned.header("etag")}}}),
                 412);
  auto ghost =
    call("PUT", "/api/v1/dids/+13105550199", manager_, R"({"campaign_id":"ghost","source_id":"summit-search"})");
  auto g = problem_fields(ghost, 422);
  EXPECT_EQ(g["/campaign_id"].second, "/campaigns") << ghost.body;
  auto bad_number =
    call("PUT", "/api/v1/dids/12345", manager_, R"({"campaign_id":"plumbing-ca-tx","source_id":"summit-search"})");
  EXPECT_TRUE(problem_fields(bad_number, 400).count("/number")) << bad_number.body;
  problem_fields(call("PUT", "/api/v1/dids/+13105550199", manager_, R"({"number":"+19999999999","campaign_id":"x"})"),
                 400);

  ASSERT_EQ(call("DELETE", "/api/v1/dids/%2B13105550199", manager_).status, 204);
  problem_fields(call("GET", "/api/v1/dids/+13105550199", manager_), 404);
  problem_fields(call("DELETE", "/api/v1/dids/+13105550199", manager_), 404);
  problem_fields(call("GET", "/api/v1/dids/%2", manager_), 404);
}

// -- caps ------------------------------------------------------------------------------

TEST_F(ConfigRoutes, CapsAreNamedByTheirKeyAndChangedLikeTheRest) {
  auto list = call("GET", "/api/v1/caps", manager_);
  ASSERT_EQ(list.status, 200) << list.body;
  auto keys = item_ids(list, "key");
  EXPECT_EQ(keys, (std::vector<std::string>{
                    "buyer:harborpoint-ins:revenue:day:bridged", "buyer:lone-star-plumbing:spacing:-:routed",
                    "buyer:rooter-pros-ca:calls:month:converted", "buyer:shieldline-auto:calls:hour:routed",
                    "campaign_buyer:plumbing-ca-tx~metro-call-exchange:calls:day:bridged",
                    "source:summit-search:calls:rolling60m:bridged"}));
  auto doc = parse(list.body);
  EXPECT_TRUE(doc["items"][0]["usage"].IsNull()) << "no ledger in this test";
  EXPECT_EQ(str(doc["items"][0]["cap"]["owner"]), "buyer");
  EXPECT_EQ(item_ids(call("GET", "/api/v1/caps?owner=source", manager_), "key").size(), 1u);
  EXPECT_EQ(item_ids(call("GET", "/api/v1/caps?id=metro-call-exchange", manager_), "key").size(), 1u);

  const std::string cap = R"({"owner":"campaign","id":"plumbing-ca-tx","measure":"calls","window":"day","limit":50})";
  auto made = call("POST", "/api/v1/caps", manager_, cap);
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string key = "campaign:plumbing-ca-tx:calls:day:bridged";
  EXPECT_EQ(made.header("location"), "/api/v1/caps/" + key);
  EXPECT_EQ(str(parse(made.body)["key"]), key);
  problem_fields(call("POST", "/api/v1/caps", manager_, cap), 409);

  auto one = call("GET", "/api/v1/caps/" + key, manager_);
  ASSERT_EQ(one.status, 200);
  auto changed = call("PUT", "/api/v1/caps/" + key, manager_,
                      R"({"owner":"campaign","id":"plumbing-ca-tx","measure":"calls","window":"day","limit":75})",
                      {{"If-Match", std::string{one.header("etag")}}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(parse(changed.body)["cap"]["limit"].GetInt(), 75);
  problem_fields(call("DELETE", "/api/v1/caps/" + key, manager_, "", {{"If-Match", std::string{one.header("etag")}}}),
                 412);
  auto bad = call("POST", "/api/v1/caps", manager_, R"({"owner":"buyer","id":"ghost","measure":"calls","limit":-1})");
  auto fields = problem_fields(bad, 400);
  EXPECT_TRUE(fields.count("/limit")) << bad.body;
  auto ghost = call("POST", "/api/v1/caps", manager_, R"({"owner":"buyer","id":"ghost","measure":"calls","limit":1})");
  EXPECT_EQ(problem_fields(ghost, 422)["/id"].second, "/buyers") << ghost.body;

  ASSERT_EQ(call("DELETE", "/api/v1/caps/" + key, manager_).status, 204);
  problem_fields(call("GET", "/api/v1/caps/" + key, manager_), 404);
  problem_fields(call("PUT", "/api/v1/caps/" + key, manager_, cap), 404);
}

// -- revisions and the whole document -----------------------------------------------------

TEST_F(ConfigRoutes, RevisionsAreHistoryDiffsAndRollbacks) {
  ASSERT_EQ(
    call("POST", "/api/v1/campaigns/plumbing-ca-tx/pause", admin_, "", {{"Ringbid-Change-Reason", "storm"}}).status,
    200);
  ASSERT_EQ(call("PATCH", "/api/v1/campaigns/plumbing-ca-tx", admin_, R"({"floor":20})").status, 200);
  auto head = head_number();
  ASSERT_EQ(head, 3);

  auto history = call("GET", "/api/v1/revisions?limit=2", admin_);
  ASSERT_EQ(history.status, 200) << history.body;
  auto doc = parse(history.body);
  ASSERT_EQ(doc["items"].Size(), 2u);
  EXPECT_EQ(doc["items"][0]["number"].GetInt64(), 3);
  EXPECT_EQ(str(doc["items"][1]["reason"]), "storm");
  EXPECT_EQ(str(doc["items"][1]["role"]), "admin");
  auto next = call("GET", "/api/v1/revisions?limit=2&cursor=" + str(doc["next_cursor"]), admin_);
  EXPECT_EQ(parse(next.body)["items"][0]["number"].GetInt64(), 1);
  EXPECT_TRUE(parse(next.body)["next_cursor"].IsNull());

  auto two = call("GET", "/api/v1/revisions/2", admin_);
  ASSERT_EQ(two.status, 200) << two.body;
  EXPECT_EQ(str(parse(two.body)["changes"][0]["pointer"]), "/campaigns/1/active");
  auto diff = call("GET", "/api/v1/revisions/1/diff/3", admin_);
  ASSERT_EQ(diff.status, 200) << diff.body;
  EXPECT_EQ(parse(diff.body)["changes"].Size(), 2u) << diff.body;
  problem_fields(call("GET", "/api/v1/revisions/99", admin_), 404);
  problem_fields(call("GET", "/api/v1/revisions/1/diff/99", admin_), 404);
  problem_fields(call("GET", "/api/v1/revisions/abc", admin_), 404);

  auto back = call("POST", "/api/v1/revisions/1/rollback", admin_);
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(parse(back.body)["revision"].GetInt64(), 4);
  EXPECT_EQ(plane_->revision(4)->info.digest, plane_->revision(1)->info.digest);
  EXPECT_TRUE(applier_->plane().head()->config->find_campaign("plumbing-ca-tx")->active);
  EXPECT_EQ(applier_->in_force(), 4);
  problem_fields(call("POST", "/api/v1/revisions/99/rollback", admin_), 404);
}

TEST_F(ConfigRoutes, TheWholeDocumentExportsAndImportsBackToTheSameRevision) {
  auto exported = call("GET", "/api/v1/config", manager_);
  ASSERT_EQ(exported.status, 200);
  EXPECT_EQ(exported.header("etag"), "\"" + plane_->head()->info.digest + "\"");
  auto same = call("PUT", "/api/v1/config", manager_, exported.body);
  ASSERT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(parse(same.body)["revision"].GetInt64(), 1) << "the same document is the same revision";

  auto changed = std::regex_replace(exported.body, std::regex{"\"threads\": 2"}, "\"threads\": 3");
  auto imported =
    call("PUT", "/api/v1/config", manager_, changed, {{"If-Match", std::string{exported.header("etag")}}});
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_EQ(parse(imported.body)["revision"].GetInt64(), 2);
  EXPECT_EQ(imported.header("ringbid-revision"), "2");
  problem_fields(
    call("PUT", "/api/v1/config", manager_, exported.body, {{"If-Match", std::string{exported.header("etag")}}}), 412);

  auto invalid =
    call("PUT", "/api/v1/config", manager_, read_text(std::string{RINGBID_SOURCE_DIR} + "/examples/invalid.json"));
  auto fields = problem_fields(invalid, 400);
  for (const char* pointer :
       {"/threads", "/campaigns/0/floor", "/sources/0/revenue_share_bp", "/buyers/0/sim/answer_rate"})
    EXPECT_TRUE(fields.count(pointer)) << pointer << " missing in " << invalid.body;
  problem_fields(call("PUT", "/api/v1/config", manager_, "not json"), 400);
  EXPECT_EQ(head_number(), 2);

  auto reference = call("GET", "/api/v1/openapi.json", "");
  ASSERT_EQ(reference.status, 200) << "the reference needs no token";
  EXPECT_EQ(str(parse(reference.body)["openapi"]), "3.1.0");
}

} // namespace
} // namespace ringbid
