#include "tools/lint/include_rules.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace ringbid::lint {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The project layers each layer may include (besides itself). Every arrow of
// the architecture is here, and nothing else.
const std::map<std::string, std::set<std::string>>& allowed_layers() {
  static const std::set<std::string> pure{"protocol", "ports", "core"};
  static const auto with = [](std::set<std::string> base, std::initializer_list<std::string> more) {
    base.insert(more);
    return base;
  };
  static const std::set<std::string> adapters{"adapters/http",      "adapters/json",   "adapters/clock",
                                              "adapters/config",    "adapters/sqlite", "adapters/redis",
                                              "adapters/carrier",   "adapters/telnyx", "adapters/bidding",
                                              "adapters/analytics", "adapters/sim"};
  static const auto node = [&] {
    auto n = with(pure, {"actors", "web"});
    n.insert(adapters.begin(), adapters.end());
    return n;
  }();
  static const std::map<std::string, std::set<std::string>> rules{
    {"protocol", {}},
    {"ports", {"protocol"}},
    {"core", {"protocol", "ports"}},
    {"actors", pure},
    {"adapters/http", pure},
    {"adapters/json", {}},
    {"adapters/clock", pure},
    {"adapters/config", with(pure, {"adapters/json"})},
    {"adapters/sqlite", pure},
    {"adapters/redis", with(pure, {"adapters/sqlite"})},
    {"adapters/analytics", with(pure, {"adapters/http", "adapters/json"})},
    {"adapters/bidding", with(pure, {"adapters/http", "adapters/json"})},
    {"adapters/carrier", pure},
    {"adapters/telnyx", with(pure, {"actors", "adapters/http", "adapters/json", "adapters/carrier"})},
    {"adapters/sim",
     with(pure, {"actors", "adapters/http", "adapters/json", "adapters/telnyx", "adapters/clock", "adapters/carrier"})},
    {"web", {}},
    {"support", {}},
    {"lint", {}},
    {"node", node},
    {"sims", with(node, {"node", "support"})},
    {"cli", with(node, {"node", "sims"})},
    {"bench", with(node, {"node", "sims", "cli", "support"})},
  };
  return rules;
}

constexpr std::array vendor_prefixes{"caf/",   "rapidjson/", "sqlite3.h",  "hiredis/",  "boost/",   "spdlog/",
                                     "fmt/",   "date/",      "sodium.h",   "sodium/",   "openssl/", "CLI/",
                                     "gtest/", "gmock/",     "benchmark/", "libpq-fe.h"};

bool is_vendor(std::string_view header) {
  return std::any_of(vendor_prefixes.begin(), vendor_prefixes.end(),
                     [&](std::string_view p) { return starts_with(header, p); });
}

// CAF headers the core may use: value types only, never an actor.
bool is_caf_value_header(std::string_view header) {
  return header == "caf/timespan.hpp" || header == "caf/timestamp.hpp" || starts_with(header, "caf/meta/");
}

bool is_test_layer(std::string_view layer) { return layer == "tests"; }

/// Why `layer` (of a file that is a public header when `public_header`) may not
/// include vendor header `header`; empty when it may.
std::string vendor_rule(std::string_view layer, bool public_header, std::string_view header) {
  if (is_test_layer(layer) || layer == "bench" || layer == "lint") return {};
  bool caf = starts_with(header, "caf/");
  if (layer == "core" || layer == "ports") {
    if (caf && !is_caf_value_header(header)) return "the core is pure: no CAF actor header (value types only)";
    if (!caf && (public_header || !(starts_with(header, "fmt/") || starts_with(header, "date/"))))
      return "the core links protocol, fmt and date only (fmt and date in .cpp files)";
    return {};
  }
  if (layer == "protocol") {
    if (caf && starts_with(header, "caf/io/")) return "protocol holds plain values: no CAF network layer";
    if (!caf) return "protocol holds plain values: no vendor header but CAF's";
    return {};
  }
  if (caf) return {};
  if (public_header) return "vendor headers stay out of public headers (CAF aside; *_detail.hpp is private)";
  if (layer == "actors" && !starts_with(header, "fmt/"))
    return "actors talk to the world through ports: no vendor header but CAF and fmt";
  return {};
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string{s.substr(b, e - b + 1)};
}

} // namespace

std::string layer_of(std::string_view path) {
  if (starts_with(path, "./")) path.remove_prefix(2);
  if (starts_with(path, "protocol/")) return "protocol";
  if (starts_with(path, "actors/core/")) return "core";
  if (starts_with(path, "actors/ports/")) return "ports";
  if (starts_with(path, "actors/")) return "actors";
  if (starts_with(path, "adapters/")) {
    auto rest = path.substr(9);
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return "adapters"; // a loose file: belongs to no concern
    return "adapters/" + std::string{rest.substr(0, slash)};
  }
  if (starts_with(path, "web/")) return "web";
  if (starts_with(path, "tests/")) return "tests";
  if (starts_with(path, "tools/")) {
    auto rest = path.substr(6);
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return "tools";
    return std::string{rest.substr(0, slash)};
  }
  return {};
}

std::vector<include_violation> check_includes(std::string_view path, std::string_view text) {
  std::vector<include_violation> out;
  const std::string layer = layer_of(path);
  if (layer.empty()) return out;
  const auto& rules = allowed_layers();
  auto rule = rules.find(layer);
  const bool public_header = ends_with(path, ".hpp") && !ends_with(path, "_detail.hpp");
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (!starts_with(line, "#")) continue;
    auto directive = trim(std::string_view{line}.substr(1));
    if (!starts_with(directive, "include")) continue;
    auto spec = trim(std::string_view{directive}.substr(7));
    if (spec.size() < 2) continue;
    char close = spec[0] == '"' ? '"' : spec[0] == '<' ? '>' : 0;
    if (!close) continue;
    auto stop = spec.find(close, 1);
    if (stop == std::string::npos) continue;
    std::string header = spec.substr(1, stop - 1);
    auto report = [&](std::string reason) { out.push_back({std::string{path}, line_no, header, std::move(reason)}); };
    if (close == '"') {
      if (starts_with(header, "generated/")) continue; // embedded files, private to their target
      auto target = layer_of(header);
      if (target.empty()) {
        if (!is_test_layer(layer)) report("project includes are written from the repository root");
        continue;
      }
      if (target == layer || is_test_layer(layer)) continue;
      if (target == "tests") {
        report("nothing but tests includes tests/");
        continue;
      }
      if (layer == "adapters" || target == "adapters" || layer == "tools" || target == "tools") {
        report("every file belongs to a folder of its concern");
        continue;
      }
      if (rule == rules.end() || !rule->second.count(target)) report("layer " + layer + " may not depend on " + target);
      continue;
    }
    if (is_vendor(header)) {
      auto why = vendor_rule(layer, public_header, header);
      if (!why.empty()) report(std::move(why));
    }
  }
  return out;
}

std::string to_string(const include_violation& v) {
  return v.file + ":" + std::to_string(v.line) + ": includes " + v.included + ": " + v.reason;
}

} // namespace ringbid::lint
