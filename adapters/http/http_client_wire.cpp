// The client's value types, URL parsing and request serialization. No Boost here: the pools and
// connections are in http_client.cpp.

#include "adapters/http/http_client.hpp"

#include "adapters/http/http_client_wire.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace ringbid {

namespace http_client_detail {

namespace {

constexpr char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr bool is_alnum(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 9110 token characters.
bool is_token(std::string_view s) noexcept {
  constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [&](char c) { return is_alnum(c) || extra.find(c) != std::string_view::npos; });
}

bool sendable_value(std::string_view s) noexcept {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool fail(std::string& why, std::string_view reason) {
  why.assign(reason);
  return false;
}

constexpr std::uint16_t default_port(bool tls) noexcept { return tls ? 443 : 80; }

} // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool parse_url(std::string_view url, target_url& out, std::string& why) {
  out = {};
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return fail(why, "no scheme://");
  const auto scheme = url.substr(0, scheme_end);
  if (iequals(scheme, "https"))
    out.tls = true;
  else if (!iequals(scheme, "http"))
    return fail(why, "scheme is not http or https");
  out.port = default_port(out.tls);

  const auto rest = url.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  const auto authority = rest.substr(0, authority_end);
  auto tail = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.empty()) return fail(why, "no host");
  if (authority.find('@') != std::string_view::npos) return fail(why, "user info is not supported");

  std::string_view port_text;
  bool has_port = false;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(why, "unterminated [IPv6] host");
    out.host = authority.substr(1, close - 1);
    out.ipv6 = true;
    if (out.host.empty() ||
        !std::all_of(out.host.begin(), out.host.end(), [](char c) { return is_hex(c) || c == ':' || c == '.'; }))
      return fail(why, "bad [IPv6] host");
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(why, "junk after [IPv6] host");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (out.host.empty()) return fail(why, "no host");
    if (!std::all_of(out.host.begin(), out.host.end(),
                     [](char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_' || c == '~'; }))
      return fail(why, "bad character in host");
  }
  if (has_port) {
    unsigned value = 0;
    const auto* end = port_text.data() + port_text.size();
    auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
    if (port_text.empty() || port_text.size() > 5 || ec != std::errc() || ptr != end || value == 0 || value > 65535 ||
        port_text.front() == '+')
      return fail(why, "bad port");
    out.port = static_cast<std::uint16_t>(value);
  }

  tail = tail.substr(0, tail.find('#'));
  if (!std::all_of(tail.begin(), tail.end(), [](char c) { return c > ' ' && c < 127; }))
    return fail(why, "space, control or non-ASCII byte in target");
  out.target = tail;
  return true;
}

void host_key(const target_url& url, std::string& out) {
  out.assign(url.tls ? "https://" : "http://");
  if (url.ipv6) out += '[';
  for (char c : url.host) out += lower(c);
  if (url.ipv6) out += ']';
  std::array<char, 8> digits{};
  auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), url.port);
  (void)ec;
  out += ':';
  out.append(digits.data(), end);
}

std::string host_name(const target_url& url) {
  std::string out(url.host);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool build_request(const http_client_request& r, const target_url& url, wire_request& out, std::string& why) {
  constexpr std::string_view version = " HTTP/1.1\r\n";
  if (!is_token(r.method)) return fail(why, "method is not a token");
  const bool slash = url.target.empty() || url.target.front() == '?';
  bool own_host = false;
  std::size_t size = r.method.size() + (slash ? 1 : 0) + url.target.size() + version.size() + 2 + r.body.size();
  for (const auto& [name, value] : r.headers) {
    if (!is_token(name)) return fail(why, "header name is not a token");
    if (!sendable_value(value)) return fail(why, "CR, LF or NUL in a header value");
    if (iequals(name, "host"))
      own_host = true;
    else if (iequals(name, "connection") && iequals(value, "close"))
      out.close = true;
    size += name.size() + value.size() + 4;
  }

  std::array<char, 24> port{};
  std::size_t port_size = 0;
  if (url.port != default_port(url.tls)) {
    port[0] = ':';
    auto [end, ec] = std::to_chars(port.data() + 1, port.data() + port.size(), url.port);
    (void)ec;
    port_size = static_cast<std::size_t>(end - port.data());
  }
  if (!own_host) size += 8 + url.host.size() + (url.ipv6 ? 2 : 0) + port_size;

  // A body is announced also when empty for methods that normally carry one.
  std::array<char, 24> length{};
  std::size_t length_size = 0;
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
    auto [end, ec] = std::to_chars(length.data(), length.data() + length.size(), r.body.size());
    (void)ec;
    length_size = static_cast<std::size_t>(end - length.data());
    size += 18 + length_size;
  }

  auto& s = out.bytes;
  s.clear();
  s.reserve(size);
  s.append(r.method);
  s.push_back(' ');
  if (slash) s.push_back('/');
  s.append(url.target);
  s.append(version);
  if (!own_host) {
    s.append("Host: ");
    if (url.ipv6) s.push_back('[');
    s.append(url.host);
    if (url.ipv6) s.push_back(']');
    s.append(port.data(), port_size);
    s.append("\r\n");
  }
  for (const auto& [name, value] : r.headers) {
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;
    s.append(name).append(": ").append(value).append("\r\n");
  }
  if (length_size > 0) s.append("Content-Length: ").append(length.data(), length_size).append("\r\n");
  s.append("\r\n");
  s.append(r.body);

  out.head = r.method == "HEAD";
  static constexpr std::array<std::string_view, 6> idempotent{"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
  out.idempotent = std::find(idempotent.begin(), idempotent.end(), r.method) != idempotent.end();
  return true;
}

} // namespace http_client_detail

std::string_view to_string(http_client_error e) noexcept {
  switch (e) {
    case http_client_error::none: return "none";
    case http_client_error::bad_url: return "bad_url";
    case http_client_error::bad_request: return "bad_request";
    case http_client_error::resolve_failed: return "resolve_failed";
    case http_client_error::connect_failed: return "connect_failed";
    case http_client_error::tls_failed: return "tls_failed";
    case http_client_error::timeout: return "timeout";
    case http_client_error::too_large: return "too_large";
    case http_client_error::malformed_response: return "malformed_response";
    case http_client_error::connection_closed: return "connection_closed";
    case http_client_error::pool_exhausted: return "pool_exhausted";
    case http_client_error::client_stopped: return "client_stopped";
  }
  return "unknown";
}

std::string_view http_client_response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (http_client_detail::iequals(key, name)) return value;
  return {};
}

} // namespace ringbid
