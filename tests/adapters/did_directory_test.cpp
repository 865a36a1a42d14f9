// The DID directory: the SQLite store and its seeding, the in-process directory,
// the directory actor over an asynchronous port, `ringbid dids` (the real
// executable), and the Redis cache against a real redis-server on loopback:
// lookups through Redis, invalidation across instances, Redis killed mid-run
// and restarted.

#include "actors/directory_actor.hpp"
#include "adapters/config/config_json.hpp"
#include "adapters/redis/redis_did_cache.hpp"
#include "adapters/sqlite/did_store.hpp"
#include "protocol/types.hpp"
#include "tests/support/process_support.hpp"
#include "tools/node/wiring.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <csignal>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

namespace ringbid {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* redis_binary = "/usr/bin/redis-server";
constexpr const char* redis_cli = "/usr/bin/redis-cli";

engine_config demo_config() {
  auto loaded = load_config_file(test::src + "/examples/demo.json");
  EXPECT_TRUE(loaded.ok()) << format_config_errors(loaded.errors);
  auto config = *loaded.config;
  config.dids.at(0).tags = {"spanish", "mobile"};
  return config;
}

const did_config& first_did(const engine_config& c) { return c.dids.at(0); }

/// A campaign and a source of the config other than the first DID's.
std::pair<std::string, std::string> other_assignment(const engine_config& c) {
  std::string campaign, source;
  for (const auto& x : c.campaigns)
    if (x.id != first_did(c).campaign_id) campaign = x.id;
  for (const auto& x : c.sources)
    if (x.id != first_did(c).source_id) source = x.id;
  return {campaign, source};
}

/// Waits (bounded) for one lookup's answer.
std::optional<did_route> lookup_sync(did_directory& dir, const std::string& number) {
  auto answer = std::make_shared<std::promise<std::optional<did_route>>>();
  auto future = answer->get_future();
  dir.lookup(number, [answer](std::optional<did_route> r) { answer->set_value(std::move(r)); });
  if (future.wait_for(30s) != std::future_status::ready) {
    ADD_FAILURE() << "no answer for " << number;
    return std::nullopt;
  }
  return future.get();
}

int64_t count_rows(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
      n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return n;
}

// -- helpers ----------------------------------------------------------------------

TEST(DidHelpers, E164AndTags) {
  EXPECT_TRUE(is_e164("+18005550100"));
  EXPECT_TRUE(is_e164("+4930123"));
  EXPECT_TRUE(is_e164("+123456789012345"));
  EXPECT_FALSE(is_e164("18005550100"));
  EXPECT_FALSE(is_e164("+08005550100"));
  EXPECT_FALSE(is_e164("+1800555010a"));
  EXPECT_FALSE(is_e164("+123456"));
  EXPECT_FALSE(is_e164("+1234567890123456"));
  EXPECT_EQ(join_tags({"a", "b c"}), "a,b c");
  EXPECT_EQ(split_tags("a,b c"), (std::vector<std::string>{"a", "b c"}));
  EXPECT_TRUE(split_tags("").empty());
}

TEST(DidHelpers, RedisUrls) {
  redis_endpoint e;
  std::string error;
  ASSERT_TRUE(parse_redis_url("redis://127.0.0.1:6390", e, &error)) << error;
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 6390);
  EXPECT_EQ(e.db, 0);
  ASSERT_TRUE(parse_redis_url("redis://:secret@localhost/3", e, &error)) << error;
  EXPECT_EQ(e.host, "localhost");
  EXPECT_EQ(e.port, 6379);
  EXPECT_EQ(e.password, "secret");
  EXPECT_EQ(e.db, 3);
  EXPECT_EQ(e.text(), "redis://localhost:6379/3");
  EXPECT_FALSE(parse_redis_url("http://127.0.0.1:6379", e, &error));
  EXPECT_FALSE(parse_redis_url("redis://127.0.0.1:0", e, &error));
  EXPECT_FALSE(parse_redis_url("redis://127.0.0.1:70000", e, &error));
  EXPECT_FALSE(parse_redis_url("redis://:6379", e, &error));
  EXPECT_FALSE(parse_redis_url("redis://x:1:2", e, &error));
  EXPECT_FALSE(parse_redis_url("redis://user:pw@host", e, &error)) << "only a password";
}

// -- the store and the in-process directory ------------------------------------------

