#pragma once
// The API's view of one configuration entity (a campaign, a source, a buyer, a
// DID, a cap) as JSON text: what a list filters on, a JSON merge patch
// (RFC 7396) and the entity's ETag. Numbers keep their source text through
// every operation here (money never passes through a double).

#include <optional>
#include <string>
#include <string_view>

namespace ringbid {

/// Where a body is not JSON: a message with the byte offset.
struct json_text_error {
  size_t offset = 0;
  std::string message;
};

/// Whether `text` is one JSON object; `*error` says why not.
bool is_json_object(std::string_view text, json_text_error* error);

/// The string member `name` of the object `text`; nullopt when absent, not a
/// string, or `text` is not an object.
std::optional<std::string> string_member(std::string_view text, std::string_view name);
/// The boolean member `name`; nullopt when absent or not a boolean.
std::optional<bool> bool_member(std::string_view text, std::string_view name);
/// Whether the object `text` has a member `name`.
bool has_member(std::string_view text, std::string_view name);

/// `target` (an object) with `patch` applied as a JSON merge patch (RFC 7396):
/// members set to null are removed, objects merged member by member, anything
/// else replaced. Compact text; nullopt + `*error` when `patch` is not JSON.
/// A patch that is not an object replaces the whole target (the result is
/// then not an object, which the caller refuses).
std::optional<std::string> merge_patch(std::string_view target, std::string_view patch, json_text_error* error);

/// The object `text` with member `name` set to the JSON value `value_text`
/// (added last when absent). Compact text; nullopt when `text` is not an object.
std::optional<std::string> with_member(std::string_view text, std::string_view name, std::string_view value_text);

/// The ETag of an entity's canonical text: a quoted digest, e.g. "\"3f2a...\"".
std::string entity_etag(std::string_view text);

/// Whether an If-Match header value lets a write to an entity whose ETag is
/// `etag` go on: absent (""), "*", or a list naming it (weak tags compare by
/// their opaque part).
bool if_match_allows(std::string_view if_match, std::string_view etag);

} // namespace ringbid
