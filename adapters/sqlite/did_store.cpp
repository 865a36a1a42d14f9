#include "adapters/sqlite/did_store.hpp"

#include "adapters/sqlite/sqlite_common.hpp"
#include "adapters/sqlite/sqlite_migrations.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>

namespace ringbid {

namespace {

constexpr int busy_timeout_ms = 5'000;

void log_line(const std::string& text) { std::fprintf(stderr, "ringbid did_directory: %s\n", text.c_str()); }

int64_t unix_now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

did_entry read_row(const sqlite::statement& s) {
  did_entry e;
  e.number = s.column_text(0);
  e.campaign_id = s.column_text(1);
  e.source_id = s.column_text(2);
  e.tags = split_tags(s.column_text(3));
  e.updated_at = s.column_int(4);
  return e;
}

} // namespace

bool is_e164(std::string_view number) {
  if (number.size() < 8 || number.size() > 16 || number[0] != '+') return false;
  if (number[1] < '1' || number[1] > '9') return false;
  for (size_t i = 2; i < number.size(); ++i)
    if (number[i] < '0' || number[i] > '9') return false;
  return true;
}

std::string join_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) {
    if (!out.empty()) out += ',';
    out += t;
  }
  return out;
}

std::vector<std::string> split_tags(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto part = text.substr(0, comma);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// -- did_store ------------------------------------------------------------------

struct did_store::impl {
  std::mutex mutex;
  sqlite::db_ptr db;
  sqlite::statement find, list, upsert, seed_did, unassign, campaign, source, buyer;

  bool prepare(std::string* error) {
    auto* raw = db.get();
    return find.prepare(raw, "SELECT number, campaign_id, source_id, tags, updated_at FROM dids WHERE number = ?1",
                        error, true) &&
           list.prepare(raw, "SELECT number, campaign_id, source_id, tags, updated_at FROM dids ORDER BY number", error,
                        true) &&
           upsert.prepare(raw,
                          "INSERT INTO dids (number, campaign_id, source_id, tags, updated_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (number) DO UPDATE SET "
                          "campaign_id = excluded.campaign_id, source_id = excluded.source_id, "
                          "tags = excluded.tags, updated_at = excluded.updated_at",
                          error, true) &&
           seed_did.prepare(raw,
                            "INSERT OR IGNORE INTO dids (number, campaign_id, source_id, tags, updated_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5)",
                            error, true) &&
           unassign.prepare(raw,
                            "UPDATE dids SET campaign_id = '', source_id = '', tags = '', updated_at = ?2 "
                            "WHERE number = ?1 AND campaign_id <> ''",
                            error, true) &&
           campaign.prepare(raw,
                            "INSERT INTO campaigns (id, name) VALUES (?1, ?2) "
                            "ON CONFLICT (id) DO UPDATE SET name = excluded.name",
                            error, true) &&
           source.prepare(raw,
                          "INSERT INTO sources (id, name) VALUES (?1, ?2) "
                          "ON CONFLICT (id) DO UPDATE SET name = excluded.name",
                          error, true) &&
           buyer.prepare(raw,
                         "INSERT INTO buyers (id, name) VALUES (?1, ?2) "
                         "ON CONFLICT (id) DO UPDATE SET name = excluded.name",
                         error, true);
  }

  /// Runs a prepared write to completion; resets it either way.
  bool run(sqlite::statement& s, std::string* error) {
    int rc = s.step();
    s.reset();
    if (rc != SQLITE_DONE) {
      *error = sqlite::error_text(db.get(), rc);
      return false;
    }
    return true;
  }

  bool upsert_named(sqlite::statement& s, const std::string& id, const std::string& name, std::string* error) {
    s.bind_text(1, id);
    s.bind_text(2, name);
    return run(s, error);
  }
};

did_store::did_store(std::unique_ptr<impl> state, std::string path) : impl_(std::move(state)), path_(std::move(path)) {}

did_store::~did_store() = default;

std::shared_ptr<did_store> did_store::open(const std::string& path, std::string* error) {
  auto state = std::make_unique<impl>();
  state->db = open_migrated_writer(path, true, busy_timeout_ms, error);
  if (!state->db) return nullptr;
  if (!state->prepare(error)) {
    *error = path + ": " + *error;
    return nullptr;
  }
  return std::shared_ptr<did_store>(new did_store(std::move(state), path));
}

bool did_store::seed(const engine_config& config, did_seed_result* result, std::string* error) {
  std::lock_guard guard{impl_->mutex};
  auto* db = impl_->db.get();
  if (sqlite::exec(db, "BEGIN IMMEDIATE", error) != SQLITE_OK) return false;
  did_seed_result counts;
  bool ok = true;
  for (const auto& c : config.campaigns) ok = ok && impl_->upsert_named(impl_->campaign, c.id, c.name, error);
  for (const auto& s : config.sources) ok = ok && impl_->upsert_named(impl_->source, s.id, s.name, error);
  for (const auto& b : config.buyers) ok = ok && impl_->upsert_named(impl_->buyer, b.id, b.name, error);
  auto now = unix_now_us();
  for (const auto& d : config.dids) {
    if (!ok) break;
    auto tags = join_tags(d.tags);
    auto& s = impl_->seed_did;
    s.bind_text(1, d.number);
    s.bind_text(2, d.campaign_id);
    s.bind_text(3, d.source_id);
    s.bind_text(4, tags);
    s.bind_int(5, now);
    ok = impl_->run(s, error);
    if (ok && sqlite3_changes(db) > 0)
      ++counts.inserted;
    else if (ok)
      ++counts.kept;
  }
  if (!ok || sqlite::exec(db, "COMMIT", error) != SQLITE_OK) {
    sqlite::exec(db, "ROLLBACK", nullptr);
    return false;
  }
  if (result) *result = counts;
  return true;
}

bool did_store::find(const std::string& number, std::optional<did_entry>& out, std::string* error) {
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->find;
  s.bind_text(1, number);
  int rc = s.step();
  out.reset();
  if (rc == SQLITE_ROW) {
    out = read_row(s);
    rc = SQLITE_DONE;
  }
  s.reset();
  if (rc != SQLITE_DONE) {
    *error = sqlite::error_text(impl_->db.get(), rc);
    return false;
  }
  return true;
}

bool did_store::list(std::vector<did_entry>& out, std::string* error) {
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->list;
  out.clear();
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_row(s));
  s.reset();
  if (rc != SQLITE_DONE) {
    *error = sqlite::error_text(impl_->db.get(), rc);
    return false;
  }
  return true;
}

