#include "tools/node/config_startup.hpp"

#include "adapters/config/config_revision.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

namespace ringbid {

namespace {

/// The digest of the newest revision imported from a file, "" if none.
std::string last_import_digest(config_store& store) {
  int64_t before = 0;
  for (;;) {
    std::string error;
    auto page = store.history(before, 100, &error);
    if (page.empty()) return {};
    for (const auto& r : page)
      if (r.author == "import") return r.digest;
    before = page.back().number;
  }
}

std::string author_reason(const std::string& path) { return "config file " + path; }

} // namespace

std::optional<std::string> read_config_text(const std::string& path, std::string* error) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    if (error != nullptr) *error = "cannot read config file \"" + path + "\"";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

startup_config open_startup_config(config_plane& plane, const std::string& path) {
  startup_config out;
  if (!path.empty()) {
    auto text = read_config_text(path, &out.error);
    if (!text) {
      out.exit_code = 2;
      return out;
    }
    std::string why;
    auto canonical = canonical_config_text(*text, &why);
    bool imported_before = canonical && config_revision(*canonical) == last_import_digest(plane.store());
    if (imported_before) {
      out.note = "config file " + path + " unchanged since its last import";
    } else {
      auto r = plane.import_text(*text, config_author{"import", "admin", author_reason(path)});
      switch (r.status) {
        case edit_status::committed:
          out.note = "config file " + path + " imported as revision " + std::to_string(r.number);
          break;
        case edit_status::unchanged:
          out.note = "config file " + path + " equals revision " + std::to_string(r.number);
          break;
        case edit_status::invalid:
        case edit_status::conflict:
          out.error = "invalid config " + path + ":\n" + format_config_errors(r.errors);
          out.exit_code = 2;
          return out;
        case edit_status::refused:
        case edit_status::failed:
          out.error = "cannot import " + path + ": " + r.message;
          out.exit_code = 1;
          return out;
      }
    }
  }
  out.head = plane.head(&out.error);
  if (!out.head) {
    if (out.error.empty())
      out.error = "no configuration in the database yet: start with --config FILE, or run `ringbid config import FILE`";
    out.exit_code = 1;
  }
  return out;
}

bool reimport_config(config_plane& plane, const std::string& path) {
  std::string error;
  auto text = read_config_text(path, &error);
  if (!text) {
    spdlog::error("config reload: {}", error);
    return false;
  }
  auto r = plane.import_text(*text, config_author{"import", "admin", author_reason(path) + " (SIGHUP)"});
  switch (r.status) {
    case edit_status::committed:
      spdlog::info("config reload: {} imported as revision {} ({} changes)", path, r.number, r.changes.size());
      return true;
    case edit_status::unchanged:
      spdlog::info("config reload: {} unchanged (revision {})", path, r.number);
      return false;
    case edit_status::invalid:
    case edit_status::conflict:
      spdlog::error("config reload: {} is invalid ({} errors); nothing imported", path, r.errors.size());
      for (const auto& e : r.errors)
        spdlog::error("config reload: invalid {}: {}", e.pointer.empty() ? "(document)" : e.pointer, e.message);
      return false;
    case edit_status::refused:
    case edit_status::failed: spdlog::error("config reload: cannot import {}: {}", path, r.message); return false;
  }
  return false;
}

} // namespace ringbid