TEST(DidStore, SeedsFromConfigAndKeepsStoredAssignments) {
  auto dir = test::temp_dir("did-seed");
  auto db = dir + "/node.db";
  auto config = demo_config();
  auto [campaign, source] = other_assignment(config);
  ASSERT_FALSE(campaign.empty());
  std::string error;
  {
    auto store = did_store::open(db, &error);
    ASSERT_TRUE(store) << error;
    did_seed_result seeded;
    ASSERT_TRUE(store->seed(config, &seeded, &error)) << error;
    EXPECT_EQ(seeded.inserted, config.dids.size());
    EXPECT_EQ(seeded.kept, 0u);
    std::optional<did_entry> row;
    ASSERT_TRUE(store->find(first_did(config).number, row, &error)) << error;
    ASSERT_TRUE(row);
    EXPECT_EQ(row->campaign_id, first_did(config).campaign_id);
    EXPECT_EQ(row->tags, first_did(config).tags);
    // Change one and unassign another, as `ringbid dids` does.
    ASSERT_TRUE(store->assign(did_entry{first_did(config).number, campaign, source, {"x"}, 0}, &error)) << error;
    EXPECT_EQ(store->unassign(config.dids.at(1).number, &error), did_store::unassign_result::done);
    EXPECT_EQ(store->unassign(config.dids.at(1).number, &error), did_store::unassign_result::not_assigned);
    EXPECT_EQ(store->unassign("+19995550000", &error), did_store::unassign_result::not_assigned);
  }
  // A restart: the config seeds again, and the stored rows win.
  auto store = did_store::open(db, &error);
  ASSERT_TRUE(store) << error;
  did_seed_result seeded;
  ASSERT_TRUE(store->seed(config, &seeded, &error)) << error;
  EXPECT_EQ(seeded.inserted, 0u);
  EXPECT_EQ(seeded.kept, config.dids.size());
  std::optional<did_entry> row;
  ASSERT_TRUE(store->find(first_did(config).number, row, &error));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->campaign_id, campaign);
  EXPECT_EQ(row->source_id, source);
  EXPECT_EQ(row->tags, std::vector<std::string>{"x"});
  ASSERT_TRUE(store->find(config.dids.at(1).number, row, &error));
  ASSERT_TRUE(row);
  EXPECT_FALSE(row->assigned()) << "an unassigned config number stays unassigned";
  std::vector<did_entry> rows;
  ASSERT_TRUE(store->list(rows, &error));
  EXPECT_EQ(rows.size(), config.dids.size());
  // The reporting tables describe the config.
  EXPECT_EQ(count_rows(db, "SELECT count(*) FROM campaigns"), int64_t(config.campaigns.size()));
  EXPECT_EQ(count_rows(db, "SELECT count(*) FROM sources"), int64_t(config.sources.size()));
  EXPECT_EQ(count_rows(db, "SELECT count(*) FROM buyers"), int64_t(config.buyers.size()));
  fs::remove_all(dir);
}

TEST(SqliteDidDirectory, LookupHitMissTagsInline) {
  auto config = demo_config();
  auto parts = open_did_directory(config, ":memory:");
  ASSERT_TRUE(parts.directory) << parts.error;
  EXPECT_EQ(parts.directory, parts.local) << "no Redis: the in-process directory itself";
  EXPECT_EQ(parts.local->size(), config.dids.size());

  bool inline_answer = false;
  std::optional<did_route> hit;
  parts.directory->lookup(first_did(config).number, [&](std::optional<did_route> r) {
    inline_answer = true;
    hit = std::move(r);
  });
  ASSERT_TRUE(inline_answer) << "the in-process directory answers before lookup returns";
  ASSERT_TRUE(hit);
  EXPECT_TRUE(hit->found);
  EXPECT_EQ(hit->did, first_did(config).number);
  EXPECT_EQ(hit->campaign_id, first_did(config).campaign_id);
  EXPECT_EQ(hit->source_id, first_did(config).source_id);
  EXPECT_EQ(hit->tags, (std::vector<std::string>{"spanish", "mobile"}));

  auto miss = lookup_sync(*parts.directory, "+19995550000");
  ASSERT_TRUE(miss);
  EXPECT_FALSE(miss->found);
  EXPECT_EQ(miss->did, "+19995550000");

  // A stored assignment to a campaign this config lacks takes no calls.
  std::string error;
  ASSERT_TRUE(parts.local->store()->assign(
    did_entry{"+19995550001", "gone-campaign", first_did(config).source_id, {}, 0}, &error));
  ASSERT_TRUE(parts.local->refresh("+19995550001"));
  EXPECT_FALSE(parts.local->cached("+19995550001").found);
  // Unassigned after a refresh.
  EXPECT_EQ(parts.local->store()->unassign(first_did(config).number, &error), did_store::unassign_result::done);
  EXPECT_TRUE(parts.local->cached(first_did(config).number).found) << "the map changes only when told";
  ASSERT_TRUE(parts.local->refresh(first_did(config).number));
  EXPECT_FALSE(parts.local->cached(first_did(config).number).found);
}

