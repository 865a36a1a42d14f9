#pragma once
// The node's access token: what the dashboard and the API ask of a client when
// the node listens beyond loopback.

#include "adapters/http/http_server.hpp"

#include <string>
#include <string_view>

namespace ringbid {

/// 32 random bytes as 64 hex digits (libsodium's generator).
std::string generate_access_token();

/// Whether `address` (numeric IPv4/IPv6) is a loopback address.
bool is_loopback_address(std::string_view address);

/// The token a request carries: `Authorization: Bearer T`, else the cookie
/// `ringbid_token=T`, else `token=T` in the query; "" when none.
std::string presented_token(const http_request& request);

/// The value of cookie `name` in the request's Cookie header; "" when absent.
std::string cookie_value(const http_request& request, std::string_view name);

/// Compares in constant time.
bool token_matches(std::string_view presented, std::string_view expected);

/// The Set-Cookie value that makes a browser present `token` from then on.
std::string token_cookie(std::string_view token);

} // namespace ringbid
