#pragma once
// The dashboard's files, compiled into the binary: the node serves its page
// with nothing installed beside it.

#include <optional>
#include <string_view>

namespace ringbid {

struct web_asset {
  std::string_view content_type;
  std::string_view body;
};

/// The asset served at `path` ("/" is the page), or nullopt.
std::optional<web_asset> find_web_asset(std::string_view path);

} // namespace ringbid
