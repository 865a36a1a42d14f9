// The configuration as a whole under /api/v1: its history (revisions, each
// with who, when, why and what changed), any revision's document, the diff of
// two, rollback (a new revision equal to an old one), the current document
// (`ringbid config export`) and its import (PUT, `ringbid config import`).
// Also the API's reference, GET /api/v1/openapi.json, which needs no token.

#include "adapters/config/config_revision.hpp"
#include "adapters/config/entity_json.hpp"
#include "generated/openapi_json.hpp"
#include "tools/node/config_route_support.hpp"

#include <charconv>

namespace ringbid {

namespace {

constexpr int default_history_page = 50;

std::optional<int64_t> revision_number(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

std::string info_json(const config_revision_info& i) {
  std::string out = "{\"number\":" + std::to_string(i.number);
  out += ",\"at\":" + json_string(format_iso8601(i.at));
  out += ",\"at_us\":" + std::to_string(i.at);
  out += ",\"author\":" + json_string(i.author);
  out += ",\"role\":" + json_string(i.role);
  out += ",\"reason\":" + json_string(i.reason);
  out += ",\"digest\":" + json_string(i.digest);
  out += ",\"change_count\":" + std::to_string(i.changes);
  out += "}";
  return out;
}

/// {"number": N, ..., "changes": [...]}: the info with its changes.
std::string info_with_changes(const config_revision_info& i, const std::string& changes) {
  auto out = info_json(i);
  out.pop_back();
  return out + ",\"changes\":" + (changes.empty() ? "[]" : changes) + "}";
}

http_response store_problem(const std::string& error) {
  return problem_response({503, "store-unavailable", "The node cannot read or write its database", error, {}});
}

http_response no_revision(int64_t n) { return not_found_response("there is no revision " + std::to_string(n)); }

std::shared_ptr<const config_snapshot> revision_or(config_plane& plane, int64_t n, http_response& failure) {
  std::string error;
  auto snap = plane.revision(n, &error);
  if (!snap) failure = error.empty() ? no_revision(n) : store_problem(error);
  return snap;
}

http_response document_response(const config_snapshot& snap) {
  auto r = json_response(200, snap.document->text());
  r.headers.emplace_back("ETag", "\"" + snap.info.digest + "\"");
  r.headers.emplace_back("Ringbid-Revision", std::to_string(snap.info.number));
  return r;
}

void history(const node_http_parts& parts, http_request&& req, http_responder respond) {
  auto params = parse_query(req.query);
  if (!params) return respond(bad_query_response("the query string is not valid"));
  int limit = default_history_page;
  if (auto l = param(*params, "limit"); !l.empty()) {
    auto v = revision_number(l);
    if (!v || *v > int64_t(max_page_size)) return respond(bad_query_response("limit=" + l + ": from 1 to 500"));
    limit = static_cast<int>(*v);
  }
  int64_t before = 0;
  if (auto c = param(*params, "cursor"); !c.empty()) {
    auto v = revision_number(c);
    if (!v) return respond(bad_query_response("cursor=" + c + ": not a cursor this API gave"));
    before = *v;
  }
  run_config_read(parts, std::move(respond), [limit, before](config_plane& plane) {
    std::string error;
    auto items = plane.store().history(before, limit + 1, &error);
    if (!error.empty()) return store_problem(error);
    bool more = items.size() > size_t(limit);
    if (more) items.resize(size_t(limit));
    std::string body = "{\"items\":[";
    for (size_t i = 0; i < items.size(); ++i) body += (i == 0 ? "" : ",") + info_json(items[i]);
    body += "],\"next_cursor\":";
    body += more ? json_string(std::to_string(items.back().number)) : "null";
    body += "}";
    return json_response(200, std::move(body));
  });
}

void rollback(const node_http_parts& parts, const api_principal& who, http_request&& req, http_responder respond,
              int64_t n) {
  config_change_request change{"config.rollback", "revision", std::to_string(n), {}};
  change.run = [n](config_plane& plane, const config_author& author, edit_result& result) {
    result = plane.rollback(n, author);
    if (result.status != edit_status::committed && result.status != edit_status::unchanged)
      return edit_problem(result, "");
    return json_response(200, "{\"revision\":" + std::to_string(result.number) + ",\"rolled_back_to\":" +
                                std::to_string(n) + ",\"changes\":" + changes_json(result.changes) + "}");
  };
  run_config_change(parts, who, req, std::move(respond), std::move(change));
}

void one_revision(const node_http_parts& parts, http_request&& req, http_responder respond) {
  auto admission = parts.gate->admit(req, req.method == "GET" ? api_right::read_config : api_right::write_config);
  const auto* who = admitted(admission, respond);
  if (!who) return;
  auto segments = path_segments(req.path, "/api/v1/revisions/");
  auto unknown = [&] { respond(not_found_response("no such route: " + req.method + " " + req.path)); };
  if (!segments || segments->empty()) return unknown();
  auto& s = *segments;
  auto n = revision_number(s[0]);
  if (!n) return respond(not_found_response("'" + s[0] + "' is not a revision number"));
  if (req.method == "POST") {
    if (s.size() != 2 || s[1] != "rollback") return unknown();
    return rollback(parts, *who, std::move(req), std::move(respond), *n);
  }
  if (s.size() == 1)
    return run_config_read(parts, std::move(respond), [n = *n](config_plane& plane) {
      http_response failure;
      auto snap = revision_or(plane, n, failure);
      if (!snap) return failure;
      return json_response(200, info_with_changes(snap->info, snap->changes_json));
    });
  if (s.size() == 2 && s[1] == "document")
    return run_config_read(parts, std::move(respond), [n = *n](config_plane& plane) {
      http_response failure;
      auto snap = revision_or(plane, n, failure);
      return snap ? document_response(*snap) : failure;
    });
  if (s.size() == 3 && s[1] == "diff") {
    auto to = revision_number(s[2]);
    if (!to) return respond(not_found_response("'" + s[2] + "' is not a revision number"));
    return run_config_read(parts, std::move(respond), [from = *n, to = *to](config_plane& plane) {
      http_response failure;
      auto a = revision_or(plane, from, failure);
      if (!a) return failure;
      auto b = revision_or(plane, to, failure);
      if (!b) return failure;
      return json_response(200, "{\"from\":" + std::to_string(from) + ",\"to\":" + std::to_string(to) +
                                  ",\"changes\":" + changes_json(diff_configs(*a->document, *b->document)) + "}");
    });
  }
  unknown();
}

void import_config(const node_http_parts& parts, const api_principal& who, http_request&& req, http_responder respond) {
  config_change_request change{"config.import", "config", "", {}};
  change.run = [req](config_plane& plane, const config_author& author, edit_result& result) {
    if (auto if_match = req.header("If-Match"); !if_match.empty()) {
      std::string error;
      auto head = plane.head(&error);
      auto etag = head ? "\"" + head->info.digest + "\"" : std::string{"\"\""};
      if (!if_match_allows(if_match, etag)) {
        result = refusal(412, "the configuration changed since the ETag in If-Match");
        return edit_problem(result, "");
      }
    }
    result = plane.import_text(req.body, author);
    if (result.status != edit_status::committed && result.status != edit_status::unchanged)
      return edit_problem(result, "");
    return json_response(200, "{\"revision\":" + std::to_string(result.number) +
                                ",\"changes\":" + changes_json(result.changes) + "}");
  };
  run_config_change(parts, who, req, std::move(respond), std::move(change));
}

} // namespace

void add_revision_routes(http_server& server, const node_http_parts& parts) {
  server.route("GET", "/api/v1/revisions", [parts](http_request&& req, http_responder respond) {
    if (!admitted(parts.gate->admit(req, api_right::read_config), respond)) return;
    history(parts, std::move(req), std::move(respond));
  });
  auto one = [parts](http_request&& req, http_responder respond) {
    one_revision(parts, std::move(req), std::move(respond));
  };
  server.route_prefix("GET", "/api/v1/revisions/", one);
  server.route_prefix("POST", "/api/v1/revisions/", one);
  server.route("GET", "/api/v1/config", [parts](http_request&& req, http_responder respond) {
    if (!admitted(parts.gate->admit(req, api_right::read_config), respond)) return;
    run_config_read(parts, std::move(respond), [](config_plane& plane) {
      http_response failure;
      auto head = read_head(plane, failure);
      if (!head) return failure;
      if (!head->snapshot) return not_found_response("there is no configuration yet: PUT one");
      return document_response(*head->snapshot);
    });
  });
  server.route("PUT", "/api/v1/config", [parts](http_request&& req, http_responder respond) {
    auto admission = parts.gate->admit(req, api_right::write_config);
    const auto* who = admitted(admission, respond);
    if (!who) return;
    import_config(parts, *who, std::move(req), std::move(respond));
  });
}

void add_config_routes(http_server& server, const node_http_parts& parts) {
  server.route("GET", "/api/v1/openapi.json", [](http_request&&, http_responder respond) {
    http_response r;
    r.content_type = "application/json";
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.body = std::string{embedded::openapi_json};
    respond(std::move(r));
  });
  add_entity_routes(server, parts);
  add_cap_routes(server, parts);
  add_revision_routes(server, parts);
}

} // namespace ringbid
