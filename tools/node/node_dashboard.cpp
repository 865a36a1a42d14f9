// The dashboard's routes: the page, the metrics API and the event stream. The
// API asks the analytics actor through a short-lived actor per request, so no
// HTTP thread ever waits for an actor.

#include "tools/node/node_http.hpp"

#include "actors/core/analytics_core.hpp"
#include "actors/core/time_bound.hpp"
#include "adapters/clock/sim_clock.hpp"
#include "adapters/http/access_token.hpp"
#include "adapters/http/http_query.hpp"
#include "adapters/http/problem_json.hpp"
#include "protocol/node.hpp"
#include "web/web_assets.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace ringbid {

namespace {

constexpr auto lookup_timeout = std::chrono::seconds{2};
/// History over a long range reads many rows; the HTTP server's handler limit is longer still.
constexpr auto query_timeout = std::chrono::seconds{30};

/// The dashboard shows every campaign's and source's figures, with revenue and
/// the calls' numbers: a caller who reads figures and sees everything. A
/// scoped token (publisher, buyer, reporting of one campaign) is refused here.
std::optional<http_response> refusal(const node_http_parts& parts, const http_request& req) {
  auto a = parts.gate->admit(req, api_right::read_figures);
  if (auto* refused = std::get_if<http_response>(&a)) return std::move(*refused);
  const auto& who = std::get<api_principal>(a);
  if (!visibility_of(who).everything())
    return problem_response({403,
                             "forbidden",
                             "Not allowed for this token",
                             "the dashboard shows every campaign and source; this " + std::string(to_string(who.role)) +
                               " token sees only its own " + (who.scope_kind.empty() ? "calls" : who.scope_kind),
                             {}});
  return std::nullopt;
}

/// The pages and their assets: any signed-in caller gets them; what each page
/// shows is up to the API routes it reads (GET /api/v1/session says which).
std::optional<http_response> page_refusal(const node_http_parts& parts, const http_request& req) {
  auto a = parts.gate->authenticate(req);
  if (auto* refused = std::get_if<http_response>(&a)) return std::move(*refused);
  return std::nullopt;
}

bool known(const std::vector<std::string>& ids, const std::string& id) {
  return id.empty() || std::find(ids.begin(), ids.end(), id) != ids.end();
}

/// The campaign and source filter of a request; a response instead when it is bad.
std::variant<metrics_filter, http_response> filter_of(const node_http_parts& parts, const query_params& params) {
  metrics_filter f{param(params, "campaign"), param(params, "source")};
  auto ids = parts.ids ? parts.ids() : known_ids{};
  if (!known(ids.campaigns, f.campaign_id))
    return json_response(404, error_json("unknown campaign '" + f.campaign_id + "'"));
  if (!known(ids.sources, f.source_id)) return json_response(404, error_json("unknown source '" + f.source_id + "'"));
  return f;
}

/// The query of /api/v1/metrics/summary: from/to as `ringbid leads` takes them
/// (a day, or an instant with its zone; `to` inclusive of its day), today by default.
std::variant<metrics_query, http_response> summary_query(const node_http_parts& parts, const http_request& req) {
  auto params = parse_query(req.query);
  if (!params) return json_response(400, error_json("the query string is not valid"));
  auto filter = filter_of(parts, *params);
  if (auto* bad = std::get_if<http_response>(&filter)) return std::move(*bad);
  auto f = std::get<metrics_filter>(filter);
  auto today = utc_day_start(system_now());
  metrics_query q{today, today + us_per_day_analytics, f.campaign_id, f.source_id};
  for (auto [name, upper] : {std::pair{"from", false}, std::pair{"to", true}}) {
    auto text = param(*params, name);
    if (text.empty()) continue;
    auto bound = parse_time_bound(text, upper);
    if (!bound)
      return json_response(400, error_json(std::string(name) + "=" + text +
                                           " is neither a day (YYYY-MM-DD) nor an instant "
                                           "(YYYY-MM-DDTHH:MM[:SS]Z)"));
    (upper ? q.until : q.from) = *bound;
  }
  if (q.from >= q.until) return json_response(400, error_json("from is not before to: an empty range"));
  return q;
}

/// Asks the live analytics actor `query`; `reply` renders its answer. Errors
/// (no analytics, a timeout) answer 503.
template <class Reply, class Query, class Render>
void ask_analytics(const node_http_parts& parts, Query query, http_responder respond, Render render) {
  auto fail = [respond](const std::string& why) { respond(json_response(503, error_json(why))); };
  parts.system->spawn([root = parts.root, query, respond, render, fail](caf::event_based_actor* self) {
    self->request(root, lookup_timeout, peer_lookup{peer_kind::analytics, {}})
      .then(
        [=](const peer_handle& h) {
          if (!h.handle) {
            fail("analytics is not running");
            return;
          }
          self->request(h.handle, query_timeout, query)
            .then([=](Reply& reply) { respond(render(reply)); },
                  [=](caf::error& err) { fail("analytics did not answer: " + caf::to_string(err)); });
        },
        [=](caf::error& err) { fail("the node is not answering: " + caf::to_string(err)); });
  });
}

std::optional<uint64_t> last_event_id(const http_request& req) {
  auto text = req.header("last-event-id");
  uint64_t id = 0;
  if (text.empty() || std::from_chars(text.data(), text.data() + text.size(), id).ec != std::errc{})
    return std::nullopt;
  return id;
}

void add_page_routes(http_server& server, const node_http_parts& parts) {
  auto page = [parts](http_request&& req, http_responder respond) {
    auto asset = find_web_asset(req.path);
    if (!asset) {
      respond(json_response(404, error_json("not found")));
      return;
    }
    if (auto refused = page_refusal(parts, req)) {
      // The page itself sends a browser without a valid session to sign in;
      // its assets answer the problem.
      if (refused->status == 401 && !req.path.starts_with("/assets/")) {
        http_response r;
        r.status = 302;
        r.headers.emplace_back("Location", "/signin");
        r.headers.emplace_back("Cache-Control", "no-store");
        if (!cookie_value(req, session_cookie_name).empty())
          r.headers.emplace_back("Set-Cookie", parts.gate->close_session(req));
        return respond(std::move(r));
      }
      return respond(std::move(*refused));
    }
    http_response r;
    r.content_type = std::string(asset->content_type);
    r.body = std::string(asset->body);
    r.headers.emplace_back("Cache-Control", "no-cache");
    // A token that came in the URL goes into a cookie, so the page's own
    // requests and its EventSource carry it.
    if (auto params = parse_query(req.query);
        params && req.header("authorization").empty() && cookie_value(req, session_cookie_name).empty())
      if (auto token = param(*params, "token"); !token.empty())
        r.headers.emplace_back("Set-Cookie", token_cookie(token));
    respond(std::move(r));
  };
  server.route("GET", "/", page);
  server.route("GET", "/index.html", page);
  server.route("GET", "/manage", page);
  server.route_prefix("GET", "/assets/", page);
}

} // namespace

