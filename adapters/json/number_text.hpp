#pragma once
// The source text of a JSON document's numbers. A DOM keeps numbers as doubles,
// and money must not pass through one: readers look the text up by the number's
// JSON pointer and hand it to parse_dollars (protocol/money.hpp).

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ringbid {

class json_number_text {
public:
  /// Every number of `json` under its pointer ("/buyers/0/min_bid" -> "0.10"),
  /// or nothing when `json` is not well-formed JSON. Where an object repeats a
  /// name, the first member counts (as a DOM's FindMember finds it).
  static std::optional<json_number_text> read(std::string_view json);

  /// The text of the number at `pointer`, or "" when there is no number there.
  std::string_view at(const std::string& pointer) const;

private:
  std::unordered_map<std::string, std::string> texts_;
};

} // namespace ringbid
