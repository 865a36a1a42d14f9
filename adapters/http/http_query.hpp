#pragma once
// Query strings of HTTP requests, decoded (Boost.URL stays in the .cpp).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringbid {

using query_params = std::vector<std::pair<std::string, std::string>>;

/// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}} ('+' reads as a space); nullopt
/// when it is not a valid query (a bad percent escape, say).
std::optional<query_params> parse_query(std::string_view query);

/// The first value of `name`; "" when absent.
std::string param(const query_params& params, std::string_view name);

} // namespace ringbid
