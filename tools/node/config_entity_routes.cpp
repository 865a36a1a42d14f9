// Campaigns, sources, buyers and DIDs under /api/v1: list (paged, filtered),
// get (with its ETag), create, replace, merge-patch, archive / unarchive,
// pause / resume (campaigns and buyers), and for DIDs assign (PUT) and
// unassign (DELETE). Campaigns, sources and buyers are never deleted:
// archiving keeps them and their history. Each entity is the object of its
// list in the config file, exactly.

#include "adapters/config/entity_json.hpp"
#include "tools/node/config_route_support.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

namespace ringbid {

namespace {

struct kind_routes {
  entity_kind kind;
  bool archivable = true;   ///< campaigns, sources, buyers; DIDs are removed instead
  bool pausable = false;    ///< campaigns and buyers (`active`)
  bool put_creates = false; ///< DIDs: PUT assigns a number, new or not

  std::string plural() const { return std::string{list_name(kind)}; }
  std::string singular() const { return std::string{singular_name(kind)}; }
  std::string key() const { return std::string{key_name(kind)}; }
  std::string collection() const { return "/api/v1/" + plural(); }
  std::string location(const std::string& id) const { return collection() + "/" + id; }
  std::string action(const char* verb) const { return singular() + "." + verb; }
};

bool contains_folded(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != haystack.end();
}

/// The filters of a list; nullopt + a 400 for a bad value.
struct list_filter {
  std::string q;
  int archived = 0; ///< 0 not archived (default), 1 archived only, 2 all
  std::optional<bool> active;
  std::string campaign, source; ///< DIDs

