#include "tools/node/config_route_support.hpp"

#include "adapters/config/config_revision.hpp"
#include "adapters/config/entity_json.hpp"
#include "tools/node/config_apply.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include <charconv>

namespace ringbid {

namespace {

constexpr size_t max_reason = 500;
constexpr size_t max_idempotency_key = 200;

std::string author_name(const api_principal& who) {
  if (who.open) return "open";
  return who.label.empty() ? who.token_id : who.label;
}

bool inside(const std::string& pointer, const std::string& entity) {
  return pointer == entity || (pointer.size() > entity.size() && pointer.compare(0, entity.size(), entity) == 0 &&
                               pointer[entity.size()] == '/');
}

/// One error of the plane as a field of the problem, its pointers mapped.
problem_field field_of(const config_error& e, const std::string& entity) {
  if (entity.empty()) return {e.pointer, e.message, e.other};
  if (inside(e.pointer, entity)) return {e.pointer.substr(entity.size()), e.message, e.other};
  // The other side is this entity (an archived campaign a number still routes
  // to): the body's field, conflicting with the place that names it.
  if (!e.other.empty() && inside(e.other, entity))
    return {e.other.substr(entity.size()), e.pointer + ": " + e.message, e.pointer};
  return {"", e.pointer + ": " + e.message, e.other.empty() ? e.pointer : e.other};
}

std::string summary(const std::vector<problem_field>& fields) {
  if (fields.size() == 1) {
    const auto& f = fields[0];
    auto at = f.pointer.empty() ? std::string{} : f.pointer + ": ";
    return at + f.detail + (f.conflicts_with.empty() ? "" : " (conflicts with " + f.conflicts_with + ")");
  }
  return std::to_string(fields.size()) + " problems, each under errors";
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int hex_value(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

http_response stored_answer(const idempotent_answer& a) {
  http_response r;
  r.status = a.status;
  r.content_type.clear();
  for (const auto& [name, value] : a.headers) {
    if (name == "Content-Type")
      r.content_type = value;
    else
      r.headers.emplace_back(name, value);
  }
  r.headers.emplace_back("Idempotent-Replayed", "true");
  r.body = a.body;
  return r;
}

idempotent_answer answer_of(const http_response& r, std::string hash, timestamp_us at) {
  idempotent_answer a;
  a.request_hash = std::move(hash);
  a.status = r.status;
  if (!r.content_type.empty()) a.headers.emplace_back("Content-Type", r.content_type);
  for (const auto& h : r.headers) a.headers.push_back(h);
  a.body = r.body;
  a.at = at;
  return a;
}

} // namespace

const config_document& head_view::document() const {
  static const config_document empty = *config_document::parse("{}", nullptr);
  return snapshot ? *snapshot->document : empty;
}

std::optional<head_view> read_head(config_plane& plane, http_response& failure) {
  std::string error;
  auto head = plane.head(&error);
  if (!head && !error.empty()) {
    spdlog::error("config API: {}", error);
    failure = problem_response({503, "store-unavailable", "The node cannot read or write its database", error, {}});
    return std::nullopt;
  }
  return head_view{head};
}

http_response edit_problem(const edit_result& result, const std::string& entity_pointer) {
  switch (result.status) {
    case edit_status::invalid:
    case edit_status::conflict: {
      std::vector<problem_field> fields;
      for (const auto& e : result.errors) fields.push_back(field_of(e, entity_pointer));
      auto detail = summary(fields);
      if (result.status == edit_status::invalid)
        return problem_response({400, "invalid-body", "The request is not valid", detail, std::move(fields)});
      return problem_response(
        {422, "conflict", "The change contradicts the rest of the configuration", detail, std::move(fields)});
    }
    case edit_status::refused:
      switch (result.problem_status) {
        case 404: return not_found_response(result.message);
        case 409: return problem_response({409, "exists", "It exists already", result.message, {}});
        case 412:
          return problem_response(
            {412, "precondition-failed", "Changed since you read it (If-Match)", result.message, {}});
        case 400: {
          std::vector<problem_field> fields;
          for (const auto& e : result.errors) fields.push_back({e.pointer, e.message, e.other});
          if (fields.empty()) fields.push_back({"", result.message});
          return bad_body_response(std::move(fields));
        }
        default:
          return problem_response({result.problem_status == 0 ? 400 : result.problem_status,
                                   "refused",
                                   "The change is refused",
                                   result.message,
                                   {}});
      }
    case edit_status::failed:
      spdlog::error("config API: {}", result.message);
      return problem_response(
        {503, "store-unavailable", "The node cannot read or write its database", result.message, {}});
    case edit_status::committed:
    case edit_status::unchanged: break;
  }
  return problem_response({500, "internal", "Internal error", "an edit that committed was answered as a failure", {}});
}

edit_result refusal_at(std::string pointer, std::string message) {
  auto r = refusal(400, message);
  r.errors.push_back({std::move(pointer), std::move(message)});
  return r;
}

edit_result refusal(int status, std::string message) {
  edit_result r;
  r.status = edit_status::refused;
  r.problem_status = status;
  r.message = std::move(message);
  return r;
}

const api_principal* admitted(const api_admission& admission, const http_responder& respond) {
  if (const auto* who = std::get_if<api_principal>(&admission)) return who;
  respond(std::get<http_response>(admission));
  return nullptr;
}

http_response not_found_response(std::string detail) {
  return problem_response({404, "not-found", "Not found", std::move(detail), {}});
}

http_response bad_query_response(std::string detail) {
  return problem_response({400, "invalid-query", "The query is not valid", detail, {{"", detail}}});
}

http_response bad_body_response(std::vector<problem_field> fields) {
  auto detail = summary(fields);
  return problem_response({400, "invalid-body", "The request is not valid", detail, std::move(fields)});
}

std::optional<http_response> object_body_problem(const http_request& req) {
  json_text_error error;
  if (is_json_object(req.body, &error)) return std::nullopt;
  if (error.message == "the body must be a JSON object") return bad_body_response({{"", error.message}});
  return bad_body_response(
    {{"", "the body is not JSON: " + error.message + " (at byte " + std::to_string(error.offset) + ")"}});
}

std::optional<std::vector<std::string>> path_segments(std::string_view path, std::string_view prefix) {
  if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
  path.remove_prefix(prefix.size());
  std::vector<std::string> out;
  while (true) {
    auto slash = path.find('/');
    auto raw = path.substr(0, slash);
    if (raw.empty()) return std::nullopt;
    std::string segment;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '%') {
        segment += raw[i];
        continue;
      }
      if (i + 2 >= raw.size()) return std::nullopt;
      if (!is_hex(raw[i + 1]) || !is_hex(raw[i + 2])) return std::nullopt;
      segment += static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
      i += 2;
    }
    out.push_back(std::move(segment));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::string json_string(std::string_view s) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w{out};
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return {out.GetString(), out.GetSize()};
}

std::optional<page_request> page_of(const query_params& params, http_response& failure) {
  page_request page;
  if (auto limit = param(params, "limit"); !limit.empty()) {
    size_t v = 0;
    auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), v);
    if (ec != std::errc{} || end != limit.data() + limit.size() || v == 0 || v > max_page_size) {
      failure = bad_query_response("limit=" + limit + ": from 1 to 500");
      return std::nullopt;
    }
    page.limit = v;
  }
  if (auto cursor = param(params, "cursor"); !cursor.empty()) {
    bool ok = cursor.size() % 2 == 0;
    for (size_t i = 0; ok && i < cursor.size(); i += 2) {
      ok = is_hex(cursor[i]) && is_hex(cursor[i + 1]);
      if (ok) page.after += static_cast<char>(hex_value(cursor[i]) * 16 + hex_value(cursor[i + 1]));
    }
    if (!ok) {
      failure = bad_query_response("cursor=" + cursor + ": not a cursor this API gave");
      return std::nullopt;
    }
  }
  return page;
}

