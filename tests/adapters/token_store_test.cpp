// The token_store and audit_log ports, run against every implementation (SQLite
// today; a PostgreSQL one joins by adding itself to the instantiations below).

#include "adapters/sqlite/sqlite_audit_log.hpp"
#include "adapters/sqlite/sqlite_token_store.hpp"
#include "adapters/sqlite/token_secret.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <unistd.h>

namespace ringbid {
namespace {

namespace fs = std::filesystem;

constexpr timestamp_us t0 = 1'760'000'000'000'000; // 2025-10-09
constexpr timestamp_us minute = 60'000'000;

/// A fresh database file per test: each implementation opens its stores on it.
struct backend {
  std::string name;
  std::function<std::shared_ptr<token_store>(const std::string& path)> tokens;
  std::function<std::shared_ptr<audit_log>(const std::string& path)> audit;
};

backend sqlite_backend() {
  return {"SQLite",
          [](const std::string& path) -> std::shared_ptr<token_store> {
            std::string error;
            auto s = sqlite_token_store::open(path, &error);
            EXPECT_TRUE(s) << error;
            return s;
          },
          [](const std::string& path) -> std::shared_ptr<audit_log> {
            std::string error;
            auto s = sqlite_audit_log::open(path, &error);
            EXPECT_TRUE(s) << error;
            return s;
          }};
}

class PortTest : public ::testing::TestWithParam<backend> {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ringbid-tokens-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "node.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::shared_ptr<token_store> tokens() { return GetParam().tokens(path_); }
  std::shared_ptr<audit_log> audit() { return GetParam().audit(path_); }

  fs::path dir_;
  std::string path_;
};

using TokenStorePort = PortTest;
using AuditLogPort = PortTest;

api_token_request request(std::string role, std::string kind = {}, std::string id = {}, std::string label = {}) {
  return {std::move(role), std::move(kind), std::move(id), std::move(label), "cli"};
}

TEST_P(TokenStorePort, ATokenIsFoundByItsSecretOnlyAndItsSecretIsNotStored) {
  auto store = tokens();
  ASSERT_TRUE(store);
  std::string error;
  auto made = store->create(request("publisher", "source", "summit", "Summit Search"), t0, &error);
  ASSERT_TRUE(made) << error;
  EXPECT_TRUE(made->secret.starts_with("rb_"));
  EXPECT_EQ(made->secret.size(), 3u + 43u);
  EXPECT_TRUE(made->token.id.starts_with("tk_"));
  EXPECT_EQ(made->token.role, "publisher");
  EXPECT_EQ(made->token.created_at, t0);

  std::optional<api_token> found;
  ASSERT_TRUE(store->find_by_secret(made->secret, found, &error)) << error;
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, made->token.id);
  EXPECT_EQ(found->role, "publisher");
  EXPECT_EQ(found->scope_kind, "source");
  EXPECT_EQ(found->scope_id, "summit");
  EXPECT_EQ(found->label, "Summit Search");
  EXPECT_EQ(found->created_by, "cli");
  EXPECT_FALSE(found->revoked());
  EXPECT_EQ(found->last_used_at, 0);

  for (auto wrong : {std::string{}, made->secret.substr(0, made->secret.size() - 1), made->secret + "x",
                     std::string("rb_") + std::string(43, 'A'), secret_hash(made->secret)}) {
    ASSERT_TRUE(store->find_by_secret(wrong, found, &error));
    EXPECT_FALSE(found) << "found by '" << wrong << "'";
  }
  // Whatever the file holds, the secret is not in it.
  store.reset();
  for (const auto& entry : fs::directory_iterator(dir_)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(made->secret.substr(3)), std::string::npos) << entry.path();
  }
}

TEST_P(TokenStorePort, SecretsAndIdsNeverRepeat) {
  auto store = tokens();
  std::set<std::string> secrets, ids;
  for (int i = 0; i < 50; ++i) {
    auto made = store->create(request("admin"), t0 + i, nullptr);
    ASSERT_TRUE(made);
    secrets.insert(made->secret);
    ids.insert(made->token.id);
  }
  EXPECT_EQ(secrets.size(), 50u);
  EXPECT_EQ(ids.size(), 50u);
}

TEST_P(TokenStorePort, ListsEveryTokenOldestFirstAndStampsUse) {
  auto store = tokens();
  auto a = store->create(request("admin", "", "", "ops"), t0, nullptr);
  auto b = store->create(request("buyer", "buyer", "acme"), t0 + minute, nullptr);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(store->mark_used(b->token.id, t0 + 2 * minute, nullptr));
  EXPECT_TRUE(store->mark_used("tk_unknown", t0, nullptr));
  std::vector<api_token> all;
  std::string error;
  ASSERT_TRUE(store->list(all, &error)) << error;
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, a->token.id);
  EXPECT_EQ(all[0].label, "ops");
  EXPECT_EQ(all[1].id, b->token.id);
  EXPECT_EQ(all[1].last_used_at, t0 + 2 * minute);
  std::optional<api_token> one;
  ASSERT_TRUE(store->find(b->token.id, one, nullptr));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->scope_id, "acme");
  ASSERT_TRUE(store->find("tk_nope", one, nullptr));
  EXPECT_FALSE(one);
}

