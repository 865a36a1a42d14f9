#include "tools/cli/config_command.hpp"

#include "adapters/config/config_plane.hpp"
#include "adapters/sqlite/sqlite_config_store.hpp"
#include "tools/cli/cli_database.hpp"
#include "tools/node/config_startup.hpp"

#include <fmt/format.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>

#include <fstream>
#include <ostream>

namespace ringbid {

namespace {

constexpr const char* command = "ringbid config";
constexpr size_t max_listed = 20; ///< changes printed after a commit

std::string one_line(const config_change& c) {
  auto mark = c.op == "add" ? "+" : c.op == "remove" ? "-" : "~";
  if (c.op == "add") return fmt::format("{} {} {}: {}", mark, c.entity, c.pointer, c.after);
  if (c.op == "remove") return fmt::format("{} {} {}: was {}", mark, c.entity, c.pointer, c.before);
  return fmt::format("{} {} {}: {} -> {}", mark, c.entity, c.pointer, c.before, c.after);
}

void print_history(std::ostream& out, const std::vector<config_revision_info>& revisions) {
  out << fmt::format("{:>8}  {:<24}  {:<16}  {:<8}  {:>7}  {:<12}  {}\n", "revision", "at", "author", "role", "changes",
                     "digest", "reason");
  for (const auto& r : revisions)
    out << fmt::format("{:>8}  {:<24}  {:<16}  {:<8}  {:>7}  {:<12}  {}\n", r.number, format_iso8601(r.at), r.author,
                       r.role, r.changes, r.digest, r.reason);
}

void print_history_json(std::ostream& out, const std::vector<config_revision_info>& revisions) {
  rapidjson::OStreamWrapper os{out};
  rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w{os};
  w.StartArray();
  for (const auto& r : revisions) {
    w.StartObject();
    w.Key("revision");
    w.Int64(r.number);
    w.Key("at");
    w.String(format_iso8601(r.at).c_str());
    w.Key("author");
    w.String(r.author.c_str());
    w.Key("role");
    w.String(r.role.c_str());
    w.Key("reason");
    w.String(r.reason.c_str());
    w.Key("digest");
    w.String(r.digest.c_str());
    w.Key("changes");
    w.Int64(r.changes);
    w.EndObject();
  }
  w.EndArray();
  out << '\n';
}

/// What an edit result means, printed; the exit code.
int report(const edit_result& r, const std::string& what, const std::string& db, std::ostream& out, std::ostream& err) {
  switch (r.status) {
    case edit_status::committed:
      out << fmt::format("{}: revision {} ({} changes) in {}; running nodes install it within a second\n", what,
                         r.number, r.changes.size(), db);
      for (size_t i = 0; i < r.changes.size() && i < max_listed; ++i) out << "  " << one_line(r.changes[i]) << '\n';
      if (r.changes.size() > max_listed)
        out << fmt::format("  ... and {} more (ringbid config diff {} {})\n", r.changes.size() - max_listed,
                           r.number - 1, r.number);
      return 0;
    case edit_status::unchanged:
      out << fmt::format("{}: nothing changed; revision {} stays in force\n", what, r.number);
      return 0;
    case edit_status::invalid:
    case edit_status::conflict:
      err << command << ": " << what << " refused, nothing committed:\n" << format_config_errors(r.errors);
      return 2;
    case edit_status::refused:
    case edit_status::failed: err << command << ": " << what << ": " << r.message << '\n'; return 1;
  }
  return 1;
}

} // namespace

std::string describe_changes(const std::string& changes_json) {
  std::string out;
  for (const auto& c : parse_changes_json(changes_json)) out += one_line(c) + "\n";
  return out;
}

int run_config_command(const config_options& o, std::ostream& out, std::ostream& err) {
  auto fail = [&](int code, const std::string& text) {
    err << command << ": " << text << '\n';
    return code;
  };
  // import: the file names its own database when nothing else does.
  auto db =
    cli_database(o.db_path, o.config_path.empty() && o.action == "import" ? o.file : o.config_path, command, err);
  if (db.empty()) return 2;
  std::string error;
  auto store = sqlite_config_store::open(db, &error);
  if (!store) return fail(1, error);
  config_plane plane{store, cli_now};
  config_author author{"cli", "admin", o.reason};

  if (o.action == "import") {
    auto text = read_config_text(o.file, &error);
    if (!text) return fail(2, error);
    if (author.reason.empty()) author.reason = "ringbid config import " + o.file;
    auto r = plane.import_text(*text, author);
    if (r.status == edit_status::committed)
      audit_cli_change(db, "config.import", "config", "", r.number, changes_json(r.changes), command, err);
    return report(r, "import of " + o.file, db, out, err);
  }
  if (o.action == "rollback") {
    if (author.reason.empty()) author.reason = "rollback to revision " + std::to_string(o.revision);
    auto r = plane.rollback(o.revision, author);
    if (r.status == edit_status::committed)
      audit_cli_change(db, "config.rollback", "config", std::to_string(o.revision), r.number, changes_json(r.changes),
                       command, err);
    return report(r, "rollback to revision " + std::to_string(o.revision), db, out, err);
  }
  if (o.action == "export") {
    auto snap = o.revision == 0 ? plane.head(&error) : plane.revision(o.revision, &error);
    if (!snap)
      return fail(1, !error.empty()    ? error
                     : o.revision == 0 ? "no configuration in " + db + " yet"
                                       : "there is no revision " + std::to_string(o.revision) + " in " + db);
    auto text = snap->document->text();
    if (o.output.empty()) {
      out << text;
      return 0;
    }
    std::ofstream file{o.output, std::ios::binary | std::ios::trunc};
    if (!(file << text) || !file.flush()) return fail(1, "cannot write " + o.output);
    err << fmt::format("revision {} written to {}\n", snap->info.number, o.output);
    return 0;
  }
  if (o.action == "history") {
    auto revisions = store->history(0, o.limit, &error);
    if (!error.empty()) return fail(1, error);
    if (o.json)
      print_history_json(out, revisions);
    else
      print_history(out, revisions);
    return 0;
  }
  if (o.action == "diff") {
    auto a = plane.revision(o.revision, &error);
    if (!a) return fail(1, error.empty() ? "there is no revision " + std::to_string(o.revision) : error);
    auto b = plane.revision(o.other, &error);
    if (!b) return fail(1, error.empty() ? "there is no revision " + std::to_string(o.other) : error);
    auto changes = diff_configs(*a->document, *b->document);
    out << fmt::format("revision {} -> {}: {} changes\n", o.revision, o.other, changes.size());
    for (const auto& c : changes) out << one_line(c) << '\n';
    return 0;
  }
  return fail(2, "unknown action \"" + o.action + "\"");
}

} // namespace ringbid
