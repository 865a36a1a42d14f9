#include "tools/cli/tokens_command.hpp"

#include "tools/cli/cli_database.hpp"

#include "actors/core/api_roles.hpp"
#include "adapters/config/config_json.hpp"
#include "adapters/sqlite/sqlite_audit_log.hpp"
#include "adapters/sqlite/sqlite_token_store.hpp"
#include "protocol/time.hpp"

#include <fmt/format.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <filesystem>
#include <ostream>

namespace ringbid {

namespace {

constexpr size_t max_label = 200;

std::string database_of(const tokens_options& o, std::ostream& err) {
  return cli_database(o.db_path, o.config_path, "ringbid tokens", err);
}

std::string scope_text(const api_token& t) { return t.scope_kind.empty() ? "-" : t.scope_kind + " " + t.scope_id; }

void audit(const std::string& db, const std::string& action, const std::string& token_id, std::string detail,
           std::ostream& err) {
  audit_cli_change(db, action, "token", token_id, 0, std::move(detail), "ringbid tokens", err);
}

template <class Writer>
void token_fields(Writer& w, const api_token& t) {
  w.Key("id");
  w.String(t.id.c_str());
  w.Key("role");
  w.String(t.role.c_str());
  w.Key("scope");
  if (t.scope_kind.empty()) {
    w.Null();
  } else {
    w.StartObject();
    w.Key("kind");
    w.String(t.scope_kind.c_str());
    w.Key("id");
    w.String(t.scope_id.c_str());
    w.EndObject();
  }
  w.Key("label");
  w.String(t.label.c_str());
  w.Key("created_at");
  w.String(format_iso8601(t.created_at).c_str());
  w.Key("created_by");
  w.String(t.created_by.c_str());
  w.Key("revoked_at");
  if (t.revoked())
    w.String(format_iso8601(t.revoked_at).c_str());
  else
    w.Null();
  w.Key("last_used_at");
  if (t.last_used_at)
    w.String(format_iso8601(t.last_used_at).c_str());
  else
    w.Null();
}

int create(const tokens_options& o, const std::string& db, std::ostream& out, std::ostream& err) {
  auto role = parse_api_role(o.role);
  if (!role) {
    err << "ringbid tokens create: unknown role '" << o.role << "': admin, manager, reporting, publisher or buyer\n";
    return 2;
  }
  api_token_request request;
  request.role = std::string(to_string(*role));
  request.label = o.label;
  request.created_by = "cli";
  int scopes = 0;
  for (auto [kind, id] :
       {std::pair{"campaign", &o.campaign}, std::pair{"source", &o.source}, std::pair{"buyer", &o.buyer}}) {
    if (id->empty()) continue;
    ++scopes;
    request.scope_kind = kind;
    request.scope_id = *id;
  }
  if (scopes > 1) {
    err << "ringbid tokens create: give at most one of --campaign, --source, --buyer\n";
    return 2;
  }
  if (auto why = scope_problem(*role, request.scope_kind); !why.empty()) {
    err << "ringbid tokens create: " << why << '\n';
    return 2;
  }
  if (o.label.size() > max_label) {
    err << "ringbid tokens create: --label is longer than " << max_label << " characters\n";
    return 2;
  }
  std::string error;
  auto store = sqlite_token_store::open(db, &error);
  if (!store) {
    err << "ringbid tokens: " << error << '\n';
    return 1;
  }
  auto made = store->create(request, cli_now(), &error);
  if (!made) {
    err << "ringbid tokens create: " << error << '\n';
    return 1;
  }
  const auto& t = made->token;
  {
    rapidjson::StringBuffer detail;
    rapidjson::Writer<rapidjson::StringBuffer> w{detail};
    w.StartObject();
    token_fields(w, t);
    w.EndObject();
    audit(db, "token.create", t.id, detail.GetString(), err);
  }
  if (o.json) {
    rapidjson::OStreamWrapper os{out};
    rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w{os};
    w.StartObject();
    w.Key("token");
    w.StartObject();
    token_fields(w, t);
    w.EndObject();
    w.Key("secret");
    w.String(made->secret.c_str());
    w.EndObject();
    out << '\n';
    return 0;
  }
  out << fmt::format("token {} ({}{}{}) made in {}\n", t.id, t.role, t.scope_kind.empty() ? "" : " of ",
                     t.scope_kind.empty() ? "" : scope_text(t), db);
  out << "its secret, shown this once (send it as Authorization: Bearer SECRET, or sign in with it at /signin):\n";
  out << made->secret << '\n';
  return 0;
}

int list(const tokens_options& o, const std::string& db, std::ostream& out, std::ostream& err) {
  std::string error;
  auto store = sqlite_token_store::open(db, &error);
  std::vector<api_token> tokens;
  if (!store || !store->list(tokens, &error)) {
    err << "ringbid tokens: " << error << '\n';
    return 1;
  }
  if (o.json) {
    rapidjson::OStreamWrapper os{out};
    rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w{os};
    w.StartObject();
    w.Key("tokens");
    w.StartArray();
    for (const auto& t : tokens) {
      w.StartObject();
      token_fields(w, t);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    out << '\n';
    return 0;
  }
  out << fmt::format("{:<16} {:<10} {:<28} {:<24} {:<20} {:<20} {}\n", "id", "role", "scope", "label", "created",
                     "last used", "state");
  size_t live = 0;
  for (const auto& t : tokens) {
    if (!t.revoked()) ++live;
    out << fmt::format("{:<16} {:<10} {:<28} {:<24} {:<20} {:<20} {}\n", t.id, t.role, scope_text(t),
                       t.label.empty() ? "-" : t.label, format_iso8601(t.created_at).substr(0, 19),
                       t.last_used_at ? format_iso8601(t.last_used_at).substr(0, 19) : "never",
                       t.revoked() ? "revoked " + format_iso8601(t.revoked_at).substr(0, 19) : "valid");
  }
  out << fmt::format("{} tokens valid, {} revoked, in {}\n", live, tokens.size() - live, db);
  return 0;
}

int revoke(const tokens_options& o, const std::string& db, std::ostream& out, std::ostream& err) {
  std::string error;
  auto store = sqlite_token_store::open(db, &error);
  if (!store) {
    err << "ringbid tokens: " << error << '\n';
    return 1;
  }
  switch (store->revoke(o.id, cli_now(), &error)) {
    case token_store::revoke_result::revoked:
      audit(db, "token.revoke", o.id, "{}", err);
      out << "token " << o.id << " revoked: running nodes refuse it within a second\n";
      return 0;
    case token_store::revoke_result::already_revoked: out << "token " << o.id << " was revoked already\n"; return 0;
    case token_store::revoke_result::unknown:
      err << "ringbid tokens revoke: no token '" << o.id << "' in " << db << " (ringbid tokens list shows them)\n";
      return 1;
    case token_store::revoke_result::failed: break;
  }
  err << "ringbid tokens revoke: " << error << '\n';
  return 1;
}

} // namespace

int run_tokens_command(const tokens_options& options, std::ostream& out, std::ostream& err) {
  auto db = database_of(options, err);
  if (db.empty()) return 2;
  if (options.action == "create") return create(options, db, out, err);
  if (options.action == "list") return list(options, db, out, err);
  return revoke(options, db, out, err);
}

} // namespace ringbid