TEST_P(TokenStorePort, RevokingMarksTheTokenAndEndsItsSessions) {
  auto store = tokens();
  auto made = store->create(request("manager"), t0, nullptr);
  auto other = store->create(request("manager"), t0, nullptr);
  ASSERT_TRUE(made && other);
  auto session = store->create_session(made->token.id, t0, t0 + 60 * minute, nullptr);
  auto kept = store->create_session(other->token.id, t0, t0 + 60 * minute, nullptr);
  ASSERT_TRUE(session && kept);
  std::string error;
  EXPECT_EQ(store->revoke(made->token.id, t0 + minute, &error), token_store::revoke_result::revoked) << error;
  EXPECT_EQ(store->revoke(made->token.id, t0 + 2 * minute, &error), token_store::revoke_result::already_revoked);
  EXPECT_EQ(store->revoke("tk_nope", t0, &error), token_store::revoke_result::unknown);
  std::optional<api_token> found;
  ASSERT_TRUE(store->find_by_secret(made->secret, found, nullptr));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->revoked_at, t0 + minute) << "the first revocation's time stays";
  std::optional<api_session> s;
  ASSERT_TRUE(store->find_session(*session, t0 + 2 * minute, s, nullptr));
  EXPECT_FALSE(s) << "a revoked token's sessions end with it";
  ASSERT_TRUE(store->find_session(*kept, t0 + 2 * minute, s, nullptr));
  EXPECT_TRUE(s) << "other tokens' sessions stay";
}

TEST_P(TokenStorePort, SessionsLastUntilTheyExpireOrAreDeleted) {
  auto store = tokens();
  std::string error;
  auto id = store->create_session("tk_a", t0, t0 + 10 * minute, &error);
  ASSERT_TRUE(id) << error;
  EXPECT_GE(id->size(), 43u);
  std::optional<api_session> s;
  ASSERT_TRUE(store->find_session(*id, t0 + 9 * minute, s, &error)) << error;
  ASSERT_TRUE(s);
  EXPECT_EQ(s->token_id, "tk_a");
  EXPECT_EQ(s->expires_at, t0 + 10 * minute);
  ASSERT_TRUE(store->find_session(*id, t0 + 10 * minute, s, nullptr));
  EXPECT_FALSE(s) << "expired";
  ASSERT_TRUE(store->find_session("not-a-session", t0, s, nullptr));
  EXPECT_FALSE(s);

  auto second = store->create_session("tk_a", t0, t0 + 10 * minute, nullptr);
  ASSERT_TRUE(second);
  EXPECT_NE(*second, *id);
  ASSERT_TRUE(store->delete_session(*second, nullptr));
  ASSERT_TRUE(store->find_session(*second, t0, s, nullptr));
  EXPECT_FALSE(s) << "signed out";
  EXPECT_TRUE(store->delete_session(*second, nullptr)) << "twice is no failure";
}

TEST_P(TokenStorePort, TwoOpenersOfOneDatabaseSeeEachOthersTokensAtOnce) {
  // The CLI and a running node: one makes and revokes, the other looks up.
  auto cli = tokens();
  auto node = tokens();
  auto made = cli->create(request("reporting"), t0, nullptr);
  ASSERT_TRUE(made);
  std::optional<api_token> found;
  ASSERT_TRUE(node->find_by_secret(made->secret, found, nullptr));
  ASSERT_TRUE(found);
  EXPECT_EQ(cli->revoke(made->token.id, t0 + 1, nullptr), token_store::revoke_result::revoked);
  ASSERT_TRUE(node->find_by_secret(made->secret, found, nullptr));
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->revoked());
}

audit_entry entry(timestamp_us at, std::string action, std::string kind, std::string id, std::string token = "tk_a") {
  audit_entry e;
  e.at = at;
  e.token_id = std::move(token);
  e.role = "admin";
  e.address = "127.0.0.1";
  e.action = std::move(action);
  e.entity_kind = std::move(kind);
  e.entity_id = std::move(id);
  return e;
}