bool did_store::assign(const did_entry& entry, std::string* error) {
  std::lock_guard guard{impl_->mutex};
  auto tags = join_tags(entry.tags);
  auto& s = impl_->upsert;
  s.bind_text(1, entry.number);
  s.bind_text(2, entry.campaign_id);
  s.bind_text(3, entry.source_id);
  s.bind_text(4, tags);
  s.bind_int(5, unix_now_us());
  return impl_->run(s, error);
}

did_store::unassign_result did_store::unassign(const std::string& number, std::string* error) {
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->unassign;
  s.bind_text(1, number);
  s.bind_int(2, unix_now_us());
  if (!impl_->run(s, error)) return unassign_result::failed;
  return sqlite3_changes(impl_->db.get()) > 0 ? unassign_result::done : unassign_result::not_assigned;
}

bool did_store::sync(const engine_config& config, std::vector<std::string>* changed, std::string* error) {
  std::vector<did_entry> rows;
  if (!list(rows, error)) return false;
  std::unordered_map<std::string, const did_entry*> stored;
  for (const auto& r : rows) stored.emplace(r.number, &r);
  std::lock_guard guard{impl_->mutex};
  auto* db = impl_->db.get();
  if (sqlite::exec(db, "BEGIN IMMEDIATE", error) != SQLITE_OK) return false;
  bool ok = true;
  for (const auto& c : config.campaigns) ok = ok && impl_->upsert_named(impl_->campaign, c.id, c.name, error);
  for (const auto& s : config.sources) ok = ok && impl_->upsert_named(impl_->source, s.id, s.name, error);
  for (const auto& b : config.buyers) ok = ok && impl_->upsert_named(impl_->buyer, b.id, b.name, error);
  auto now = unix_now_us();
  std::vector<std::string> touched;
  std::unordered_set<std::string> listed;
  for (const auto& d : config.dids) {
    if (!ok) break;
    listed.insert(d.number);
    auto i = stored.find(d.number);
    if (i != stored.end() && i->second->campaign_id == d.campaign_id && i->second->source_id == d.source_id &&
        i->second->tags == d.tags)
      continue;
    auto tags = join_tags(d.tags);
    auto& s = impl_->upsert;
    s.bind_text(1, d.number);
    s.bind_text(2, d.campaign_id);
    s.bind_text(3, d.source_id);
    s.bind_text(4, tags);
    s.bind_int(5, now);
    ok = impl_->run(s, error);
    touched.push_back(d.number);
  }
  for (const auto& r : rows) {
    if (!ok) break;
    if (listed.contains(r.number) || !r.assigned()) continue;
    auto& s = impl_->unassign;
    s.bind_text(1, r.number);
    s.bind_int(2, now);
    ok = impl_->run(s, error);
    touched.push_back(r.number);
  }
  if (!ok || sqlite::exec(db, "COMMIT", error) != SQLITE_OK) {
    sqlite::exec(db, "ROLLBACK", nullptr);
    return false;
  }
  if (changed != nullptr) *changed = std::move(touched);
  return true;
}