// -- the directory actor over the port ----------------------------------------------

/// Answers from a thread of its own, after a short delay; nullopt for "+1999...".
class threaded_directory final : public did_directory {
public:
  ~threaded_directory() override {
    for (auto& t : threads_) t.join();
  }
  void lookup(const std::string& number, done callback) override {
    std::lock_guard guard{mutex_};
    threads_.emplace_back([number, callback] {
      std::this_thread::sleep_for(20ms);
      if (number.rfind("+1999", 0) == 0)
        callback(std::nullopt);
      else
        callback(did_route{number, true, "c", "s", {"t"}});
    });
  }

private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

TEST(DirectoryActor, AnswersFromAnotherThreadThroughAPromise) {
  auto port = std::make_shared<threaded_directory>();
  {
    caf::actor_system_config cfg;
    add_protocol_types(cfg);
    cfg.set("scheduler.max-threads", size_t{2});
    cfg.set("logger.verbosity", caf::atom("quiet"));
    caf::actor_system sys{cfg};
    caf::scoped_actor self{sys};
    auto directory = spawn_directory(self.ptr(), port);
    // Several in flight at once, each answered with its own number.
    std::vector<std::string> numbers{"+18005550100", "+18005550101", "+18005550102"};
    for (const auto& n : numbers) self->send(directory, did_lookup{n});
    // (sent, not requested: the answers come back as did_route messages)
    std::set<std::string> seen;
    for (size_t i = 0; i < numbers.size(); ++i)
      self->receive(
        [&](const did_route& r) {
          seen.insert(r.did);
          EXPECT_TRUE(r.found);
        },
        caf::after(std::chrono::seconds{30}) >> [&] { ADD_FAILURE() << "no answer"; });
    EXPECT_EQ(seen.size(), numbers.size());
    bool answered = false;
    self->request(directory, std::chrono::seconds{30}, did_lookup{"+18005550103"})
      .receive(
        [&](const did_route& r) {
          answered = true;
          EXPECT_EQ(r.campaign_id, "c");
          EXPECT_EQ(r.tags, std::vector<std::string>{"t"});
        },
        [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
    EXPECT_TRUE(answered);
    bool failed = false;
    self->request(directory, std::chrono::seconds{30}, did_lookup{"+19995550000"})
      .receive([&](const did_route&) { ADD_FAILURE() << "an error was expected"; },
               [&](caf::error& err) {
                 failed = true;
                 EXPECT_TRUE(err != caf::sec::request_timeout) << "answered with an error, not left to time out";
               });
    EXPECT_TRUE(failed);
    self->send_exit(directory, caf::exit_reason::user_shutdown);
  }
}

// -- ringbid dids ---------------------------------------------------------------------

TEST(DidsCommand, AssignUnassignListThroughTheExecutable) {
  auto dir = test::temp_dir("dids-cli");
  auto db = dir + "/node.db";
  auto config = demo_config();
  auto [campaign, source] = other_assignment(config);
  auto ringbid = test::bin + "ringbid dids --config " + test::src + "/examples/demo.json --db " + db + " ";

  auto list = test::run(ringbid + "list --json");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  for (const auto& d : config.dids) EXPECT_NE(list.output.find(d.number), std::string::npos) << list.output;

  auto assign =
    test::run(ringbid + "assign +15125550199 --campaign " + campaign + " --source " + source + " --tags a,b");
  ASSERT_EQ(assign.exit_code, 0) << assign.output;
  std::string error;
  {
    auto store = did_store::open(db, &error);
    ASSERT_TRUE(store) << error;
    std::optional<did_entry> row;
    ASSERT_TRUE(store->find("+15125550199", row, &error));
    ASSERT_TRUE(row);
    EXPECT_EQ(row->campaign_id, campaign);
    EXPECT_EQ(row->source_id, source);
    EXPECT_EQ(row->tags, (std::vector<std::string>{"a", "b"}));
  }
  list = test::run(ringbid + "list");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("+15125550199"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("a,b"), std::string::npos) << list.output;

  // Reassigning a config number, then unassigning another: both survive the
  // next seed (a node start).
  auto reassign =
    test::run(ringbid + "assign " + first_did(config).number + " --campaign " + campaign + " --source " + source);
  ASSERT_EQ(reassign.exit_code, 0) << reassign.output;
  auto unassign = test::run(ringbid + "unassign " + config.dids.at(1).number);
  ASSERT_EQ(unassign.exit_code, 0) << unassign.output;
  auto again = test::run(ringbid + "unassign " + config.dids.at(1).number);
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find("not assigned"), std::string::npos) << again.output;
  auto unknown = test::run(ringbid + "unassign +19995550000");
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  {
    auto parts = open_did_directory(config, db);
    ASSERT_TRUE(parts.directory) << parts.error;
    EXPECT_EQ(parts.local->cached(first_did(config).number).campaign_id, campaign);
    EXPECT_FALSE(parts.local->cached(config.dids.at(1).number).found);
    EXPECT_TRUE(parts.local->cached("+15125550199").found);
  }

  // Validation: exit 2, one clear line, nothing written.
  auto bad_number = test::run(ringbid + "assign 5125550199 --campaign " + campaign + " --source " + source);
  EXPECT_EQ(bad_number.exit_code, 2) << bad_number.output;
  EXPECT_NE(bad_number.output.find("E.164"), std::string::npos) << bad_number.output;
  auto bad_campaign = test::run(ringbid + "assign +15125550198 --campaign nope --source " + source);
  EXPECT_EQ(bad_campaign.exit_code, 2) << bad_campaign.output;
  EXPECT_NE(bad_campaign.output.find("unknown campaign \"nope\""), std::string::npos) << bad_campaign.output;
  auto bad_source = test::run(ringbid + "assign +15125550198 --campaign " + campaign + " --source nope");
  EXPECT_EQ(bad_source.exit_code, 2) << bad_source.output;
  EXPECT_NE(bad_source.output.find("unknown source \"nope\""), std::string::npos) << bad_source.output;
  auto bad_tags =
    test::run(ringbid + "assign +15125550198 --campaign " + campaign + " --source " + source + " --tags a,,b");
  EXPECT_EQ(bad_tags.exit_code, 2) << bad_tags.output;
  auto bad_url =
    test::run(ringbid + "--redis http://x assign +15125550198 --campaign " + campaign + " --source " + source);
  EXPECT_EQ(bad_url.exit_code, 2) << bad_url.output;
  EXPECT_EQ(count_rows(db, "SELECT count(*) FROM dids WHERE number = '+15125550198'"), 0);
  fs::remove_all(dir);
}

TEST(DidsCommand, TheFirstRevisionKeepsTheAssignmentsADatabaseFromBeforeRevisionsHad) {
  auto dir = test::temp_dir("dids-upgrade");
  auto db = dir + "/node.db";
  auto config = demo_config();
  auto [campaign, source] = other_assignment(config);
  std::string error;
  {
    // What `ringbid dids` of an older build left: a reassigned number, an
    // unassigned one, a new one.
    auto store = did_store::open(db, &error);
    ASSERT_TRUE(store) << error;
    ASSERT_TRUE(store->seed(config, nullptr, &error)) << error;
    ASSERT_TRUE(store->assign(did_entry{first_did(config).number, campaign, source, {"kept"}, 0}, &error)) << error;
    ASSERT_EQ(store->unassign(config.dids.at(1).number, &error), did_store::unassign_result::done);
    ASSERT_TRUE(store->assign(did_entry{"+15125550177", campaign, source, {}, 0}, &error)) << error;
  }
  auto list = test::run(test::bin + "ringbid dids --config " + test::src + "/examples/demo.json --db " + db + " list");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  auto line_of = [&](const std::string& number) {
    auto at = list.output.find(number);
    return at == std::string::npos ? std::string{} : list.output.substr(at, list.output.find('\n', at) - at);
  };
  EXPECT_NE(line_of(first_did(config).number).find(campaign), std::string::npos) << list.output;
  EXPECT_NE(line_of(first_did(config).number).find("kept"), std::string::npos) << list.output;
  EXPECT_EQ(line_of(config.dids.at(1).number), "") << "an unassigned number stays unassigned\n" << list.output;
  EXPECT_NE(line_of("+15125550177").find(campaign), std::string::npos) << list.output;
  fs::remove_all(dir);
}

// -- Redis ----------------------------------------------------------------------------

/// A redis-server child on a loopback port, no persistence.
class redis_process {
public:
  explicit redis_process(std::string dir) : dir_(std::move(dir)) {}
  ~redis_process() { stop(); }

  /// Starts on `port` (0: a free one). False when it does not answer PING.
  bool start(uint16_t port = 0) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = port != 0 ? port : free_port();
      pid_ = spawn_logged({redis_binary, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no", "--daemonize", "no"},
                          dir_ + "/redis-" + std::to_string(starts_++) + ".log");
      if (test::wait_until([&] { return cli("PING") == "PONG"; }, 20s)) return true;
      stop();
      if (port != 0 && attempt >= 2) return false;
    }
    return false;
  }

  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    wait_exit(pid_, 30s);
    pid_ = -1;
  }

