#include "adapters/sqlite/sqlite_idempotency_store.hpp"

#include "adapters/sqlite/sqlite_common.hpp"
#include "adapters/sqlite/sqlite_migrations.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sqlite3.h>

#include <mutex>

namespace ringbid {

namespace {

constexpr int busy_timeout_ms = 5'000;

/// Headers as a JSON object, name -> value, in order (the API's answers name
/// each header once).
std::string headers_json(const std::vector<std::pair<std::string, std::string>>& headers) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w{out};
  w.StartObject();
  for (const auto& [name, value] : headers) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  w.EndObject();
  return {out.GetString(), out.GetSize()};
}

bool parse_headers(const std::string& text, std::vector<std::pair<std::string, std::string>>& out) {
  rapidjson::Document doc;
  if (doc.Parse(text.c_str()).HasParseError() || !doc.IsObject()) return false;
  for (const auto& m : doc.GetObject()) {
    if (!m.value.IsString()) return false;
    out.emplace_back(std::string{m.name.GetString(), m.name.GetStringLength()},
                     std::string{m.value.GetString(), m.value.GetStringLength()});
  }
  return true;
}

} // namespace

struct sqlite_idempotency_store::impl {
  std::mutex mutex;
  sqlite::db_ptr db;
  sqlite::statement insert, select;
};

sqlite_idempotency_store::sqlite_idempotency_store(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

sqlite_idempotency_store::~sqlite_idempotency_store() = default;

std::shared_ptr<sqlite_idempotency_store> sqlite_idempotency_store::open(const std::string& path, std::string* error) {
  auto state = std::make_unique<impl>();
  state->db = open_migrated_writer(path, true, busy_timeout_ms, error);
  if (!state->db) return nullptr;
  auto* raw = state->db.get();
  if (!state->insert.prepare(raw,
                             "INSERT OR IGNORE INTO api_idempotency (token_id, key, request_hash, status, headers, "
                             "body, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                             error, true) ||
      !state->select.prepare(raw,
                             "SELECT request_hash, status, headers, body, at FROM api_idempotency "
                             "WHERE token_id = ?1 AND key = ?2",
                             error, true)) {
    *error = path + ": " + *error;
    return nullptr;
  }
  return std::shared_ptr<sqlite_idempotency_store>(new sqlite_idempotency_store(std::move(state)));
}

std::optional<idempotent_answer> sqlite_idempotency_store::find(const std::string& token_id, const std::string& key,
                                                                std::string* error) {
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->select;
  s.bind_text(1, token_id);
  s.bind_text(2, key);
  int rc = s.step();
  std::optional<idempotent_answer> out;
  if (rc == SQLITE_ROW) {
    idempotent_answer a;
    a.request_hash = s.column_text(0);
    a.status = static_cast<int>(s.column_int(1));
    auto headers = s.column_text(2);
    a.body = s.column_text(3);
    a.at = s.column_int(4);
    if (parse_headers(headers, a.headers)) {
      out = std::move(a);
    } else if (error != nullptr) {
      *error = "the stored answer under idempotency key '" + key + "' is damaged";
    }
  } else if (rc != SQLITE_DONE && error != nullptr) {
    *error = sqlite::error_text(impl_->db.get(), rc);
  }
  s.reset();
  return out;
}

bool sqlite_idempotency_store::remember(const std::string& token_id, const std::string& key,
                                        const idempotent_answer& answer, std::string* error) {
  auto headers = headers_json(answer.headers); // bound by reference: kept until the step
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->insert;
  s.bind_text(1, token_id);
  s.bind_text(2, key);
  s.bind_text(3, answer.request_hash);
  s.bind_int(4, answer.status);
  s.bind_text(5, headers);
  s.bind_text(6, answer.body);
  s.bind_int(7, answer.at);
  int rc = s.step();
  s.reset();
  if (rc != SQLITE_DONE) {
    if (error != nullptr) *error = sqlite::error_text(impl_->db.get(), rc);
    return false;
  }
  return true;
}

} // namespace ringbid
