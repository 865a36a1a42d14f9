#include "tools/cli/dids_command.hpp"

#include "adapters/redis/redis_did_cache.hpp"
#include "adapters/sqlite/did_store.hpp"
#include "protocol/time.hpp"

#include <fmt/format.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>

#include <algorithm>
#include <filesystem>
#include <ostream>

namespace ringbid {

namespace {

constexpr std::chrono::milliseconds redis_timeout{2'000};
constexpr size_t max_tag_length = 100;

/// --tags "a,b": every tag non-empty, at most 100 characters, no repeats.
bool parse_tags(const std::string& text, std::vector<std::string>& out, std::string& error) {
  out.clear();
  if (text.empty()) return true;
  size_t start = 0;
  for (;;) {
    auto comma = text.find(',', start);
    auto tag = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (tag.empty()) {
      error = "--tags: empty tag in \"" + text + "\"";
      return false;
    }
    if (tag.size() > max_tag_length) {
      error = fmt::format("--tags: tag \"{}\" is longer than {} characters", tag, max_tag_length);
      return false;
    }
    if (std::find(out.begin(), out.end(), tag) != out.end()) {
      error = "--tags: tag \"" + tag + "\" given twice";
      return false;
    }
    out.push_back(tag);
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

void print_table(std::ostream& out, const std::vector<did_entry>& rows, const std::string& db_path) {
  out << fmt::format("{:<17} {:<30} {:<30} {:<30} {}\n", "number", "campaign", "source", "tags", "updated at");
  size_t assigned = 0;
  for (const auto& r : rows) {
    if (r.assigned()) ++assigned;
    auto tags = join_tags(r.tags);
    out << fmt::format("{:<17} {:<30} {:<30} {:<30} {}\n", r.number, r.assigned() ? r.campaign_id : "(unassigned)",
                       r.assigned() ? r.source_id : "-", tags.empty() ? "-" : tags, format_iso8601(r.updated_at));
  }
  out << fmt::format("{} numbers assigned, {} unassigned, in {}\n", assigned, rows.size() - assigned, db_path);
}

void print_json(std::ostream& out, const std::vector<did_entry>& rows, const std::string& db_path) {
  rapidjson::OStreamWrapper os{out};
  rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w{os};
  w.StartObject();
  w.Key("database");
  w.String(db_path.c_str());
  w.Key("dids");
  w.StartArray();
  for (const auto& r : rows) {
    w.StartObject();
    w.Key("number");
    w.String(r.number.c_str());
    w.Key("assigned");
    w.Bool(r.assigned());
    w.Key("campaign_id");
    w.String(r.campaign_id.c_str());
    w.Key("source_id");
    w.String(r.source_id.c_str());
    w.Key("tags");
    w.StartArray();
    for (const auto& t : r.tags) w.String(t.c_str());
    w.EndArray();
    w.Key("updated_at");
    w.String(format_iso8601(r.updated_at).c_str());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out << '\n';
}

/// Tells nodes using Redis; a failure is a warning (SQLite has the change).
void invalidate(const redis_endpoint* redis, const std::string& number, std::ostream& out, std::ostream& err) {
  if (redis == nullptr) return;
  std::string error;
  if (publish_did_change(*redis, number, redis_timeout, &error)) {
    out << "invalidated " << number << " in Redis at " << redis->text() << '\n';
    return;
  }
  err << "ringbid dids: warning: the change is saved, but Redis could not be told (" << error
      << "); nodes using Redis serve the old assignment until their cached entry expires (at most "
      << redis_did_options{}.ttl.count() << " s)\n";
}

} // namespace

int run_dids_command(const engine_config& config, const dids_options& options, std::ostream& out, std::ostream& err) {
  auto fail = [&](int code, const std::string& text) {
    err << "ringbid dids: " << text << '\n';
    return code;
  };
  // Validate everything before touching the database.
  redis_endpoint endpoint;
  std::string error;
  if (!options.redis_url.empty() && !parse_redis_url(options.redis_url, endpoint, &error))
    return fail(2, "--redis: " + error);
  const redis_endpoint* redis = options.redis_url.empty() ? nullptr : &endpoint;
  bool changes = options.action == "assign" || options.action == "unassign";
  if (!changes && options.action != "list") return fail(2, "unknown action \"" + options.action + "\"");
  if (changes && !is_e164(options.number))
    return fail(2, "\"" + options.number + "\" is not an E.164 number (+ and 7 to 15 digits, e.g. +18005550100)");
  std::vector<std::string> tags;
  if (options.action == "assign") {
    if (!config.find_campaign(options.campaign_id))
      return fail(2, "campaign \"" + options.campaign_id + "\" is not in the config");
    if (!config.find_source(options.source_id))
      return fail(2, "source \"" + options.source_id + "\" is not in the config");
    if (!parse_tags(options.tags, tags, error)) return fail(2, error);
  }

  auto db_path = options.db_path.empty()
                   ? (std::filesystem::path{config.storage.data_dir} / config.storage.sqlite_file).string()
                   : options.db_path;
  auto store = did_store::open(db_path, &error);
  if (!store) return fail(1, error);
  if (!store->seed(config, nullptr, &error)) return fail(1, "cannot seed the DIDs from the config: " + error);

  if (options.action == "list") {
    std::vector<did_entry> rows;
    if (!store->list(rows, &error)) return fail(1, error);
    if (options.json)
      print_json(out, rows, db_path);
    else
      print_table(out, rows, db_path);
    return 0;
  }
  if (options.action == "assign") {
    did_entry entry;
    entry.number = options.number;
    entry.campaign_id = options.campaign_id;
    entry.source_id = options.source_id;
    entry.tags = tags;
    if (!store->assign(entry, &error)) return fail(1, error);
    out << "assigned " << entry.number << " to campaign " << entry.campaign_id << ", source " << entry.source_id;
    if (!tags.empty()) out << ", tags " << join_tags(tags);
    out << '\n';
    invalidate(redis, entry.number, out, err);
    return 0;
  }
  switch (store->unassign(options.number, &error)) {
    case did_store::unassign_result::failed: return fail(1, error);
    case did_store::unassign_result::not_assigned:
      return fail(1, options.number + " is not assigned in " + db_path + " (nothing to unassign)");
    case did_store::unassign_result::done: break;
  }
  out << "unassigned " << options.number << '\n';
  invalidate(redis, options.number, out, err);
  return 0;
}

} // namespace ringbid