  void stop() { kill(); }

  /// redis-cli's answer, trailing newline removed.
  std::string cli(const std::string& args) const {
    auto r = test::run(std::string{redis_cli} + " -h 127.0.0.1 -p " + std::to_string(port_) + " " + args);
    auto out = r.output;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

private:
  std::string dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int starts_ = 0;
};

class RedisDidCache : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(redis_binary) && fs::exists(redis_cli))
      << "redis-server and redis-cli are needed (tools/setup-debian.sh installs them)";
    dir_ = test::temp_dir("did-redis-" + std::string{::testing::UnitTest::GetInstance()->current_test_info()->name()});
    db_ = dir_ + "/node.db";
    config_ = demo_config();
    redis_ = std::make_unique<redis_process>(dir_);
    ASSERT_TRUE(redis_->start()) << test::run("cat " + dir_ + "/redis-*.log").output;
  }
  void TearDown() override {
    redis_.reset();
    fs::remove_all(dir_);
  }

  did_directory_parts open_node() {
    auto parts = open_did_directory(config_, db_, redis_->url());
    EXPECT_TRUE(parts.directory) << parts.error;
    EXPECT_TRUE(parts.redis);
    return parts;
  }

  std::string dids_cli(const std::string& args) {
    auto r = test::run(test::bin + "ringbid dids --config " + test::src + "/examples/demo.json --db " + db_ +
                       " --redis " + redis_->url() + " " + args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }

  std::string dir_, db_;
  engine_config config_;
  std::unique_ptr<redis_process> redis_;
};

