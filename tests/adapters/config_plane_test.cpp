// The configuration as versioned data: the document model (numbers kept as
// written, canonical text, diffs by entity), the SQLite revision store
// (append-only, optimistic commits) and the control plane's write path
// (validated like a file, atomic, retried on a moved head).

#include "adapters/config/config_document.hpp"
#include "adapters/config/config_plane.hpp"
#include "adapters/config/config_revision.hpp"
#include "adapters/sqlite/sqlite_common.hpp"
#include "adapters/sqlite/sqlite_config_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace ringbid {
namespace {

std::string demo_text() {
  std::ifstream in{std::string{RINGBID_SOURCE_DIR} + "/examples/demo.json"};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const char* small = R"({
  "campaigns": [{"id": "c1", "buyer_ids": ["a"], "floor": 12.10},
                {"id": "c2", "buyer_ids": ["a"]}],
  "sources": [{"id": "s1"}],
  "buyers": [{"id": "a", "sim": {"bid_mean": 20.000001}}],
  "dids": [{"number": "+18005550100", "campaign_id": "c1", "source_id": "s1"}]
})";

config_document doc_of(std::string_view text) {
  std::string error;
  auto d = config_document::parse(text, &error);
  EXPECT_TRUE(d.has_value()) << error;
  return std::move(*d);
}

TEST(ConfigDocument, NumbersKeepTheTextTheyWereWrittenWith) {
  auto d = doc_of(R"({"a": 12.10, "b": 0.1, "c": 1e2, "d": -0, "e": 123456789012345678901234567890, "f": "\u0001x"})");
  auto text = d.text();
  for (const char* kept : {"12.10", "0.1", "1e2", "-0", "123456789012345678901234567890", "\"\\u0001x\""})
    EXPECT_NE(text.find(kept), std::string::npos) << kept << " in\n" << text;
  // Canonical: parsing the canonical text again gives the same bytes.
  EXPECT_EQ(doc_of(text).text(), text);
  std::string error;
  EXPECT_FALSE(config_document::parse("[1]", &error).has_value());
  EXPECT_FALSE(config_document::parse("{\"a\": ", &error).has_value());
  EXPECT_NE(error.find("offset"), std::string::npos) << error;
}

TEST(ConfigDocument, EntitiesAreFoundPutAndRemovedByTheirKey) {
  auto d = doc_of(small);
  EXPECT_EQ(d.index_of(entity_kind::campaign, "c2"), 1u);
  EXPECT_EQ(d.entity(entity_kind::did, "+18005550100"),
            R"({"number":"+18005550100","campaign_id":"c1","source_id":"s1"})");
  EXPECT_FALSE(d.entity(entity_kind::buyer, "zz").has_value());
  ASSERT_TRUE(d.put_entity(entity_kind::campaign, "c2", R"({"id": "c2", "buyer_ids": [], "floor": 3.50})", nullptr));
  EXPECT_EQ(d.entity(entity_kind::campaign, "c2"), R"({"id":"c2","buyer_ids":[],"floor":3.50})");
  ASSERT_TRUE(d.put_entity(entity_kind::buyer, "b", R"({"id": "b"})", nullptr));
  EXPECT_EQ(d.entities(entity_kind::buyer).size(), 2u);
  std::string error;
  EXPECT_FALSE(d.put_entity(entity_kind::buyer, "x", "[]", &error));
  EXPECT_TRUE(d.set_member(entity_kind::campaign, "c1", "active", "false"));
  EXPECT_NE(d.entity(entity_kind::campaign, "c1")->find("\"active\":false"), std::string::npos);
  EXPECT_TRUE(d.remove_entity(entity_kind::did, "+18005550100"));
  EXPECT_FALSE(d.remove_entity(entity_kind::did, "+18005550100"));
  // A list that is not there yet is made on the first put.
  ASSERT_TRUE(
    d.put_entity(entity_kind::cap, "0", R"({"owner": "buyer", "id": "a", "measure": "calls", "limit": 3})", nullptr));
  EXPECT_EQ(d.entities(entity_kind::cap).size(), 1u);
}

