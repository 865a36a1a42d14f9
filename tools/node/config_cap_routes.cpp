// Caps under /api/v1/caps. A cap has no id in the configuration; the API
// names it by its key (tools/node/cap_key.hpp). Each item is
//   {"key": KEY, "cap": {the cap object of the config file}, "usage": {...} | null}
// where usage is the cap ledger's current standing (limit, counted, reserved,
// the window's start and reset, the reset in the owner's zone); null when the
// ledger does not know the cap (not in force yet) or this node runs none.
// The ledger is asked from the control plane's worker, never the io thread.

#include "actors/core/cap_window.hpp"
#include "adapters/config/entity_json.hpp"
#include "protocol/money.hpp"
#include "protocol/node.hpp"
#include "tools/node/cap_key.hpp"
#include "tools/node/config_route_support.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace ringbid {

namespace {

constexpr auto ledger_timeout = std::chrono::seconds{2};
const std::string collection = "/api/v1/caps";

/// The ledger's standings by cap key; empty when it cannot be asked.
std::map<std::string, cap_standing> usage_by_key(const node_http_parts& parts) {
  std::map<std::string, cap_standing> out;
  if (parts.system == nullptr || !parts.root) return out;
  caf::scoped_actor self{*parts.system};
  caf::actor ledger;
  self->request(parts.root, ledger_timeout, peer_lookup{peer_kind::ledger, {}})
    .receive([&](const peer_handle& h) { ledger = h.handle; },
             [&](caf::error& err) { spdlog::warn("caps API: no ledger: {}", parts.system->render(err)); });
  if (!ledger) return out;
  self->request(ledger, ledger_timeout, caps_query{})
    .receive(
      [&](caps_report& r) {
        for (auto& s : r.caps) out.emplace(cap_key(s), std::move(s)); // the first of equal keys, like the list
      },
      [&](caf::error& err) { spdlog::warn("caps API: caps query failed: {}", parts.system->render(err)); });
  return out;
}

/// An instant in a zone: "2026-03-08T00:00:00-08:00".
std::string local_text(timestamp_us t, const std::string& zone_name) {
  auto zone = calendar_zone::find(zone_name);
  if (!zone) return format_iso8601(t);
  auto m = zone->local(t);
  auto seconds = ((t / 1'000'000) % 60 + 60) % 60;
  auto offset = m.utc_offset_s;
  char sign = offset < 0 ? '-' : '+';
  offset = offset < 0 ? -offset : offset;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}", m.year, m.month, m.day, m.minute_of_day / 60,
                     m.minute_of_day % 60, seconds, sign, offset / 3600, (offset % 3600) / 60);
}

std::string amount(const cap_standing& s, int64_t v) {
  return s.measure == "revenue" ? decimal_dollars(v, 0) : std::to_string(v);
}

std::string usage_json(const cap_standing& s) {
  std::string out = "{";
  out += "\"unit\":" + json_string(s.measure == "revenue" ? "dollars" : s.measure == "spacing" ? "seconds" : "calls");
  out += ",\"limit\":" + amount(s, s.limit);
  out += ",\"counted\":" + amount(s, s.counted);
  out += ",\"reserved\":" + amount(s, s.reserved);
  out += ",\"time_zone\":" + json_string(s.time_zone);
  out +=
    ",\"window_start\":" + (s.window_start == 0 ? std::string{"null"} : json_string(format_iso8601(s.window_start)));
  out += ",\"resets_at\":" + (s.resets_at == 0 ? std::string{"null"} : json_string(format_iso8601(s.resets_at)));
  out += ",\"resets_at_local\":" +
         (s.resets_at == 0 ? std::string{"null"} : json_string(local_text(s.resets_at, s.time_zone)));
  out += "}";
  return out;
}

std::string item_json(const std::string& key, const std::string& cap_text, const std::string* usage) {
  return "{\"key\":" + json_string(key) + ",\"cap\":" + cap_text + ",\"usage\":" + (usage ? *usage : "null") + "}";
}

