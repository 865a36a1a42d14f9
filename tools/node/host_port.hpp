#pragma once
// "HOST:PORT" as the command line takes it (--http, --listen, --node, --admin).

#include <cstdint>
#include <stdexcept>
#include <string>

namespace ringbid {

/// Splits "127.0.0.1:4242" (or "[::1]:4242" kept as "[::1]"); false when
/// malformed. Port 0 ("any free one") only when `allow_any_port`.
inline bool split_host_port(const std::string& text, std::string& host, uint16_t& port, bool allow_any_port = true) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  try {
    size_t used = 0;
    auto digits = text.substr(colon + 1);
    auto value = std::stoul(digits, &used);
    if (used != digits.size() || value > 65535 || (value == 0 && !allow_any_port)) return false;
    host = text.substr(0, colon);
    port = static_cast<uint16_t>(value);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace ringbid