TEST_F(RedisDidCache, LookupsGoThroughRedis) {
  auto parts = open_node();
  ASSERT_TRUE(parts.redis);
  const auto& did = first_did(config_);
  auto key = redis_did_key(did.number);
  EXPECT_EQ(redis_->cli("EXISTS " + key), "0");
  auto first = lookup_sync(*parts.directory, did.number);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->found);
  EXPECT_EQ(first->campaign_id, did.campaign_id);
  EXPECT_EQ(first->tags, did.tags);
  EXPECT_EQ(redis_->cli("GET " + key), did.campaign_id + "|" + did.source_id + "|spanish,mobile");
  auto ttl = std::stoi(redis_->cli("TTL " + key));
  EXPECT_GT(ttl, 0) << "every key expires";
  EXPECT_EQ(parts.redis->stats().redis_misses.load(), 1u);

  // The second lookup is a hit: what Redis holds is what is served.
  auto [campaign, source] = other_assignment(config_);
  redis_->cli("SET " + key + " \"" + campaign + "|" + source + "|from-redis\"");
  auto second = lookup_sync(*parts.directory, did.number);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->campaign_id, campaign);
  EXPECT_EQ(second->tags, std::vector<std::string>{"from-redis"});
  EXPECT_GE(parts.redis->stats().redis_hits.load(), 1u);

  // An unassigned number is cached as such.
  auto miss = lookup_sync(*parts.directory, "+19995550000");
  ASSERT_TRUE(miss);
  EXPECT_FALSE(miss->found);
  EXPECT_EQ(redis_->cli("GET " + redis_did_key("+19995550000")), "||");
}

