#pragma once
// The configuration as a JSON document: what a revision stores, what the API
// edits and what `ringbid config export` prints. Numbers keep their source
// text exactly (money never passes through a double), and the canonical text
// of a document is stable, so the same settings always give the same bytes
// and the same digest.
//
// Entities are the members of the document's lists: campaigns, sources and
// buyers by "id", DIDs by "number", caps by position. The API edits one
// entity at a time (entity_list), then the whole document is validated and
// committed as one revision.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringbid {

/// The kinds of entity the control plane edits.
enum class entity_kind { campaign, source, buyer, did, cap };

/// "campaigns", "sources", "buyers", "dids", "caps": the document's list.
std::string_view list_name(entity_kind kind);
/// "campaign", "source", ...: in messages, audit entries and diffs.
std::string_view singular_name(entity_kind kind);
/// The member naming an entity: "id", "number" (DIDs), "" (caps: by position).
std::string_view key_name(entity_kind kind);

/// One difference between two documents.
struct config_change {
  std::string op;      ///< "add", "remove" or "replace"
  std::string pointer; ///< JSON pointer into the newer document (the older one for "remove")
  std::string entity;  ///< "campaign solar-ca", "node setting threads", ...: what the change is to
  std::string before;  ///< the older value as JSON text ("" for "add")
  std::string after;   ///< the newer value as JSON text ("" for "remove")

  friend bool operator==(const config_change&, const config_change&) = default;
};

/// A parsed configuration document, editable. Not thread-safe.
class config_document;
std::vector<config_change> diff_configs(const config_document& before, const config_document& after);

class config_document {
public:
  /// Parses `text`; nullopt + `*error` (with the offset) when it is not JSON
  /// or not an object.
  static std::optional<config_document> parse(std::string_view text, std::string* error);

  config_document(config_document&&) noexcept;
  config_document& operator=(config_document&&) noexcept;
  config_document(const config_document&);
  config_document& operator=(const config_document&);
  ~config_document();

  /// The canonical text: two-space indentation, members in their order,
  /// numbers as written. What a revision stores and exports.
  std::string text() const;

  /// The entity of `kind` keyed `key` (an index for caps) as JSON text; nullopt if absent.
  std::optional<std::string> entity(entity_kind kind, const std::string& key) const;
  /// Every entity of `kind`, as JSON text, in document order.
  std::vector<std::string> entities(entity_kind kind) const;
  /// The entity's position in its list; nullopt if absent.
  std::optional<size_t> index_of(entity_kind kind, const std::string& key) const;

  /// Replaces the entity keyed `key` with `object_text` (a JSON object), or
  /// appends it when there is none. False + `*error` when `object_text` is not
  /// a JSON object. The object's key member is not checked here (validation of
  /// the whole document does that).
  bool put_entity(entity_kind kind, const std::string& key, std::string_view object_text, std::string* error);
  /// Removes the entity keyed `key`; false when absent.
  bool remove_entity(entity_kind kind, const std::string& key);
  /// Sets one member of the entity (a JSON value's text); false when the
  /// entity is absent or the value is not JSON.
  bool set_member(entity_kind kind, const std::string& key, const std::string& member, std::string_view value_text);

  /// A top-level member's value as JSON text; nullopt if absent.
  std::optional<std::string> member(const std::string& name) const;

private:
  friend std::vector<config_change> diff_configs(const config_document&, const config_document&);
  struct impl;
  explicit config_document(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

/// Canonical text of `text`; nullopt + `*error` when it is not a JSON object.
std::optional<std::string> canonical_config_text(std::string_view text, std::string* error);

/// What changed from `before` to `after` (both canonical documents): entities
/// matched by their key, so a moved entity is not a change; within an entity,
/// member by member; top-level settings member by member.
std::vector<config_change> diff_configs(const config_document& before, const config_document& after);

/// The changes as a JSON array of {op, pointer, entity, before, after}.
std::string changes_json(const std::vector<config_change>& changes);
/// Inverse of changes_json; empty on malformed text.
std::vector<config_change> parse_changes_json(std::string_view text);

} // namespace ringbid
