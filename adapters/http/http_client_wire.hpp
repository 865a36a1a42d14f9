#pragma once
// URL parsing and request serialization for http_client (http_client_wire.cpp). No Boost here:
// the tests include it.

#include "adapters/http/http_client.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ringbid::http_client_detail {

/// A URL taken apart; the views point into the URL text.
struct target_url {
  bool tls = false;
  bool ipv6 = false;       ///< the host was written as [address]
  std::string_view host;   ///< without brackets, as written
  std::uint16_t port = 0;  ///< explicit or the scheme's default
  std::string_view target; ///< path and query, fragment removed; "" or "?…" still lacks the "/"
};

/// Strict: http or https (any case), "://", a host of [A-Za-z0-9._~-] or a bracketed IPv6
/// address, an optional port 1..65535, then an optional target of visible ASCII. False, with the
/// reason in `why`, for anything else (user info, empty host or port, spaces, control bytes…).
bool parse_url(std::string_view url, target_url& out, std::string& why);

/// "http://host:port" with the host in lower case: the pool key.
void host_key(const target_url& url, std::string& out);

/// The host in lower case, without brackets: for connecting, SNI and certificate checks.
std::string host_name(const target_url& url);

struct wire_request {
  std::string bytes;  ///< request line, headers and body, ready to write
  bool close = false; ///< the caller asked for `Connection: close`
  bool idempotent = false;
  bool head = false;
};

/// Serializes `r` for `url`; false, with the reason in `why`, when the method or a header cannot
/// be sent as given (not a token, CR/LF/NUL in a value).
bool build_request(const http_client_request& r, const target_url& url, wire_request& out, std::string& why);

bool iequals(std::string_view a, std::string_view b) noexcept; // ASCII

} // namespace ringbid::http_client_detail