TEST(ConfigDocument, DiffsMatchEntitiesByKeySoAMoveIsNoChange) {
  auto before = doc_of(small);
  auto after = doc_of(R"({
    "campaigns": [{"id": "c2", "buyer_ids": ["a"]},
                  {"id": "c1", "buyer_ids": ["a"], "floor": 15, "active": false}],
    "sources": [{"id": "s1"}],
    "buyers": [{"id": "a", "sim": {"bid_mean": 20.000001}}, {"id": "b"}],
    "threads": 4
  })");
  auto changes = diff_configs(before, after);
  std::vector<std::string> lines;
  for (const auto& c : changes) lines.push_back(c.op + " " + c.pointer + " " + c.entity);
  EXPECT_EQ(lines, (std::vector<std::string>{"add /threads setting threads", "replace /campaigns/1/floor campaign c1",
                                             "add /campaigns/1/active campaign c1", "add /buyers/1 buyer b",
                                             "remove /dids/0 did +18005550100"}));
  EXPECT_EQ(changes[1].before, "12.10");
  EXPECT_EQ(changes[1].after, "15");
  EXPECT_EQ(parse_changes_json(changes_json(changes)), changes);
  EXPECT_TRUE(diff_configs(before, before).empty());
}

class ConfigPlane : public ::testing::Test {
protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("ringbid-config-plane-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    path = (dir / "node.db").string();
    std::string error;
    store = sqlite_config_store::open(path, &error);
    ASSERT_TRUE(store) << error;
    plane = std::make_unique<config_plane>(store, [this] { return ++clock; });
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::filesystem::path dir;
  std::string path;
  timestamp_us clock = 1'000;
  std::shared_ptr<sqlite_config_store> store;
  std::unique_ptr<config_plane> plane;
  config_author author{"tester", "manager", "because"};
};

TEST_F(ConfigPlane, AnImportIsARevisionAndItsExportImportsBackToTheSameRevision) {
  EXPECT_EQ(plane->head(), nullptr);
  auto r = plane->import_text(demo_text(), author);
  ASSERT_EQ(r.status, edit_status::committed);
  EXPECT_EQ(r.number, 1);
  auto head = plane->head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->info.author, "tester");
  EXPECT_EQ(head->info.role, "manager");
  EXPECT_EQ(head->info.reason, "because");
  EXPECT_EQ(head->info.digest, config_revision(head->document->text()));
  EXPECT_EQ(head->info.changes, static_cast<int64_t>(r.changes.size()));
  EXPECT_EQ(head->config->campaigns.size(), 2u);
  // The export imports to the identical revision: nothing new is committed.
  auto exported = head->document->text();
  auto again = plane->import_text(exported, author);
  EXPECT_EQ(again.status, edit_status::unchanged);
  EXPECT_EQ(again.number, 1);
  EXPECT_EQ(store->head_number(), 1);
  EXPECT_EQ(plane->head()->document->text(), exported);
}

TEST_F(ConfigPlane, AnInvalidChangeCommitsNothingAndNamesEveryBadFieldByPointer) {
  ASSERT_EQ(plane->import_text(small, author).status, edit_status::committed);
  auto r = plane->edit(
    [](config_document& d) -> std::optional<edit_result> {
      d.put_entity(entity_kind::campaign, "c1", R"({"id": "c1", "floor": -1, "max_rounds": "two"})", nullptr);
      return std::nullopt;
    },
    author);
  EXPECT_EQ(r.status, edit_status::invalid);
  std::vector<std::string> pointers;
  for (const auto& e : r.errors) pointers.push_back(e.pointer);
  EXPECT_NE(std::find(pointers.begin(), pointers.end(), "/campaigns/0/floor"), pointers.end());
  EXPECT_NE(std::find(pointers.begin(), pointers.end(), "/campaigns/0/max_rounds"), pointers.end());
  EXPECT_EQ(store->head_number(), 1);
  auto bad_file = plane->import_text("{\"threads\": ", author);
  EXPECT_EQ(bad_file.status, edit_status::invalid);
  EXPECT_EQ(store->head_number(), 1);
}

TEST_F(ConfigPlane, AContradictionIsAConflictNamingBothSides) {
  ASSERT_EQ(plane->import_text(small, author).status, edit_status::committed);
  auto edit = [&](std::function<void(config_document&)> f) {
    return plane->edit(
      [&](config_document& d) -> std::optional<edit_result> {
        f(d);
        return std::nullopt;
      },
      author);
  };
  // A campaign naming a buyer that does not exist.
  auto r = edit([](config_document& d) { d.set_member(entity_kind::campaign, "c2", "buyer_ids", R"(["a", "zz"])"); });
  ASSERT_EQ(r.status, edit_status::conflict);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pointer, "/campaigns/1/buyer_ids/1");
  EXPECT_EQ(r.errors[0].other, "/buyers");
  // A DID on two campaigns (the same number twice).
  r = edit([](config_document& d) {
    d.put_entity(entity_kind::did, "+18005550199",
                 R"({"number": "+18005550100", "campaign_id": "c2", "source_id": "s1"})", nullptr);
  });
  ASSERT_EQ(r.status, edit_status::conflict);
  EXPECT_EQ(r.errors[0].pointer, "/dids/1/number");
  EXPECT_EQ(r.errors[0].other, "/dids/0");
  // Archiving a campaign a number routes to.
  r = edit([](config_document& d) { d.set_member(entity_kind::campaign, "c1", "archived", "true"); });
  ASSERT_EQ(r.status, edit_status::conflict);
  EXPECT_EQ(r.errors[0].pointer, "/dids/0/campaign_id");
  EXPECT_EQ(r.errors[0].other, "/campaigns/0/archived");
  EXPECT_EQ(store->head_number(), 1);
}