/// The caps of a revision: (key, text) in document order.
std::vector<std::pair<std::string, std::string>> caps_of(const config_snapshot& snap) {
  std::vector<std::pair<std::string, std::string>> out;
  auto texts = snap.document->entities(entity_kind::cap);
  for (size_t i = 0; i < texts.size() && i < snap.config->caps.size(); ++i)
    out.emplace_back(cap_key(snap.config->caps[i]), std::move(texts[i]));
  return out;
}

/// The keys of the caps of `doc`, in order (parsed here: the keys need the
/// parser's defaults); nullopt when `doc` is not a valid configuration.
std::optional<std::vector<std::string>> keys_of(const config_document& doc) {
  auto parsed = parse_config(doc.text());
  if (!parsed.ok()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& c : parsed.config->caps) out.push_back(cap_key(c));
  return out;
}

http_response cap_response(int status, const std::string& key, const std::string& text) {
  auto r = json_response(status, item_json(key, text, nullptr));
  r.headers.emplace_back("ETag", entity_etag(text));
  if (status == 201) r.headers.emplace_back("Location", collection + "/" + key);
  return r;
}

/// The key the committed revision gives the cap at `index`.
std::string committed_key(config_plane& plane, int64_t number, size_t index) {
  auto snap = plane.revision(number);
  if (!snap || index >= snap->config->caps.size()) return {};
  return cap_key(snap->config->caps[index]);
}

void list_caps(const node_http_parts& parts, http_request&& req, http_responder respond) {
  auto params = parse_query(req.query);
  if (!params) return respond(bad_query_response("the query string is not valid"));
  http_response failure;
  auto page = page_of(*params, failure);
  if (!page) return respond(std::move(failure));
  auto owner = param(*params, "owner");
  auto id = param(*params, "id");
  auto measure = param(*params, "measure");
  run_config_read(parts, std::move(respond), [parts, page = *page, owner, id, measure](config_plane& plane) {
    http_response unreadable;
    auto head = read_head(plane, unreadable);
    if (!head) return unreadable;
    std::vector<std::pair<std::string, std::string>> kept;
    if (head->snapshot)
      for (auto& [key, text] : caps_of(*head->snapshot)) {
        if (key <= page.after) continue;
        if (!owner.empty() && string_member(text, "owner").value_or("") != owner) continue;
        if (!measure.empty() && string_member(text, "measure").value_or("") != measure) continue;
        if (!id.empty() && string_member(text, "id").value_or("") != id &&
            string_member(text, "campaign").value_or("") != id && string_member(text, "buyer").value_or("") != id)
          continue;
        kept.emplace_back(key, std::move(text));
      }
    std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    bool more = kept.size() > page.limit;
    if (more) kept.resize(page.limit);
    auto usage = usage_by_key(parts);
    std::string body = "{\"items\":[";
    for (size_t i = 0; i < kept.size(); ++i) {
      auto u = usage.find(kept[i].first);
      std::string text = u == usage.end() ? std::string{} : usage_json(u->second);
      body += (i == 0 ? "" : ",") + item_json(kept[i].first, kept[i].second, u == usage.end() ? nullptr : &text);
    }
    body += "],\"revision\":" + std::to_string(head->number()) + ",\"next_cursor\":";
    body += more ? json_string(cursor_of(kept.back().first)) : "null";
    body += "}";
    auto r = json_response(200, std::move(body));
    r.headers.emplace_back("Ringbid-Revision", std::to_string(head->number()));
    return r;
  });
}

void get_cap(const node_http_parts& parts, const std::string& key, http_responder respond) {
  run_config_read(parts, std::move(respond), [parts, key](config_plane& plane) {
    http_response unreadable;
    auto head = read_head(plane, unreadable);
    if (!head) return unreadable;
    if (head->snapshot)
      for (auto& [k, text] : caps_of(*head->snapshot)) {
        if (k != key) continue;
        auto usage = usage_by_key(parts);
        auto u = usage.find(key);
        std::string usage_text = u == usage.end() ? std::string{} : usage_json(u->second);
        auto r = json_response(200, item_json(key, text, u == usage.end() ? nullptr : &usage_text));
        r.headers.emplace_back("ETag", entity_etag(text));
        r.headers.emplace_back("Ringbid-Revision", std::to_string(head->number()));
        return r;
      }
    return not_found_response("no cap '" + key + "'");
  });
}