// -- sqlite_did_directory ---------------------------------------------------------

sqlite_did_directory::sqlite_did_directory(std::shared_ptr<did_store> store, const engine_config& config)
  : store_(std::move(store)) {
  for (const auto& c : config.campaigns) campaigns_.insert(c.id);
  for (const auto& s : config.sources) sources_.insert(s.id);
}

std::shared_ptr<sqlite_did_directory> sqlite_did_directory::open(std::shared_ptr<did_store> store,
                                                                 const engine_config& config, std::string* error) {
  auto dir = std::make_shared<sqlite_did_directory>(std::move(store), config);
  if (!dir->reload(error)) return nullptr;
  return dir;
}

void sqlite_did_directory::lookup(const std::string& number, done callback) { callback(cached(number)); }

did_route sqlite_did_directory::cached(const std::string& number) const {
  std::lock_guard guard{mutex_};
  auto i = routes_.find(number);
  if (i == routes_.end()) return did_route{number, false, {}, {}, {}};
  return i->second;
}

did_route sqlite_did_directory::route_of(const std::string& number, const std::optional<did_entry>& entry) {
  did_route route{number, false, {}, {}, {}};
  if (!entry || !entry->assigned()) return route;
  bool known = false;
  {
    std::lock_guard guard{mutex_};
    known = campaigns_.count(entry->campaign_id) && sources_.count(entry->source_id);
  }
  if (!known) {
    bool first = false;
    {
      std::lock_guard guard{mutex_};
      first = warned_.insert(number).second;
    }
    if (first)
      log_line("DID " + number + " is assigned to campaign '" + entry->campaign_id + "', source '" + entry->source_id +
               "', which this node's config does not know; it takes no calls");
    return route;
  }
  route.found = true;
  route.campaign_id = entry->campaign_id;
  route.source_id = entry->source_id;
  route.tags = entry->tags;
  return route;
}

std::optional<did_route> sqlite_did_directory::refresh(const std::string& number, std::optional<did_entry>* row) {
  std::optional<did_entry> entry;
  std::string error;
  if (!store_->find(number, entry, &error)) {
    log_line("cannot read DID " + number + " from " + store_->path() + ": " + error);
    return std::nullopt;
  }
  auto route = route_of(number, entry);
  {
    std::lock_guard guard{mutex_};
    if (route.found)
      routes_[number] = route;
    else
      routes_.erase(number);
  }
  if (row) *row = std::move(entry);
  return route;
}

bool sqlite_did_directory::reload(std::string* error) {
  std::vector<did_entry> rows;
  if (!store_->list(rows, error)) return false;
  std::unordered_map<std::string, did_route> fresh;
  for (const auto& row : rows) {
    auto route = route_of(row.number, row);
    if (route.found) fresh.emplace(row.number, std::move(route));
  }
  std::lock_guard guard{mutex_};
  routes_ = std::move(fresh);
  return true;
}

void sqlite_did_directory::know(const engine_config& config) {
  std::unordered_set<std::string> campaigns, sources;
  for (const auto& c : config.campaigns)
    if (!c.archived) campaigns.insert(c.id);
  for (const auto& s : config.sources)
    if (!s.archived) sources.insert(s.id);
  std::lock_guard guard{mutex_};
  campaigns_ = std::move(campaigns);
  sources_ = std::move(sources);
}

size_t sqlite_did_directory::size() const {
  std::lock_guard guard{mutex_};
  return routes_.size();
}

} // namespace ringbid
