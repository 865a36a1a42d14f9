#include "adapters/http/http_query.hpp"

#include <boost/url/parse_query.hpp>

namespace ringbid {

std::optional<query_params> parse_query(std::string_view query) {
  auto parsed = boost::urls::parse_query(query);
  if (!parsed) return std::nullopt;
  query_params out;
  boost::urls::encoding_opts plus_is_space;
  plus_is_space.space_as_plus = true;
  for (auto p : *parsed) {
    out.emplace_back(p.key.decode(plus_is_space), p.has_value ? p.value.decode(plus_is_space) : std::string{});
  }
  return out;
}

std::string param(const query_params& params, std::string_view name) {
  for (const auto& [key, value] : params)
    if (key == name) return value;
  return {};
}

} // namespace ringbid
