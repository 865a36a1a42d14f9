#include "tools/cli/dids_command.hpp"

#include "adapters/config/config_plane.hpp"
#include "adapters/redis/redis_did_cache.hpp"
#include "adapters/sqlite/did_store.hpp"
#include "adapters/sqlite/sqlite_config_store.hpp"
#include "protocol/time.hpp"
#include "tools/cli/cli_database.hpp"
#include "tools/node/config_startup.hpp"

#include <fmt/format.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

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

void print_table(std::ostream& out, const std::vector<did_config>& dids, int64_t revision, const std::string& db) {
  out << fmt::format("{:<17} {:<30} {:<30} {:<30} {}\n", "number", "campaign", "source", "tags", "split");
  for (const auto& d : dids) {
    auto tags = join_tags(d.tags);
    auto split =
      d.split.campaign_id.empty() ? std::string{"-"} : fmt::format("{}% to {}", d.split.percent, d.split.campaign_id);
    out << fmt::format("{:<17} {:<30} {:<30} {:<30} {}\n", d.number, d.campaign_id, d.source_id,
                       tags.empty() ? "-" : tags, split);
  }
  out << fmt::format("{} numbers in revision {} of {}\n", dids.size(), revision, db);
}

void print_json(std::ostream& out, const std::vector<did_config>& dids, int64_t revision, const std::string& db) {
  rapidjson::OStreamWrapper os{out};
  rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w{os};
  w.StartObject();
  w.Key("database");
  w.String(db.c_str());
  w.Key("revision");
  w.Int64(revision);
  w.Key("dids");
  w.StartArray();
  for (const auto& d : dids) {
    w.StartObject();
    w.Key("number");
    w.String(d.number.c_str());
    w.Key("campaign_id");
    w.String(d.campaign_id.c_str());
    w.Key("source_id");
    w.String(d.source_id.c_str());
    w.Key("tags");
    w.StartArray();
    for (const auto& t : d.tags) w.String(t.c_str());
    w.EndArray();
    if (!d.split.campaign_id.empty()) {
      w.Key("split");
      w.StartObject();
      w.Key("campaign_id");
      w.String(d.split.campaign_id.c_str());
      w.Key("percent");
      w.Int(d.split.percent);
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out << '\n';
}

/// A JSON string literal.
std::string quoted(const std::string& s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w{buffer};
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return {buffer.GetString(), buffer.GetSize()};
}

std::string tags_json(const std::vector<std::string>& tags) {
  std::string out = "[";
  for (const auto& t : tags) out += (out.size() > 1 ? "," : "") + quoted(t);
  return out + "]";
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

int run_dids_command(const dids_options& options, std::ostream& out, std::ostream& err) {
  auto fail = [&](int code, const std::string& text) {
    err << "ringbid dids: " << text << '\n';
    return code;
  };
  // Validate the options before touching the database.
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
  if (options.action == "assign" && !parse_tags(options.tags, tags, error)) return fail(2, error);

  auto db = cli_database(options.db_path, options.config_path, "ringbid dids", err);
  if (db.empty()) return 2;
  auto store = sqlite_config_store::open(db, &error);
  if (!store) return fail(1, error);
  config_plane plane{store, cli_now};
  // The database's configuration as a node start would leave it: the config
  // file imported when it changed since its last import.
  auto start = open_startup_config(plane, options.config_path, db);
  if (!start.head) return fail(start.exit_code, start.error);

  if (options.action == "list") {
    const auto& head = start.head;
    if (options.json)
      print_json(out, head->config->dids, head->info.number, db);
    else
      print_table(out, head->config->dids, head->info.number, db);
    return 0;
  }
  config_author author{"cli", "admin", "ringbid dids " + options.action + " " + options.number};
  auto r = plane.edit(
    [&](config_document& doc) -> std::optional<edit_result> {
      if (options.action == "unassign") {
        if (doc.remove_entity(entity_kind::did, options.number)) return std::nullopt;
        edit_result refused;
        refused.status = edit_status::refused;
        refused.problem_status = 404;
        refused.message = options.number + " is not assigned in " + db + " (nothing to unassign)";
        return refused;
      }
      // A number that exists keeps its other settings (a traffic split).
      if (doc.index_of(entity_kind::did, options.number)) {
        doc.set_member(entity_kind::did, options.number, "campaign_id", quoted(options.campaign_id));
        doc.set_member(entity_kind::did, options.number, "source_id", quoted(options.source_id));
        doc.set_member(entity_kind::did, options.number, "tags", tags_json(tags));
        return std::nullopt;
      }
      auto object = "{\"number\":" + quoted(options.number) + ",\"campaign_id\":" + quoted(options.campaign_id) +
                    ",\"source_id\":" + quoted(options.source_id) + ",\"tags\":" + tags_json(tags) + "}";
      doc.put_entity(entity_kind::did, options.number, object, nullptr);
      return std::nullopt;
    },
    author);
  switch (r.status) {
    case edit_status::committed: break;
    case edit_status::unchanged:
      out << options.number << " is already " << (options.action == "assign" ? "assigned so" : "unassigned")
          << "; revision " << r.number << " stays in force\n";
      return 0;
    case edit_status::invalid:
    case edit_status::conflict:
      err << "ringbid dids: refused, nothing changed:\n" << format_config_errors(r.errors);
      return 2;
    case edit_status::refused:
    case edit_status::failed: return fail(1, r.message);
  }
  // The DID table follows (what `ringbid dids list` shows running nodes do too).
  if (auto head = plane.head(&error)) {
    auto table = did_store::open(db, &error);
    if (!table || !table->sync(*head->config, nullptr, &error))
      err << "ringbid dids: warning: the DID table is not updated yet (" << error
          << "); nodes update it when they install the revision\n";
  }
  audit_cli_change(db, "did." + options.action, "did", options.number, r.number, changes_json(r.changes),
                   "ringbid dids", err);
  if (options.action == "assign") {
    out << "assigned " << options.number << " to campaign " << options.campaign_id << ", source " << options.source_id;
    if (!tags.empty()) out << ", tags " << join_tags(tags);
  } else {
    out << "unassigned " << options.number;
  }
  out << " (revision " << r.number << "; running nodes install it within a second)\n";
  invalidate(redis, options.number, out, err);
  return 0;
}

} // namespace ringbid
