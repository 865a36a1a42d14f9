#include "adapters/config/config_plane.hpp"

#include "adapters/config/config_revision.hpp"

#include <chrono>
#include <thread>

namespace ringbid {

namespace {

constexpr int commit_attempts = 32; ///< redone on a new head this often before giving up
constexpr size_t cache_size = 8;

} // namespace

edit_status status_of(const std::vector<config_error>& errors) {
  if (errors.empty()) return edit_status::committed;
  for (const auto& e : errors)
    if (e.other.empty()) return edit_status::invalid;
  return edit_status::conflict;
}

config_plane::config_plane(std::shared_ptr<config_store> store, std::function<timestamp_us()> now)
  : store_(std::move(store)), now_(std::move(now)) {}

void config_plane::on_commit(std::function<void(int64_t)> callback) {
  std::lock_guard guard{mutex_};
  on_commit_ = std::move(callback);
}

std::shared_ptr<const config_snapshot> config_plane::parse(stored_config_revision stored, std::string* error) {
  auto number = stored.info.number;
  {
    std::lock_guard guard{mutex_};
    if (auto i = cache_.find(number); i != cache_.end()) return i->second;
  }
  std::string why;
  auto doc = config_document::parse(stored.document, &why);
  auto parsed = parse_config(stored.document);
  if (!doc || !parsed.ok()) {
    // Only valid documents are committed; a row that does not parse was
    // written by a newer build or damaged.
    if (error != nullptr)
      *error = "revision " + std::to_string(number) +
               " does not load with this build: " + (doc ? format_config_errors(parsed.errors) : why);
    return nullptr;
  }
  auto snap = std::make_shared<config_snapshot>();
  snap->info = std::move(stored.info);
  snap->document = std::make_shared<const config_document>(std::move(*doc));
  snap->config = std::make_shared<const engine_config>(std::move(*parsed.config));
  snap->changes_json = std::move(stored.changes_json);
  std::lock_guard guard{mutex_};
  cache_[number] = snap;
  while (cache_.size() > cache_size) cache_.erase(cache_.begin());
  return snap;
}

std::shared_ptr<const config_snapshot> config_plane::revision(int64_t number, std::string* error) {
  {
    std::lock_guard guard{mutex_};
    if (auto i = cache_.find(number); i != cache_.end()) return i->second;
  }
  std::string why;
  auto stored = store_->revision(number, &why);
  if (!stored) {
    if (error != nullptr) *error = why;
    return nullptr;
  }
  return parse(std::move(*stored), error);
}

std::shared_ptr<const config_snapshot> config_plane::head(std::string* error) {
  auto number = store_->head_number();
  if (number < 0) {
    if (error != nullptr) *error = "the configuration store cannot be read";
    return nullptr;
  }
  if (number == 0) return nullptr;
  return revision(number, error);
}

edit_result config_plane::commit_document(const config_document& next,
                                          const std::shared_ptr<const config_snapshot>& base,
                                          const config_author& author) {
  edit_result out;
  auto text = next.text();
  auto digest = config_revision(text);
  if (base && digest == base->info.digest && text == base->document->text()) {
    out.status = edit_status::unchanged;
    out.number = base->info.number;
    return out;
  }
  auto parsed = parse_config(text);
  if (!parsed.ok()) {
    out.status = status_of(parsed.errors);
    out.errors = std::move(parsed.errors);
    return out;
  }
  static const config_document empty = *config_document::parse("{}", nullptr);
  out.changes = diff_configs(base ? *base->document : empty, next);
  stored_config_revision row;
  row.info.author = author.name;
  row.info.role = author.role;
  row.info.reason = author.reason;
  row.info.digest = digest;
  row.info.changes = static_cast<int64_t>(out.changes.size());
  row.document = text;
  row.changes_json = changes_json(out.changes);
  auto committed = store_->commit(base ? base->info.number : 0, std::move(row), now_());
  switch (committed.outcome) {
    case commit_outcome::committed: out.status = edit_status::committed; break;
    case commit_outcome::stale:
      out.status = edit_status::refused;
      out.problem_status = 409; // the caller redoes the edit on the new head
      break;
    case commit_outcome::failed:
      out.status = edit_status::failed;
      out.message = "cannot store the revision: " + committed.error;
      break;
  }
  out.number = committed.number;
  return out;
}

edit_result config_plane::edit(const config_edit& edit, const config_author& author) {
  edit_result out;
  for (int attempt = 0; attempt < commit_attempts; ++attempt) {
    std::string error;
    auto base = head(&error);
    if (!base && !error.empty()) {
      out.status = edit_status::failed;
      out.message = error;
      return out;
    }
    auto doc = base ? *base->document : *config_document::parse("{}", nullptr);
    if (auto refused = edit(doc)) return std::move(*refused);
    out = commit_document(doc, base, author);
    if (out.status != edit_status::refused || out.problem_status != 409) break;
    // Another writer committed first: give it room before the next try.
    std::this_thread::sleep_for(std::chrono::microseconds{200 * (attempt + 1)});
  }
  if (out.status == edit_status::refused && out.problem_status == 409)
    out.message = "the configuration kept changing under this edit; try again";
  if (out.status == edit_status::committed) {
    std::function<void(int64_t)> notify;
    {
      std::lock_guard guard{mutex_};
      notify = on_commit_;
    }
    if (notify) notify(out.number);
  }
  return out;
}

edit_result config_plane::import_text(std::string_view text, const config_author& author) {
  // Validated as a file first, so a bad file reports its own pointers even
  // when it is not an object or not JSON at all.
  auto parsed = parse_config(text);
  if (!parsed.ok()) {
    edit_result out;
    out.status = status_of(parsed.errors);
    out.errors = std::move(parsed.errors);
    return out;
  }
  std::string why;
  auto doc = config_document::parse(text, &why);
  if (!doc) {
    edit_result out;
    out.status = edit_status::invalid;
    out.errors.push_back({"", why});
    return out;
  }
  return edit(
    [&](config_document& current) -> std::optional<edit_result> {
      current = *doc;
      return std::nullopt;
    },
    author);
}

edit_result config_plane::rollback(int64_t number, const config_author& author) {
  std::string error;
  auto target = revision(number, &error);
  if (!target) {
    edit_result out;
    out.status = error.empty() ? edit_status::refused : edit_status::failed;
    out.problem_status = 404;
    out.message = error.empty() ? "there is no revision " + std::to_string(number) : error;
    return out;
  }
  return edit(
    [&](config_document& current) -> std::optional<edit_result> {
      current = *target->document;
      return std::nullopt;
    },
    author);
}

} // namespace ringbid
