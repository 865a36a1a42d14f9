#include "adapters/http/access_token.hpp"

#include "adapters/http/http_query.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace ringbid {

namespace {

/// `name=value` from a Cookie header ("a=1; ringbid_token=T"); "" when absent.
std::string cookie_in(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto end = header.find(';');
    auto part = header.substr(0, end);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return {};
}

} // namespace

std::string generate_access_token() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, 65> hex{};
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  return std::string(hex.data(), 64);
}

bool is_loopback_address(std::string_view address) {
  return address.starts_with("127.") || address == "::1" || address == "localhost";
}

std::string presented_token(const http_request& request) {
  auto auth = request.header("authorization");
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer "))
    return std::string(auth.substr(7));
  if (auto from_cookie = cookie_in(request.header("cookie"), "ringbid_token"); !from_cookie.empty()) return from_cookie;
  if (auto params = parse_query(request.query)) return param(*params, "token");
  return {};
}

std::string cookie_value(const http_request& request, std::string_view name) {
  return cookie_in(request.header("cookie"), name);
}

bool token_matches(std::string_view presented, std::string_view expected) {
  if (expected.empty() || presented.size() != expected.size()) return false;
  return sodium_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

std::string token_cookie(std::string_view token) {
  return "ringbid_token=" + std::string(token) + "; Path=/; HttpOnly; SameSite=Strict";
}

} // namespace ringbid