TEST_F(ConfigPlane, RollbackIsANewRevisionEqualToTheOldOneAndHistoryKeepsEverything) {
  ASSERT_EQ(plane->import_text(small, author).status, edit_status::committed);
  auto archive = plane->edit(
    [](config_document& d) -> std::optional<edit_result> {
      d.set_member(entity_kind::campaign, "c2", "archived", "true");
      return std::nullopt;
    },
    author);
  ASSERT_EQ(archive.status, edit_status::committed);
  ASSERT_EQ(archive.changes.size(), 1u);
  EXPECT_EQ(archive.changes[0].pointer, "/campaigns/1/archived");
  // The archived campaign is still in the document, with its history.
  EXPECT_TRUE(plane->head()->document->entity(entity_kind::campaign, "c2").has_value());
  EXPECT_TRUE(plane->head()->config->find_campaign("c2")->archived);
  auto back = plane->rollback(1, author);
  ASSERT_EQ(back.status, edit_status::committed);
  EXPECT_EQ(back.number, 3);
  EXPECT_EQ(plane->head()->info.digest, plane->revision(1)->info.digest);
  EXPECT_EQ(plane->rollback(3, author).status, edit_status::unchanged);
  auto missing = plane->rollback(42, author);
  EXPECT_EQ(missing.status, edit_status::refused);
  EXPECT_EQ(missing.problem_status, 404);
  std::string error;
  auto history = store->history(0, 10, &error);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].number, 3);
  EXPECT_EQ(history[2].number, 1);
  EXPECT_EQ(store->history(3, 1, &error).front().number, 2);
}

TEST_F(ConfigPlane, RevisionsAreAppendOnly) {
  ASSERT_EQ(plane->import_text(small, author).status, edit_status::committed);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  char* message = nullptr;
  EXPECT_NE(sqlite3_exec(raw, "UPDATE config_revisions SET author = 'x'", nullptr, nullptr, &message), SQLITE_OK);
  sqlite3_free(message);
  EXPECT_NE(sqlite3_exec(raw, "DELETE FROM config_revisions", nullptr, nullptr, &message), SQLITE_OK);
  sqlite3_free(message);
  sqlite3_close(raw);
  EXPECT_EQ(plane->head()->info.author, "tester");
}

TEST_F(ConfigPlane, AStaleCommitIsRefusedAndAnEditIsRedoneOnTheNewHead) {
  ASSERT_EQ(plane->import_text(small, author).status, edit_status::committed);
  std::string error;
  auto stale = store->commit(0, stored_config_revision{}, 5);
  EXPECT_EQ(stale.outcome, commit_outcome::stale);
  EXPECT_EQ(stale.number, 1);

  // Two writers on one file, each making 20 changes at once: none is lost.
  auto other_store = sqlite_config_store::open(path, &error);
  ASSERT_TRUE(other_store) << error;
  config_plane other{other_store, [] { return timestamp_us{5}; }};
  auto writer = [&](config_plane& p, const char* campaign) {
    for (int i = 0; i < 20; ++i) {
      auto r = p.edit(
        [&](config_document& d) -> std::optional<edit_result> {
          d.set_member(entity_kind::campaign, campaign, "greeting_text", "\"v" + std::to_string(i + 1) + "\"");
          return std::nullopt;
        },
        author);
      ASSERT_EQ(r.status, edit_status::committed) << r.message;
    }
  };
  std::thread t{[&] { writer(other, "c2"); }};
  writer(*plane, "c1");
  t.join();
  EXPECT_EQ(store->head_number(), 41);
  auto head = plane->head();
  EXPECT_EQ(head->config->find_campaign("c1")->greeting_text, "v20");
  EXPECT_EQ(head->config->find_campaign("c2")->greeting_text, "v20");
}

TEST_F(ConfigPlane, EveryCommitIsAnnounced) {
  std::vector<int64_t> seen;
  plane->on_commit([&](int64_t n) { seen.push_back(n); });
  plane->import_text(small, author);
  plane->import_text(small, author);
  plane->rollback(1, author);
  EXPECT_EQ(seen, std::vector<int64_t>{1});
}

} // namespace
} // namespace ringbid
