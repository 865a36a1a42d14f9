#include "adapters/sim/sim_call_pages.hpp"

#include "adapters/http/http_query.hpp"
#include "adapters/telnyx/percent_encoding.hpp"
#include "adapters/telnyx/telnyx_codec.hpp"
#include "adapters/telnyx/webhook_signature.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace ringbid {

namespace {

constexpr std::string_view cursor_prefix = "v1:";
constexpr int default_limit = 20;
constexpr int max_limit = 250;

http_response error(std::string_view code, std::string_view title, std::string_view detail) {
  http_response r;
  r.status = 422;
  r.content_type = "application/json";
  r.body = encode_command_error(code, title, detail);
  return r;
}

/// The call id a cursor names; nullopt if it is not one of ours.
std::optional<std::string> cursor_id(std::string_view cursor) {
  if (!cursor.starts_with(cursor_prefix)) return std::nullopt;
  auto id = base64_decode(cursor.substr(cursor_prefix.size()));
  if (!id || id->empty()) return std::nullopt;
  return id;
}

std::optional<int> limit_of(const std::string& text) {
  if (text.empty()) return default_limit;
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < 1 || v > max_limit) return std::nullopt;
  return v;
}

/// ".../active_calls?page[limit]=N&page[before]=CURSOR".
std::string before_path(const std::string& connection_id, const std::string& cursor, int limit) {
  auto path = active_calls_path(connection_id, "", limit);
  return path + "&page%5Bbefore%5D=" + percent_encode(cursor);
}

} // namespace

std::string sim_page_cursor(const std::string& call_control_id) {
  return std::string{cursor_prefix} + base64_encode(call_control_id);
}

http_response active_calls_response(const std::vector<telnyx_call_info>& calls, const sim_page_request& request,
                                    const std::string& connection_id) {
  if (request.connection_id != connection_id)
    return error("10015", "Invalid value for connection_id", "No Call Control connection " + request.connection_id);
  auto params = parse_query(request.query);
  if (!params) return error("10033", "Invalid query", "The query string is not valid.");
  auto limit_text = param(*params, "page[limit]");
  if (limit_text.empty()) limit_text = param(*params, "page[size]");
  auto limit = limit_of(limit_text);
  if (!limit) return error("10033", "Value outside of range", "page[limit] must be a whole number from 1 to 250.");
  auto after = param(*params, "page[after]");
  auto before = param(*params, "page[before]");
  if (!after.empty() && !before.empty())
    return error("10033", "Invalid query", "page[after] and page[before] cannot be combined.");
  auto by_id = [](const telnyx_call_info& c, const std::string& id) { return c.call_control_id < id; };
  auto first = calls.begin();
  auto last = calls.end();
  if (!after.empty()) {
    auto id = cursor_id(after);
    if (!id) return error("10033", "Invalid page cursor", "page[after] is not a cursor this API gave.");
    first = std::upper_bound(calls.begin(), calls.end(), *id,
                             [](const std::string& v, const telnyx_call_info& c) { return v < c.call_control_id; });
    last = first + std::min<std::ptrdiff_t>(*limit, calls.end() - first);
  } else if (!before.empty()) {
    auto id = cursor_id(before);
    if (!id) return error("10033", "Invalid page cursor", "page[before] is not a cursor this API gave.");
    last = std::lower_bound(calls.begin(), calls.end(), *id, by_id);
    first = last - std::min<std::ptrdiff_t>(*limit, last - calls.begin());
  } else {
    last = first + std::min<std::ptrdiff_t>(*limit, calls.end() - first);
  }
  telnyx_active_calls_page page;
  page.calls.assign(first, last);
  page.total_items = calls.size();
  if (first != last && last != calls.end()) {
    page.after = sim_page_cursor((last - 1)->call_control_id);
    page.next = active_calls_path(connection_id, page.after, *limit);
  }
  if (first != last && first != calls.begin()) {
    page.before = sim_page_cursor(first->call_control_id);
    page.previous = before_path(connection_id, page.before, *limit);
  }
  http_response r;
  r.content_type = "application/json";
  r.body = encode_active_calls(page);
  return r;
}

} // namespace ringbid