enum class cap_write { create, replace, remove };

void write_cap(const node_http_parts& parts, const api_principal& who, http_request&& req, http_responder respond,
               cap_write mode, const std::string& key) {
  if (mode != cap_write::remove)
    if (auto bad = object_body_problem(req)) return respond(std::move(*bad));
  const char* verb = mode == cap_write::create    ? "cap.create"
                     : mode == cap_write::replace ? "cap.update"
                                                  : "cap.delete";
  config_change_request change{verb, "cap", key, {}};
  change.run = [mode, key, req](config_plane& plane, const config_author& author, edit_result& result) {
    std::optional<size_t> index;
    std::string final_text;
    result = plane.edit(
      [&](config_document& doc) -> std::optional<edit_result> {
        std::optional<size_t> at;
        if (mode != cap_write::create) {
          if (auto keys = keys_of(doc))
            if (auto i = std::find(keys->begin(), keys->end(), key); i != keys->end())
              at = static_cast<size_t>(i - keys->begin());
          if (!at) return refusal(404, "no cap '" + key + "'");
          auto existing = *doc.entity(entity_kind::cap, std::to_string(*at));
          if (!if_match_ok(req, existing))
            return refusal(412, "the cap '" + key + "' changed since the ETag in If-Match");
        }
        std::string error;
        if (mode == cap_write::remove) {
          doc.remove_entity(entity_kind::cap, std::to_string(*at));
          return std::nullopt;
        }
        // Appended (create) or in place (replace): put_entity appends when
        // the position is past the end.
        auto position = at ? *at : doc.entities(entity_kind::cap).size();
        if (!doc.put_entity(entity_kind::cap, std::to_string(position), req.body, &error)) return refusal_at("", error);
        index = position;
        final_text = *doc.entity(entity_kind::cap, std::to_string(position));
        // Two caps with one key would be one cap counted twice: refused.
        if (auto keys = keys_of(doc); keys && position < keys->size()) {
          const auto& mine = (*keys)[position];
          if (std::count(keys->begin(), keys->end(), mine) > 1)
            return refusal(409, "a cap '" + mine + "' exists already: change that one (PUT " + collection + "/" + mine +
                                  ")");
        }
        return std::nullopt;
      },
      author);
    if (result.status != edit_status::committed && result.status != edit_status::unchanged)
      return edit_problem(result, index ? "/caps/" + std::to_string(*index) : std::string{});
    if (mode == cap_write::remove) return no_content_response();
    auto new_key = committed_key(plane, result.number, *index);
    return cap_response(mode == cap_write::create ? 201 : 200, new_key, final_text);
  };
  run_config_change(parts, who, req, std::move(respond), std::move(change));
}

} // namespace

void add_cap_routes(http_server& server, const node_http_parts& parts) {
  server.route("GET", collection, [parts](http_request&& req, http_responder respond) {
    if (!admitted(parts.gate->admit(req, api_right::read_config), respond)) return;
    list_caps(parts, std::move(req), std::move(respond));
  });
  server.route("POST", collection, [parts](http_request&& req, http_responder respond) {
    auto admission = parts.gate->admit(req, api_right::write_config);
    const auto* who = admitted(admission, respond);
    if (!who) return;
    write_cap(parts, *who, std::move(req), std::move(respond), cap_write::create, {});
  });
  auto one = [parts](http_request&& req, http_responder respond) {
    bool read = req.method == "GET";
    auto admission = parts.gate->admit(req, read ? api_right::read_config : api_right::write_config);
    const auto* who = admitted(admission, respond);
    if (!who) return;
    auto segments = path_segments(req.path, collection + "/");
    if (!segments || segments->size() != 1)
      return respond(not_found_response("no such route: " + req.method + " " + req.path));
    const auto& key = (*segments)[0];
    if (read) return get_cap(parts, key, std::move(respond));
    write_cap(parts, *who, std::move(req), std::move(respond),
              req.method == "PUT" ? cap_write::replace : cap_write::remove, key);
  };
  for (const char* method : {"GET", "PUT", "DELETE"}) server.route_prefix(method, collection + "/", one);
}

} // namespace ringbid