  bool keeps(const kind_routes& k, const std::string& text) const {
    if (!q.empty()) {
      auto id = string_member(text, k.key()).value_or("");
      auto name = string_member(text, "name").value_or("");
      if (!contains_folded(id, q) && !contains_folded(name, q)) return false;
    }
    if (k.archivable && archived != 2) {
      bool is = bool_member(text, "archived").value_or(false);
      if (is != (archived == 1)) return false;
    }
    if (k.pausable && active && bool_member(text, "active").value_or(true) != *active) return false;
    if (!campaign.empty() && string_member(text, "campaign_id").value_or("") != campaign) return false;
    if (!source.empty() && string_member(text, "source_id").value_or("") != source) return false;
    return true;
  }
};

std::optional<list_filter> filter_of(const kind_routes& k, const query_params& params, http_response& failure) {
  list_filter f;
  f.q = param(params, "q");
  auto archived = param(params, "archived");
  if (k.archivable) {
    if (archived.empty() || archived == "false")
      f.archived = 0;
    else if (archived == "true")
      f.archived = 1;
    else if (archived == "all")
      f.archived = 2;
    else {
      failure = bad_query_response("archived=" + archived + ": false, true or all");
      return std::nullopt;
    }
  }
  if (auto active = param(params, "active"); k.pausable && !active.empty()) {
    if (active != "true" && active != "false") {
      failure = bad_query_response("active=" + active + ": true or false");
      return std::nullopt;
    }
    f.active = active == "true";
  }
  if (k.kind == entity_kind::did) {
    f.campaign = param(params, "campaign");
    f.source = param(params, "source");
  }
  return f;
}

http_response entity_response(int status, const kind_routes& k, const std::string& key, const std::string& text) {
  auto r = json_response(status, text);
  r.headers.emplace_back("ETag", entity_etag(text));
  if (status == 201) r.headers.emplace_back("Location", k.location(key));
  return r;
}

std::string entity_pointer(const kind_routes& k, std::optional<size_t> index) {
  return index ? "/" + k.plural() + "/" + std::to_string(*index) : std::string{};
}

// -- reads -------------------------------------------------------------------------

void list_route(http_server& server, const node_http_parts& parts, const kind_routes& k) {
  server.route("GET", k.collection(), [parts, k](http_request&& req, http_responder respond) {
    if (!admitted(parts.gate->admit(req, api_right::read_config), respond)) return;
    auto params = parse_query(req.query);
    if (!params) return respond(bad_query_response("the query string is not valid"));
    http_response failure;
    auto page = page_of(*params, failure);
    if (!page) return respond(std::move(failure));
    auto filter = filter_of(k, *params, failure);
    if (!filter) return respond(std::move(failure));
    run_config_read(parts, std::move(respond), [k, page = *page, filter = *filter](config_plane& plane) {
      http_response unreadable;
      auto head = read_head(plane, unreadable);
      if (!head) return unreadable;
      std::vector<std::pair<std::string, std::string>> kept; // key, text
      for (auto& text : head->document().entities(k.kind)) {
        auto key = string_member(text, k.key()).value_or("");
        if (key > page.after && filter.keeps(k, text)) kept.emplace_back(std::move(key), std::move(text));
      }
      std::sort(kept.begin(), kept.end());
      bool more = kept.size() > page.limit;
      if (more) kept.resize(page.limit);
      std::string body = "{\"items\":[";
      for (size_t i = 0; i < kept.size(); ++i) body += (i == 0 ? "" : ",") + kept[i].second;
      body += "],\"revision\":" + std::to_string(head->number()) + ",\"next_cursor\":";
      body += more ? json_string(cursor_of(kept.back().first)) : "null";
      body += "}";
      auto r = json_response(200, std::move(body));
      r.headers.emplace_back("Ringbid-Revision", std::to_string(head->number()));
      return r;
    });
  });
}

void get_one(const node_http_parts& parts, const kind_routes& k, const std::string& key, http_responder respond) {
  run_config_read(parts, std::move(respond), [k, key](config_plane& plane) {
    http_response unreadable;
    auto head = read_head(plane, unreadable);
    if (!head) return unreadable;
    auto text = head->document().entity(k.kind, key);
    if (!text) return not_found_response("no " + k.singular() + " '" + key + "'");
    auto r = entity_response(200, k, key, *text);
    r.headers.emplace_back("Ringbid-Revision", std::to_string(head->number()));
    return r;
  });
}

// -- changes -----------------------------------------------------------------------

enum class write_mode { create, replace, upsert, patch };

/// POST (create), PUT (replace; DIDs: upsert) and PATCH (merge) of one entity.
void write_entity(const node_http_parts& parts, const api_principal& who, http_request&& req, http_responder respond,
                  const kind_routes& k, write_mode mode, std::string key) {
  if (auto bad = object_body_problem(req)) return respond(std::move(*bad));
  auto body = req.body;
  if (mode == write_mode::create) {
    auto id = string_member(body, k.key());
    if (!id)
      return respond(bad_body_response(
        {{"/" + k.key(),
          has_member(body, k.key()) ? "must be a string" : "required: the new " + k.singular() + "'s " + k.key()}}));
    key = *id;
  } else if (mode != write_mode::patch || has_member(body, k.key())) {
    auto id = string_member(body, k.key());
    if (mode == write_mode::upsert && !has_member(body, k.key())) {
      body = *with_member(body, k.key(), json_string(key));
    } else if (!id || *id != key) {
      return respond(bad_body_response(
        {{"/" + k.key(), "must be \"" + key + "\", the " + k.singular() + " this URL names (it cannot change)"}}));
    }
  }
  const char* verb = mode == write_mode::create ? "create" : k.kind == entity_kind::did ? "assign" : "update";
  config_change_request change{k.action(verb), k.singular(), key, {}};
  change.run = [k, mode, key, body, req](config_plane& plane, const config_author& author, edit_result& result) {
    std::optional<size_t> index;
    bool created = false;
    std::string final_text;
    result = plane.edit(
      [&](config_document& doc) -> std::optional<edit_result> {
        auto existing = doc.entity(k.kind, key);
        if (mode == write_mode::create && existing)
          return refusal(409, "a " + k.singular() + " '" + key + "' exists already (archived ones too: unarchive it)");
        if ((mode == write_mode::replace || mode == write_mode::patch) && !existing)
          return refusal(404, "no " + k.singular() + " '" + key + "'");
        if (existing && !if_match_ok(req, *existing))
          return refusal(412, "the " + k.singular() + " '" + key + "' changed since the ETag in If-Match");
        created = !existing;
        std::string next = body;
        if (mode == write_mode::patch) {
          json_text_error error;
          auto merged = merge_patch(*existing, body, &error);
          if (!merged || !is_json_object(*merged, nullptr))
            return refusal_at("", "the merge patch does not leave a JSON object");
          if (string_member(*merged, k.key()).value_or("") != key)
            return refusal_at("/" + k.key(), "the " + k.singular() + "'s " + k.key() + " cannot change");
          next = *merged;
        }
        std::string error;
        if (!doc.put_entity(k.kind, key, next, &error)) return refusal_at("", error);
        index = doc.index_of(k.kind, key);
        final_text = doc.entity(k.kind, key).value_or(next);
        return std::nullopt;
      },
      author);
    if (result.status != edit_status::committed && result.status != edit_status::unchanged)
      return edit_problem(result, entity_pointer(k, index));
    return entity_response(created ? 201 : 200, k, key, final_text);
  };
  run_config_change(parts, who, req, std::move(respond), std::move(change));
}

/// archive / unarchive / pause / resume: one member set.
void set_flag(const node_http_parts& parts, const api_principal& who, http_request&& req, http_responder respond,
              const kind_routes& k, const std::string& key, const std::string& verb) {
  std::string member = verb == "archive" || verb == "unarchive" ? "archived" : "active";
  bool value = verb == "archive" || verb == "resume";
  config_change_request change{k.action(verb.c_str()), k.singular(), key, {}};
  change.run = [k, key, member, value, req](config_plane& plane, const config_author& author, edit_result& result) {
    std::optional<size_t> index;
    std::string final_text;
    result = plane.edit(
      [&](config_document& doc) -> std::optional<edit_result> {
        auto existing = doc.entity(k.kind, key);
        if (!existing) return refusal(404, "no " + k.singular() + " '" + key + "'");
        if (!if_match_ok(req, *existing))
          return refusal(412, "the " + k.singular() + " '" + key + "' changed since the ETag in If-Match");
        doc.set_member(k.kind, key, member, value ? "true" : "false");
        index = doc.index_of(k.kind, key);
        final_text = *doc.entity(k.kind, key);
        return std::nullopt;
      },
      author);
    if (result.status != edit_status::committed && result.status != edit_status::unchanged)
      return edit_problem(result, entity_pointer(k, index));
    return entity_response(200, k, key, final_text);
  };
  run_config_change(parts, who, req, std::move(respond), std::move(change));
}

void remove_did(const node_http_parts& parts, const api_principal& who, http_request&& req, http_responder respond,
                const kind_routes& k, const std::string& key) {
  config_change_request change{k.action("unassign"), k.singular(), key, {}};
  change.run = [k, key, req](config_plane& plane, const config_author& author, edit_result& result) {
    result = plane.edit(
      [&](config_document& doc) -> std::optional<edit_result> {
        auto existing = doc.entity(k.kind, key);
        if (!existing) return refusal(404, "no " + k.singular() + " '" + key + "'");
        if (!if_match_ok(req, *existing))
          return refusal(412, "the " + k.singular() + " '" + key + "' changed since the ETag in If-Match");
        doc.remove_entity(k.kind, key);
        return std::nullopt;
      },
      author);
    if (result.status != edit_status::committed && result.status != edit_status::unchanged)
      return edit_problem(result, "");
    return no_content_response();
  };
  run_config_change(parts, who, req, std::move(respond), std::move(change));
}

void add_kind(http_server& server, const node_http_parts& parts, kind_routes k) {
  list_route(server, parts, k);
  server.route("POST", k.collection(), [parts, k](http_request&& req, http_responder respond) {
    auto admission = parts.gate->admit(req, api_right::write_config);
    const auto* who = admitted(admission, respond);
    if (!who) return;
    write_entity(parts, *who, std::move(req), std::move(respond), k, write_mode::create, {});
  });
  auto prefix = k.collection() + "/";
  auto one = [parts, k, prefix](http_request&& req, http_responder respond) {
    bool read = req.method == "GET";
    auto admission = parts.gate->admit(req, read ? api_right::read_config : api_right::write_config);
    const auto* who = admitted(admission, respond);
    if (!who) return;
    auto segments = path_segments(req.path, prefix);
    if (!segments || segments->size() > 2)
      return respond(not_found_response("no such route: " + req.method + " " + req.path));
    const auto& key = (*segments)[0];
    if (segments->size() == 2) {
      const auto& verb = (*segments)[1];
      bool known = req.method == "POST" && (((verb == "archive" || verb == "unarchive") && k.archivable) ||
                                            ((verb == "pause" || verb == "resume") && k.pausable));
      if (!known) return respond(not_found_response("no such route: " + req.method + " " + req.path));
      return set_flag(parts, *who, std::move(req), std::move(respond), k, key, verb);
    }
    if (req.method == "GET") return get_one(parts, k, key, std::move(respond));
    if (req.method == "PUT")
      return write_entity(parts, *who, std::move(req), std::move(respond), k,
                          k.put_creates ? write_mode::upsert : write_mode::replace, key);
    if (req.method == "PATCH")
      return write_entity(parts, *who, std::move(req), std::move(respond), k, write_mode::patch, key);
    if (req.method == "DELETE" && k.kind == entity_kind::did)
      return remove_did(parts, *who, std::move(req), std::move(respond), k, key);
    respond(problem_response({405,
                              "method-not-allowed",
                              "Method not allowed",
                              req.method + " " + req.path + ": " + k.plural() + " are archived, not deleted",
                              {}}));
  };
  for (const char* method : {"GET", "PUT", "PATCH", "POST", "DELETE"}) server.route_prefix(method, prefix, one);
}

} // namespace

void add_entity_routes(http_server& server, const node_http_parts& parts) {
  add_kind(server, parts, {entity_kind::campaign, true, true, false});
  add_kind(server, parts, {entity_kind::source, true, false, false});
  add_kind(server, parts, {entity_kind::buyer, true, true, false});
  add_kind(server, parts, {entity_kind::did, false, false, true});
}

} // namespace ringbid