std::string cursor_of(std::string_view key) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

bool if_match_ok(const http_request& req, std::string_view entity_text) {
  return if_match_allows(req.header("If-Match"), entity_etag(entity_text));
}

void run_config_read(const node_http_parts& parts, http_responder respond,
                     std::function<http_response(config_plane& plane)> read) {
  auto applier = parts.applier;
  applier->post([applier, respond = std::move(respond), read = std::move(read)] { respond(read(applier->plane())); });
}

void run_config_change(const node_http_parts& parts, const api_principal& who, const http_request& req,
                       http_responder respond, config_change_request change) {
  auto reason = std::string{req.header("Ringbid-Change-Reason")};
  if (reason.size() > max_reason)
    return respond(bad_body_response({{"", "Ringbid-Change-Reason: at most 500 characters"}}));
  auto key = std::string{req.header("Idempotency-Key")};
  if (key.size() > max_idempotency_key)
    return respond(bad_body_response({{"", "Idempotency-Key: at most 200 characters"}}));
  if (req.method != "POST") key.clear(); // PUT, PATCH and DELETE are idempotent by themselves
  config_author author{author_name(who), std::string{to_string(who.role)}, reason};
  auto hash = key.empty() ? std::string{} : config_revision(req.method + " " + req.target + "\n" + req.body);
  auto entry = audit_entry_of(who, req, parts.gate->now(), change.action, change.entity_kind, change.entity_id);
  auto applier = parts.applier;
  auto store = parts.idempotency;
  auto audit = parts.audit;
  auto gate = parts.gate;
  applier->post([=, respond = std::move(respond), change = std::move(change)]() mutable {
    std::string error;
    if (!key.empty() && store) {
      auto stored = store->find(who.token_id, key, &error);
      if (!error.empty()) {
        spdlog::error("config API: {}", error);
        return respond(
          problem_response({503, "store-unavailable", "The node cannot read or write its database", error, {}}));
      }
      if (stored) {
        if (stored->request_hash != hash)
          return respond(problem_response(
            {422,
             "idempotency-key-reused",
             "This Idempotency-Key was used for another request",
             "the key '" + key + "' was first sent with a different method, path or body; use a new key",
             {}}));
        return respond(stored_answer(*stored));
      }
    }
    edit_result result;
    auto response = change.run(applier->plane(), author, result);
    if (result.status == edit_status::committed) {
      auto in_force = applier->apply_head();
      if (in_force < result.number)
        spdlog::error("config API: revision {} is committed but not in force (the node stays on {})", result.number,
                      in_force);
      if (audit) {
        entry.revision = result.number;
        entry.detail = changes_json(result.changes);
        if (!audit->append(entry, &error))
          spdlog::error("cannot append '{}' to the audit log: {}", entry.action, error);
      }
    }
    if (result.status == edit_status::committed || result.status == edit_status::unchanged)
      response.headers.emplace_back("Ringbid-Revision", std::to_string(result.number));
    if (!key.empty() && store && response.status < 500 &&
        !store->remember(who.token_id, key, answer_of(response, hash, gate->now()), &error))
      spdlog::error("config API: cannot keep the answer of idempotency key '{}': {}", key, error);
    respond(std::move(response));
  });
}

} // namespace ringbid