TEST_F(RedisDidCache, InvalidationReachesEveryInstance) {
  auto a = open_node();
  auto b = open_node();
  ASSERT_TRUE(a.redis && b.redis);
  ASSERT_TRUE(test::wait_until(
    [&] { return a.redis->stats().subscriptions.load() > 0 && b.redis->stats().subscriptions.load() > 0; }, 30s));
  const auto& did = first_did(config_);
  auto key = redis_did_key(did.number);
  ASSERT_TRUE(lookup_sync(*a.directory, did.number));
  ASSERT_TRUE(lookup_sync(*b.directory, did.number));
  EXPECT_EQ(b.local->cached(did.number).campaign_id, did.campaign_id);

  auto [campaign, source] = other_assignment(config_);
  auto out = dids_cli("assign " + did.number + " --campaign " + campaign + " --source " + source + " --tags moved");
  EXPECT_NE(out.find("invalidated"), std::string::npos) << out;
  // Both instances drop and reload their in-process entry...
  EXPECT_TRUE(test::wait_until([&] { return b.local->cached(did.number).campaign_id == campaign; }, 30s));
  EXPECT_TRUE(test::wait_until([&] { return a.local->cached(did.number).campaign_id == campaign; }, 30s));
  EXPECT_EQ(b.local->cached(did.number).tags, std::vector<std::string>{"moved"});
  // (The subscriber counts the invalidation once it has reloaded the entry.)
  EXPECT_TRUE(test::wait_until([&] { return b.redis->stats().invalidations.load() >= 1u; }, 30s));
  // ...and lookups through Redis serve the new assignment.
  auto after = lookup_sync(*b.directory, did.number);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->campaign_id, campaign);
  // (Each node DELs the key once more when the number reaches it, so look up again.)
  EXPECT_TRUE(test::wait_until(
    [&] {
      lookup_sync(*b.directory, did.number);
      return redis_->cli("GET " + key) == campaign + "|" + source + "|moved";
    },
    30s));

  dids_cli("unassign " + did.number);
  EXPECT_TRUE(test::wait_until([&] { return !a.local->cached(did.number).found; }, 30s));
  EXPECT_TRUE(test::wait_until([&] { return !b.local->cached(did.number).found; }, 30s));
  auto gone = lookup_sync(*a.directory, did.number);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->found);
}

TEST_F(RedisDidCache, RedisStoppedMidRunFallsBackToSqliteAndRecovers) {
  auto parts = open_node();
  ASSERT_TRUE(parts.redis);
  const auto& did = first_did(config_);
  auto key = redis_did_key(did.number);
  ASSERT_TRUE(test::wait_until([&] { return parts.redis->stats().subscriptions.load() > 0; }, 30s));
  auto before = lookup_sync(*parts.directory, did.number);
  ASSERT_TRUE(before && before->found);
  ASSERT_EQ(redis_->cli("EXISTS " + key), "1");

  auto port = redis_->port();
  redis_->kill();
  // Lookups keep answering, from SQLite.
  for (int i = 0; i < 20; ++i) {
    auto r = lookup_sync(*parts.directory, did.number);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->found);
    EXPECT_EQ(r->campaign_id, did.campaign_id);
  }
  EXPECT_GT(parts.redis->stats().fallbacks.load(), 0u);
  EXPECT_FALSE(parts.redis->stats().connected.load());
  // A change made while Redis is down (no invalidation possible) is served at once.
  auto [campaign, source] = other_assignment(config_);
  std::string error;
  ASSERT_TRUE(parts.local->store()->assign(did_entry{did.number, campaign, source, {}, 0}, &error)) << error;
  auto changed = lookup_sync(*parts.directory, did.number);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->campaign_id, campaign);

  // Redis returns on the same port (empty): the cache reconnects, and lookups
  // write the keys again.
  ASSERT_TRUE(redis_->start(port));
  EXPECT_TRUE(test::wait_until([&] { return parts.redis->stats().connected.load(); }, 60s));
  EXPECT_TRUE(test::wait_until(
    [&] {
      auto r = lookup_sync(*parts.directory, did.number);
      return r && r->campaign_id == campaign && redis_->cli("GET " + key) == campaign + "|" + source + "|";
    },
    60s));
  EXPECT_TRUE(test::wait_until([&] { return parts.redis->stats().subscriptions.load() >= 2; }, 60s))
    << "the subscription is back too";
}

} // namespace
} // namespace ringbid
