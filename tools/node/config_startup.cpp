#include "tools/node/config_startup.hpp"

#include "adapters/config/config_revision.hpp"
#include "adapters/sqlite/did_store.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

namespace ringbid {

namespace {

/// The digest of the newest revision imported from a file, "" if none.
std::string last_import_digest(config_store& store) {
  int64_t before = 0;
  for (;;) {
    std::string error;
    auto page = store.history(before, 100, &error);
    if (page.empty()) return {};
    for (const auto& r : page)
      if (r.author == "import") return r.digest;
    before = page.back().number;
  }
}

std::string author_reason(const std::string& path) { return "config file " + path; }

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// A database from before revisions keeps the assignments made on it with
/// `ringbid dids`: they win over the file's in the first revision (an
/// unassigned number stays unassigned). Rows naming a campaign or source the
/// file lacks are left out, logged.
void keep_stored_assignments(config_document& doc, const engine_config& file, const std::string& db) {
  std::string error;
  auto table = did_store::open(db, &error);
  std::vector<did_entry> rows;
  if (!table || !table->list(rows, &error)) return;
  for (const auto& row : rows) {
    if (!row.assigned()) {
      doc.remove_entity(entity_kind::did, row.number);
      continue;
    }
    if (file.find_campaign(row.campaign_id) == nullptr || file.find_source(row.source_id) == nullptr) {
      spdlog::warn("stored assignment of {} to campaign {}, source {} left out: the config file does not have them",
                   row.number, row.campaign_id, row.source_id);
      continue;
    }
    std::string tags = "[";
    for (const auto& t : row.tags) tags += (tags.size() > 1 ? "," : "") + quoted(t);
    tags += "]";
    if (doc.index_of(entity_kind::did, row.number)) {
      doc.set_member(entity_kind::did, row.number, "campaign_id", quoted(row.campaign_id));
      doc.set_member(entity_kind::did, row.number, "source_id", quoted(row.source_id));
      doc.set_member(entity_kind::did, row.number, "tags", tags);
    } else {
      doc.put_entity(entity_kind::did, row.number,
                     "{\"number\":" + quoted(row.number) + ",\"campaign_id\":" + quoted(row.campaign_id) +
                       ",\"source_id\":" + quoted(row.source_id) + ",\"tags\":" + tags + "}",
                     nullptr);
    }
  }
}

} // namespace

std::optional<std::string> read_config_text(const std::string& path, std::string* error) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    if (error != nullptr) *error = "cannot read config file \"" + path + "\"";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

startup_config open_startup_config(config_plane& plane, const std::string& path, const std::string& db_path) {
  startup_config out;
  if (!path.empty()) {
    auto text = read_config_text(path, &out.error);
    if (!text) {
      out.exit_code = 2;
      return out;
    }
    std::string why;
    auto canonical = canonical_config_text(*text, &why);
    bool imported_before = canonical && config_revision(*canonical) == last_import_digest(plane.store());
    if (imported_before) {
      out.note = "config file " + path + " unchanged since its last import";
    } else if (plane.store().head_number() == 0) {
      // The first revision: the file, with what the database already decided.
      auto parsed = parse_config(*text);
      auto doc = config_document::parse(*text, &why);
      if (parsed.ok() && doc) {
        keep_stored_assignments(*doc, *parsed.config, db_path);
        *text = doc->text();
      }
      auto r = plane.import_text(*text, config_author{"import", "admin", author_reason(path)});
      out.note = r.status == edit_status::committed
                   ? "config file " + path + " imported as revision " + std::to_string(r.number)
                   : std::string{};
      if (r.status != edit_status::committed) {
        out.error = "invalid config " + path + ":\n" + format_config_errors(r.errors) + r.message;
        out.exit_code = r.status == edit_status::failed ? 1 : 2;
        return out;
      }
    } else {
      auto r = plane.import_text(*text, config_author{"import", "admin", author_reason(path)});
      switch (r.status) {
        case edit_status::committed:
          out.note = "config file " + path + " imported as revision " + std::to_string(r.number);
          break;
        case edit_status::unchanged:
          out.note = "config file " + path + " equals revision " + std::to_string(r.number);
          break;
        case edit_status::invalid:
        case edit_status::conflict:
          out.error = "invalid config " + path + ":\n" + format_config_errors(r.errors);
          out.exit_code = 2;
          return out;
        case edit_status::refused:
        case edit_status::failed:
          out.error = "cannot import " + path + ": " + r.message;
          out.exit_code = 1;
          return out;
      }
    }
  }
  out.head = plane.head(&out.error);
  if (!out.head) {
    if (out.error.empty())
      out.error = "no configuration in the database yet: start with --config FILE, or run `ringbid config import FILE`";
    out.exit_code = 1;
  }
  return out;
}

bool reimport_config(config_plane& plane, const std::string& path) {
  std::string error;
  auto text = read_config_text(path, &error);
  if (!text) {
    spdlog::error("config reload: {}", error);
    return false;
  }
  auto r = plane.import_text(*text, config_author{"import", "admin", author_reason(path) + " (SIGHUP)"});
  switch (r.status) {
    case edit_status::committed:
      spdlog::info("config reload: {} imported as revision {} ({} changes)", path, r.number, r.changes.size());
      return true;
    case edit_status::unchanged:
      spdlog::info("config reload: {} unchanged (revision {})", path, r.number);
      return false;
    case edit_status::invalid:
    case edit_status::conflict:
      spdlog::error("config reload: {} is invalid ({} errors); nothing imported", path, r.errors.size());
      for (const auto& e : r.errors)
        spdlog::error("config reload: invalid {}: {}", e.pointer.empty() ? "(document)" : e.pointer, e.message);
      return false;
    case edit_status::refused:
    case edit_status::failed: spdlog::error("config reload: cannot import {}: {}", path, r.message); return false;
  }
  return false;
}

} // namespace ringbid
