#include "tools/cli/cli_database.hpp"

#include "adapters/config/config_json.hpp"
#include "adapters/sqlite/sqlite_audit_log.hpp"

#include <chrono>
#include <filesystem>
#include <ostream>

namespace ringbid {

std::string cli_database(const std::string& db, const std::string& config_path, const std::string& command,
                         std::ostream& err) {
  if (!db.empty()) return db;
  if (config_path.empty()) {
    err << command << ": give --db FILE, or --config CFG to use the node's database\n";
    return {};
  }
  auto loaded = load_config_file(config_path);
  if (!loaded.ok()) {
    err << command << ": invalid config " << config_path << ":\n" << format_config_errors(loaded.errors);
    return {};
  }
  const auto& storage = loaded.config->storage;
  return (std::filesystem::path{storage.data_dir} / storage.sqlite_file).string();
}

timestamp_us cli_now() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

void audit_cli_change(const std::string& db, const std::string& action, const std::string& entity_kind,
                      const std::string& entity_id, int64_t revision, std::string detail, const std::string& command,
                      std::ostream& err) {
  std::string error;
  auto log = sqlite_audit_log::open(db, &error);
  audit_entry e;
  e.at = cli_now();
  e.token_id = "cli";
  e.role = "admin";
  e.address = "cli";
  e.action = action;
  e.entity_kind = entity_kind;
  e.entity_id = entity_id;
  e.revision = revision;
  e.detail = std::move(detail);
  if (!log || !log->append(e, &error)) err << command << ": warning: not in the audit log: " << error << '\n';
}

} // namespace ringbid