void add_dashboard_routes(http_server& server, const node_http_parts& parts) {
  if (!parts.gate) throw std::logic_error("the dashboard's routes need the gate");
  add_page_routes(server, parts);
  server.route("GET", "/api/v1/metrics/summary", [parts](http_request&& req, http_responder respond) {
    // A publisher sees its own source's figures, without money or buyers;
    // every other scoped token is refused as on the rest of the dashboard.
    std::string only_source;
    {
      auto a = parts.gate->admit(req, api_right::read_figures);
      if (auto* refused = std::get_if<http_response>(&a)) return respond(std::move(*refused));
      auto seen = visibility_of(std::get<api_principal>(a));
      if (!seen.everything()) {
        if (seen.nothing || seen.only_source.empty() || !seen.only_campaign.empty() || !seen.only_buyer.empty())
          if (auto refused = refusal(parts, req)) return respond(std::move(*refused));
        only_source = seen.only_source;
      }
    }
    auto q = summary_query(parts, req);
    if (auto* bad = std::get_if<http_response>(&q)) return respond(std::move(*bad));
    auto query = std::get<metrics_query>(q);
    auto ids = parts.ids ? parts.ids() : known_ids{};
    if (!only_source.empty()) {
      if (!query.source_id.empty() && query.source_id != only_source)
        return respond(problem_response(
          {403, "forbidden", "Not allowed for this token", "this token sees only source '" + only_source + "'", {}}));
      query.source_id = only_source;
      ids.sources = {only_source};
    }
    ask_analytics<metrics_report>(parts, query, respond, [ids, money = only_source.empty()](metrics_report& r) {
      if (!r.error.empty()) return json_response(503, error_json("cannot read the history: " + r.error));
      return json_response(200, report_json(r, ids, money));
    });
  });
  server.route("GET", "/api/v1/calls/live", [parts](http_request&& req, http_responder respond) {
    if (auto refused = refusal(parts, req)) return respond(std::move(*refused));
    auto params = parse_query(req.query);
    if (!params) return respond(json_response(400, error_json("the query string is not valid")));
    auto filter = filter_of(parts, *params);
    if (auto* bad = std::get_if<http_response>(&filter)) return respond(std::move(*bad));
    auto f = std::get<metrics_filter>(filter);
    ask_analytics<live_board>(parts, live_board_query{f.campaign_id, f.source_id}, respond,
                              [](live_board& b) { return json_response(200, board_json(b.generated_at, b.calls)); });
  });
  server.route_stream(
    "/api/v1/stream",
    [hub = parts.hub](http_request&& req, std::shared_ptr<http_stream> stream) {
      auto params = parse_query(req.query).value_or(query_params{});
      hub->subscribe(std::move(stream), metrics_filter{param(params, "campaign"), param(params, "source")},
                     last_event_id(req));
    },
    [parts](const http_request& req) -> std::optional<http_response> {
      if (auto refused = refusal(parts, req)) return refused;
      auto params = parse_query(req.query);
      if (!params) return json_response(400, error_json("the query string is not valid"));
      auto filter = filter_of(parts, *params);
      if (auto* bad = std::get_if<http_response>(&filter)) return std::move(*bad);
      return std::nullopt;
    });
}

} // namespace ringbid
