// Sign-in, tokens and the audit log on the node's HTTP server. Every answer
// that is not a success is an RFC 9457 problem; every change (a token made or
// revoked, a sign-in, a sign-out) is appended to the audit log with the
// caller's address.

#include "tools/node/node_http.hpp"

#include "actors/core/time_bound.hpp"
#include "adapters/http/access_token.hpp"
#include "adapters/http/http_query.hpp"
#include "adapters/http/problem_json.hpp"
#include "protocol/time.hpp"
#include "web/web_assets.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <charconv>
#include <variant>

namespace ringbid {

namespace {

constexpr size_t max_label = 200;
constexpr size_t max_scope_id = 100;
constexpr size_t default_audit_page = 50;
constexpr size_t max_audit_page = 500;

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void text(writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void time_or_null(writer& w, timestamp_us t) {
  if (t == 0)
    w.Null();
  else
    text(w, format_iso8601(t));
}

void scope(writer& w, const std::string& kind, const std::string& id) {
  if (kind.empty()) {
    w.Null();
    return;
  }
  w.StartObject();
  w.Key("kind");
  text(w, kind);
  w.Key("id");
  text(w, id);
  w.EndObject();
}

/// A token as the API shows it: never its secret, never its hash.
void token_json(writer& w, const api_token& t) {
  w.StartObject();
  w.Key("id");
  text(w, t.id);
  w.Key("role");
  text(w, t.role);
  w.Key("scope");
  scope(w, t.scope_kind, t.scope_id);
  w.Key("label");
  text(w, t.label);
  w.Key("created_at");
  time_or_null(w, t.created_at);
  w.Key("created_by");
  text(w, t.created_by);
  w.Key("revoked_at");
  time_or_null(w, t.revoked_at);
  w.Key("last_used_at");
  time_or_null(w, t.last_used_at);
  w.EndObject();
}

void audit_json(writer& w, const audit_entry& e) {
  w.StartObject();
  w.Key("id");
  w.Int64(e.id);
  w.Key("at");
  text(w, format_iso8601(e.at));
  w.Key("at_us");
  w.Int64(e.at);
  w.Key("token_id");
  text(w, e.token_id);
  w.Key("role");
  text(w, e.role);
  w.Key("address");
  text(w, e.address);
  w.Key("action");
  text(w, e.action);
  w.Key("entity");
  w.StartObject();
  w.Key("kind");
  text(w, e.entity_kind);
  w.Key("id");
  text(w, e.entity_id);
  w.EndObject();
  w.Key("revision");
  w.Int64(e.revision);
  w.Key("detail");
  rapidjson::Document detail;
  if (detail.Parse(e.detail.c_str()).HasParseError())
    text(w, e.detail); // never broken JSON out, whatever is stored
  else
    detail.Accept(w);
  w.EndObject();
}

http_response invalid(std::vector<problem_field> errors) {
  return problem_response({400, "invalid-body", "The request is not valid",
                           errors.size() == 1 ? errors[0].detail : "see errors", std::move(errors)});
}

http_response unavailable(const std::string& why) {
  spdlog::error("access routes: {}", why);
  return problem_response({503, "store-unavailable", "The node cannot read or write its database", why, {}});
}

/// The body as a JSON object, or the 400 that names what is wrong.
std::variant<rapidjson::Document, http_response> object_body(const http_request& req) {
  rapidjson::Document doc;
  doc.Parse(req.body.c_str(), req.body.size());
  if (doc.HasParseError())
    return invalid({{"", "the body is not JSON: " + std::string(rapidjson::GetParseError_En(doc.GetParseError())) +
                           " (at byte " + std::to_string(doc.GetErrorOffset()) + ")"}});
  if (!doc.IsObject()) return invalid({{"", "the body must be a JSON object"}});
  return doc;
}

/// The string member `name` of `obj` into `out`; a problem field when it is
/// there but not a string (or missing while `required`).
void string_member(const rapidjson::Value& obj, const char* name, const std::string& pointer, bool required,
                   std::string& out, std::vector<problem_field>& errors) {
  auto m = obj.FindMember(name);
  if (m == obj.MemberEnd()) {
    if (required) errors.push_back({pointer, "required"});
    return;
  }
  if (!m->value.IsString()) {
    errors.push_back({pointer, "must be a string"});
    return;
  }
  out.assign(m->value.GetString(), m->value.GetStringLength());
}

bool plain_id(std::string_view id) {
  if (id.empty() || id.size() > max_scope_id) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':')) return false;
  return true;
}

/// POST /api/v1/tokens' body: {"role": "publisher", "scope": {"kind": "source", "id": "s1"}, "label": "..."}.
std::variant<api_token_request, http_response> token_request_of(const http_request& req) {
  auto body = object_body(req);
  if (auto* bad = std::get_if<http_response>(&body)) return std::move(*bad);
  const auto& doc = std::get<rapidjson::Document>(body);
  api_token_request out;
  std::vector<problem_field> errors;
  string_member(doc, "role", "/role", true, out.role, errors);
  if (!out.role.empty() && !parse_api_role(out.role))
    errors.push_back({"/role", "unknown role '" + out.role + "': admin, manager, reporting, publisher or buyer"});
  string_member(doc, "label", "/label", false, out.label, errors);
  if (out.label.size() > max_label) errors.push_back({"/label", "at most 200 characters"});
  if (auto s = doc.FindMember("scope"); s != doc.MemberEnd() && !s->value.IsNull()) {
    if (!s->value.IsObject()) {
      errors.push_back({"/scope", "must be an object {\"kind\": ..., \"id\": ...} or null"});
    } else {
      string_member(s->value, "kind", "/scope/kind", true, out.scope_kind, errors);
      string_member(s->value, "id", "/scope/id", true, out.scope_id, errors);
      if (!out.scope_kind.empty() && !is_scope_kind(out.scope_kind))
        errors.push_back({"/scope/kind", "a scope is a campaign, a source or a buyer"});
      if (!out.scope_kind.empty() && !plain_id(out.scope_id))
        errors.push_back({"/scope/id", "1 to 100 letters, digits, '-', '_', '.' or ':'"});
    }
  }
  if (auto role = parse_api_role(out.role); role && is_scope_kind(out.scope_kind))
    if (auto why = scope_problem(*role, out.scope_kind); !why.empty())
      errors.push_back({out.scope_kind.empty() ? "/scope" : "/scope/kind", why});
  if (!errors.empty()) return invalid(std::move(errors));
  return out;
}

/// Who made a change, as a token's `created_by`.
std::string author_of(const api_principal& who) { return who.token_id; }

void record(const node_http_parts& parts, audit_entry entry) {
  if (!parts.audit) return;
  std::string error;
  if (!parts.audit->append(entry, &error))
    spdlog::error("cannot append '{}' to the audit log: {}", entry.action, error);
}

/// The principal, or respond with the refusal and return null.
const api_principal* admitted(const api_admission& a, const http_responder& respond) {
  if (auto* who = std::get_if<api_principal>(&a)) return who;
  respond(std::get<http_response>(a));
  return nullptr;
}

// -- /api/v1/session -------------------------------------------------------------

void add_session_routes(http_server& server, const node_http_parts& parts) {
  server.route("POST", "/api/v1/session", [parts](http_request&& req, http_responder respond) {
    auto body = object_body(req);
    if (auto* bad = std::get_if<http_response>(&body)) return respond(std::move(*bad));
    std::string secret;
    std::vector<problem_field> errors;
    string_member(std::get<rapidjson::Document>(body), "token", "/token", true, secret, errors);
    if (errors.empty() && secret.empty()) errors.push_back({"/token", "must not be empty"});
    if (!errors.empty()) return respond(invalid(std::move(errors)));
    std::string error;
    auto who = parts.gate->principal_of_secret(secret, &error);
    if (!who && !error.empty()) return respond(unavailable(error));
    if (!who) {
      spdlog::info("sign-in refused from {}: unknown or revoked token", req.remote_address);
      return respond(unauthorized_response("this token is not valid (unknown or revoked)"));
    }
    auto cookie = parts.gate->open_session(*who, &error);
    if (!cookie) return respond(unavailable("cannot open a session: " + error));
    record(parts, audit_entry_of(*who, req, parts.gate->now(), "session.create", "token", who->token_id));
    auto r = no_content_response();
    r.headers.emplace_back("Set-Cookie", *cookie);
    respond(std::move(r));
  });
  server.route("GET", "/api/v1/session", [parts](http_request&& req, http_responder respond) {
    auto a = parts.gate->authenticate(req);
    auto* who = admitted(a, respond);
    if (!who) return;
    rapidjson::StringBuffer out;
    writer w{out};
    w.StartObject();
    w.Key("token_id");
    text(w, who->token_id);
    w.Key("role");
    text(w, to_string(who->role));
    w.Key("scope");
    scope(w, who->scope_kind, who->scope_id);
    w.Key("label");
    text(w, who->label);
    w.Key("open");
    w.Bool(who->open);
    w.Key("rights");
    w.StartArray();
    for (int r = 0; r < api_right_count; ++r)
      if (who->may(static_cast<api_right>(r))) text(w, to_string(static_cast<api_right>(r)));
    w.EndArray();
    w.EndObject();
    respond(json_response(200, std::string(out.GetString(), out.GetSize())));
  });
  server.route("DELETE", "/api/v1/session", [parts](http_request&& req, http_responder respond) {
    // Signing out always works; it is recorded when the session was a real one.
    if (!cookie_value(req, session_cookie_name).empty()) {
      auto a = parts.gate->authenticate(req);
      if (auto* who = std::get_if<api_principal>(&a))
        record(parts, audit_entry_of(*who, req, parts.gate->now(), "session.delete", "token", who->token_id));
    }
    auto r = no_content_response();
    r.headers.emplace_back("Set-Cookie", parts.gate->close_session(req));
    respond(std::move(r));
  });
}

// -- /api/v1/tokens --------------------------------------------------------------

void add_token_routes(http_server& server, const node_http_parts& parts) {
  server.route("GET", "/api/v1/tokens", [parts](http_request&& req, http_responder respond) {
    auto a = parts.gate->admit(req, api_right::manage_tokens);
    if (!admitted(a, respond)) return;
    std::vector<api_token> tokens;
    std::string error;
    if (!parts.gate->store().list(tokens, &error)) return respond(unavailable(error));
    rapidjson::StringBuffer out;
    writer w{out};
    w.StartObject();
    w.Key("items");
    w.StartArray();
    for (const auto& t : tokens) token_json(w, t);
    w.EndArray();
    w.EndObject();
    respond(json_response(200, std::string(out.GetString(), out.GetSize())));
  });
  server.route("POST", "/api/v1/tokens", [parts](http_request&& req, http_responder respond) {
    auto a = parts.gate->admit(req, api_right::manage_tokens);
    auto* who = admitted(a, respond);
    if (!who) return;
    auto asked = token_request_of(req);
    if (auto* bad = std::get_if<http_response>(&asked)) return respond(std::move(*bad));
    auto request = std::get<api_token_request>(asked);
    request.created_by = author_of(*who);
    std::string error;
    auto made = parts.gate->store().create(request, parts.gate->now(), &error);
    if (!made) return respond(unavailable(error));
    auto entry = audit_entry_of(*who, req, parts.gate->now(), "token.create", "token", made->token.id);
    {
      rapidjson::StringBuffer detail;
      writer d{detail};
      d.StartObject();
      d.Key("role");
      text(d, made->token.role);
      d.Key("scope");
      scope(d, made->token.scope_kind, made->token.scope_id);
      d.Key("label");
      text(d, made->token.label);
      d.EndObject();
      entry.detail.assign(detail.GetString(), detail.GetSize());
    }
    record(parts, std::move(entry));
    rapidjson::StringBuffer out;
    writer w{out};
    w.StartObject();
    w.Key("token");
    token_json(w, made->token);
    w.Key("secret");
    text(w, made->secret);
    w.EndObject();
    auto r = json_response(201, std::string(out.GetString(), out.GetSize()));
    r.headers.emplace_back("Location", "/api/v1/tokens/" + made->token.id);
    respond(std::move(r));
  });
  server.route_prefix("DELETE", "/api/v1/tokens/", [parts](http_request&& req, http_responder respond) {
    auto a = parts.gate->admit(req, api_right::manage_tokens);
    auto* who = admitted(a, respond);
    if (!who) return;
    auto id = req.path.substr(std::string_view("/api/v1/tokens/").size());
    std::string error;
    switch (parts.gate->revoke(id, &error)) {
      case token_store::revoke_result::revoked:
        record(parts, audit_entry_of(*who, req, parts.gate->now(), "token.revoke", "token", id));
        return respond(no_content_response());
      case token_store::revoke_result::already_revoked: return respond(no_content_response());
      case token_store::revoke_result::unknown:
        return respond(problem_response({404, "not-found", "No such token", "no token '" + id + "'", {}}));
      case token_store::revoke_result::failed: return respond(unavailable(error));
    }
  });
}

// -- /api/v1/audit ---------------------------------------------------------------

std::optional<int64_t> positive(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

/// ?entity=KIND[/ID]&token=ID&since=T&until=T&cursor=N&limit=N (T: a day or an instant, as `ringbid leads`).
std::variant<audit_filter, http_response> audit_filter_of(const http_request& req) {
  auto params = parse_query(req.query);
  if (!params) return invalid({{"", "the query string is not valid"}});
  audit_filter f;
  f.limit = default_audit_page;
  std::vector<problem_field> errors;
  auto entity = param(*params, "entity");
  if (auto slash = entity.find('/'); slash != std::string::npos) {
    f.entity_kind = entity.substr(0, slash);
    f.entity_id = entity.substr(slash + 1);
  } else {
    f.entity_kind = entity;
  }
  f.token_id = param(*params, "token");
  for (auto [name, upper] : {std::pair{"since", false}, std::pair{"until", true}}) {
    auto value = param(*params, name);
    if (value.empty()) continue;
    auto bound = parse_time_bound(value, upper);
    if (!bound)
      errors.push_back(
        {"", std::string(name) + "=" + value + ": neither a day (YYYY-MM-DD) nor an instant (YYYY-MM-DDTHH:MM[:SS]Z)"});
    else
      (upper ? f.until : f.since) = *bound;
  }
  if (auto cursor = param(*params, "cursor"); !cursor.empty()) {
    if (auto v = positive(cursor))
      f.before_id = *v;
    else
      errors.push_back({"", "cursor=" + cursor + ": not a cursor this API gave"});
  }
  if (auto limit = param(*params, "limit"); !limit.empty()) {
    auto v = positive(limit);
    if (!v || *v > int64_t(max_audit_page))
      errors.push_back({"", "limit=" + limit + ": from 1 to 500"});
    else
      f.limit = static_cast<size_t>(*v);
  }
  if (!errors.empty())
    return problem_response({400, "invalid-query", "The query is not valid", errors[0].detail, std::move(errors)});
  return f;
}

void add_audit_routes(http_server& server, const node_http_parts& parts) {
  server.route("GET", "/api/v1/audit", [parts](http_request&& req, http_responder respond) {
    auto a = parts.gate->admit(req, api_right::read_audit);
    if (!admitted(a, respond)) return;
    if (!parts.audit) return respond(unavailable("this node keeps no audit log"));
    auto filter = audit_filter_of(req);
    if (auto* bad = std::get_if<http_response>(&filter)) return respond(std::move(*bad));
    audit_page page;
    std::string error;
    if (!parts.audit->list(std::get<audit_filter>(filter), page, &error)) return respond(unavailable(error));
    rapidjson::StringBuffer out;
    writer w{out};
    w.StartObject();
    w.Key("items");
    w.StartArray();
    for (const auto& e : page.items) audit_json(w, e);
    w.EndArray();
    w.Key("next_cursor");
    if (page.next_cursor == 0)
      w.Null();
    else
      text(w, std::to_string(page.next_cursor));
    w.EndObject();
    respond(json_response(200, std::string(out.GetString(), out.GetSize())));
  });
}

// -- the sign-in page -------------------------------------------------------------

void add_signin_page(http_server& server) {
  auto serve = [](http_request&& req, http_responder respond) {
    auto asset = find_web_asset(req.path);
    if (!asset) return respond(problem_response({404, "not-found", "Not found", {}, {}}));
    http_response r;
    r.content_type = std::string(asset->content_type);
    r.body = std::string(asset->body);
    r.headers.emplace_back("Cache-Control", "no-cache");
    respond(std::move(r));
  };
  server.route("GET", "/signin", serve);
  server.route("GET", "/assets/signin.js", serve);
  server.route("GET", "/assets/signin.css", serve);
}

} // namespace

void add_access_routes(http_server& server, const node_http_parts& parts) {
  add_session_routes(server, parts);
  add_token_routes(server, parts);
  add_audit_routes(server, parts);
  add_signin_page(server);
}

} // namespace ringbid
