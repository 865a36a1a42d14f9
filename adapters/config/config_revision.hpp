#pragma once
// A config's revision: a short, stable digest of the config file's bytes (the
// first 12 hex digits of its SHA-256), logged at start and on every reload so
// an operator can tell which config a node runs.

#include <string>
#include <string_view>

namespace ringbid {

/// 12 lowercase hex digits; the same bytes give the same revision.
std::string config_revision(std::string_view bytes);

} // namespace ringbid
