#include "adapters/json/utf8.hpp"

#include <rapidjson/encodings.h>
#include <rapidjson/memorystream.h>

namespace ringbid {

std::optional<std::string> repair_utf8(std::string_view s) {
  auto decode_at = [&](size_t i) -> size_t { // length of the valid sequence at i, or 0
    rapidjson::MemoryStream in{s.data() + i, s.size() - i};
    unsigned cp = 0;
    return rapidjson::UTF8<>::Decode(in, &cp) ? in.Tell() : 0;
  };
  size_t i = 0;
  while (i < s.size()) {
    size_t n = decode_at(i);
    if (n == 0) break;
    i += n;
  }
  if (i == s.size()) return std::nullopt;
  std::string out{s.substr(0, i)};
  while (i < s.size()) {
    if (size_t n = decode_at(i)) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD"; // U+FFFD, one per bad byte
      ++i;
    }
  }
  return out;
}

} // namespace ringbid
