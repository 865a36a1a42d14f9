#pragma once
// The layering of the tree, as include rules: which folder may include which,
// and where vendor headers may appear. tools/lint/include_check runs them over
// the sources as a ctest test, so a forbidden arrow fails the build's tests,
// not a review.
//
//   protocol  <-  ports  <-  core  <-  actors  <-  adapters/<concern>  <-  tools/node  <-  cli, sims, bench
//
// Pure: no file system here, only text in and findings out.

#include <string>
#include <string_view>
#include <vector>

namespace ringbid::lint {

/// The layer a repository path belongs to ("core", "actors", "adapters/http",
/// "node", ...), or empty for a path outside the checked folders.
std::string layer_of(std::string_view path);

struct include_violation {
  std::string file;     ///< the including file, relative to the repository root
  int line = 0;         ///< 1-based
  std::string included; ///< as written between the quotes or brackets
  std::string reason;
};

/// Every include of `text` (the content of repository file `path`) that breaks
/// a rule: a project header from a layer `path`'s layer may not depend on, a
/// vendor header in the pure layers, a CAF actor header in the core, or a
/// vendor header other than CAF in a public header (`*_detail.hpp` headers are
/// private to their adapter and may).
std::vector<include_violation> check_includes(std::string_view path, std::string_view text);

/// "file:line: includes X: reason".
std::string to_string(const include_violation& v);

} // namespace ringbid::lint