TEST_P(AuditLogPort, AppendsAndListsNewestFirstEveryField) {
  auto log = audit();
  ASSERT_TRUE(log);
  auto a = entry(t0, "token.create", "token", "tk_1");
  a.detail = R"({"role":"publisher"})";
  auto b = entry(t0 + minute, "campaign.update", "campaign", "plumbing");
  b.revision = 7;
  b.detail.clear();
  std::string error;
  ASSERT_TRUE(log->append(a, &error)) << error;
  ASSERT_TRUE(log->append(b, &error)) << error;
  EXPECT_GT(b.id, a.id);
  audit_page page;
  ASSERT_TRUE(log->list({}, page, &error)) << error;
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.next_cursor, 0);
  const auto& newest = page.items[0];
  EXPECT_EQ(newest.id, b.id);
  EXPECT_EQ(newest.at, t0 + minute);
  EXPECT_EQ(newest.action, "campaign.update");
  EXPECT_EQ(newest.entity_kind, "campaign");
  EXPECT_EQ(newest.entity_id, "plumbing");
  EXPECT_EQ(newest.revision, 7);
  EXPECT_EQ(newest.detail, "{}");
  const auto& oldest = page.items[1];
  EXPECT_EQ(oldest.token_id, "tk_a");
  EXPECT_EQ(oldest.role, "admin");
  EXPECT_EQ(oldest.address, "127.0.0.1");
  EXPECT_EQ(oldest.detail, R"({"role":"publisher"})");
}

TEST_P(AuditLogPort, FiltersByTimeEntityAndTokenAndPagesByCursor) {
  auto log = audit();
  for (int i = 0; i < 25; ++i) {
    auto e = entry(t0 + i * minute, "campaign.update", "campaign", i % 2 ? "odd" : "even", i < 5 ? "tk_b" : "tk_a");
    ASSERT_TRUE(log->append(e, nullptr));
  }
  auto e = entry(t0 + 30 * minute, "token.revoke", "token", "tk_b");
  ASSERT_TRUE(log->append(e, nullptr));
  auto ids = [&](audit_filter f) {
    std::vector<int64_t> out;
    audit_page page;
    for (int pages = 0; pages < 100; ++pages) {
      EXPECT_TRUE(log->list(f, page, nullptr));
      for (auto& item : page.items) out.push_back(item.at / minute - t0 / minute);
      if (page.next_cursor == 0) break;
      f.before_id = page.next_cursor;
    }
    return out;
  };
  audit_filter by_time;
  by_time.since = t0 + 10 * minute;
  by_time.until = t0 + 13 * minute;
  EXPECT_EQ(ids(by_time), (std::vector<int64_t>{12, 11, 10}));
  audit_filter odd;
  odd.entity_kind = "campaign";
  odd.entity_id = "odd";
  odd.limit = 4;
  EXPECT_EQ(ids(odd), (std::vector<int64_t>{23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1}));
  audit_filter tokens_only;
  tokens_only.entity_kind = "token";
  EXPECT_EQ(ids(tokens_only), (std::vector<int64_t>{30}));
  audit_filter by_token;
  by_token.token_id = "tk_b";
  by_token.limit = 2;
  EXPECT_EQ(ids(by_token), (std::vector<int64_t>{4, 3, 2, 1, 0}));
  audit_filter all;
  all.limit = 7;
  auto every = ids(all);
  EXPECT_EQ(every.size(), 26u);
  EXPECT_TRUE(std::is_sorted(every.rbegin(), every.rend()));

  audit_page first;
  audit_filter one;
  one.limit = 1;
  ASSERT_TRUE(log->list(one, first, nullptr));
  ASSERT_EQ(first.items.size(), 1u);
  EXPECT_EQ(first.next_cursor, first.items[0].id);
}

/// The stored rows refuse every change and removal, whoever asks: the node's
/// connection or any other.
TEST_P(AuditLogPort, EntriesCannotBeChangedOrRemoved) {
  auto log = audit();
  auto e = entry(t0, "token.create", "token", "tk_1");
  ASSERT_TRUE(log->append(e, nullptr));
  if (GetParam().name != "SQLite") GTEST_SKIP() << "the raw-SQL check below is SQLite's";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit_log SET action = 'forged'", nullptr, nullptr, &message), SQLITE_OK);
  ASSERT_NE(message, nullptr);
  EXPECT_NE(std::string(message).find("append-only"), std::string::npos) << message;
  sqlite3_free(message);
  message = nullptr;
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM audit_log", nullptr, nullptr, &message), SQLITE_OK);
  sqlite3_free(message);
  sqlite3_close(db);
  audit_page page;
  ASSERT_TRUE(log->list({}, page, nullptr));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].action, "token.create");
}

INSTANTIATE_TEST_SUITE_P(SQLite, TokenStorePort, ::testing::Values(sqlite_backend()),
                         [](const auto& named) { return named.param.name; });
INSTANTIATE_TEST_SUITE_P(SQLite, AuditLogPort, ::testing::Values(sqlite_backend()),
                         [](const auto& named) { return named.param.name; });

TEST(TokenSecret, HashIsSha256HexOfTheText) {
  // FIPS 180-2's "abc" example.
  EXPECT_EQ(secret_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto s = mint_token_secret();
  EXPECT_TRUE(s.starts_with("rb_"));
  EXPECT_EQ(s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 3),
            std::string::npos);
  EXPECT_EQ(random_public_id("tk_", 6).size(), 15u);
}

} // namespace
} // namespace ringbid
