#include "adapters/config/entity_json.hpp"

#include "adapters/config/config_revision.hpp"
#include "adapters/config/marked_json_detail.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ringbid {

namespace {

using value = marked_json::value;
using document = marked_json::document;

using marked_json::compact;
using marked_json::is_number;

bool read(std::string_view text, document& out, json_text_error* error) {
  if (error == nullptr) return marked_json::read(text, out);
  return marked_json::read(text, out, &error->offset, &error->message);
}

const value* find(const document& doc, std::string_view name) {
  if (!doc.IsObject()) return nullptr;
  auto m = doc.FindMember(rapidjson::StringRef(name.data(), name.size()));
  return m == doc.MemberEnd() ? nullptr : &m->value;
}

/// RFC 7396 section 2, MergePatch(Target, Patch).
void merge(value& target, const value& patch, rapidjson::MemoryPoolAllocator<>& alloc) {
  if (!patch.IsObject()) {
    target.CopyFrom(patch, alloc);
    return;
  }
  if (!target.IsObject()) target.SetObject();
  for (const auto& m : patch.GetObject()) {
    auto at = target.FindMember(m.name);
    if (m.value.IsNull()) {
      if (at != target.MemberEnd()) target.EraseMember(at);
    } else if (at != target.MemberEnd()) {
      merge(at->value, m.value, alloc);
    } else {
      value name{m.name, alloc};
      value added;
      merge(added, m.value, alloc);
      target.AddMember(name, added, alloc);
    }
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view opaque(std::string_view tag) {
  if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
  return tag;
}

} // namespace

bool is_json_object(std::string_view text, json_text_error* error) {
  document doc;
  if (!read(text, doc, error)) return false;
  if (doc.IsObject()) return true;
  if (error != nullptr) *error = {0, "the body must be a JSON object"};
  return false;
}

std::optional<std::string> string_member(std::string_view text, std::string_view name) {
  document doc;
  if (!read(text, doc, nullptr)) return std::nullopt;
  const auto* v = find(doc, name);
  if (v == nullptr || !v->IsString() || is_number(*v)) return std::nullopt;
  return marked_json::plain_string(*v);
}

std::optional<bool> bool_member(std::string_view text, std::string_view name) {
  document doc;
  if (!read(text, doc, nullptr)) return std::nullopt;
  const auto* v = find(doc, name);
  if (v == nullptr || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

bool has_member(std::string_view text, std::string_view name) {
  document doc;
  return read(text, doc, nullptr) && find(doc, name) != nullptr;
}

std::optional<std::string> merge_patch(std::string_view target, std::string_view patch, json_text_error* error) {
  document t, p;
  if (!read(patch, p, error)) return std::nullopt;
  if (!read(target, t, nullptr)) t.SetObject();
  merge(t, p, t.GetAllocator());
  return compact(t);
}

std::optional<std::string> with_member(std::string_view text, std::string_view name, std::string_view value_text) {
  document t, v;
  if (!read(text, t, nullptr) || !t.IsObject() || !read(value_text, v, nullptr)) return std::nullopt;
  auto& alloc = t.GetAllocator();
  value copy{v, alloc};
  auto at = t.FindMember(rapidjson::StringRef(name.data(), name.size()));
  if (at != t.MemberEnd()) {
    at->value = copy;
  } else {
    value key{name.data(), static_cast<rapidjson::SizeType>(name.size()), alloc};
    t.AddMember(key, copy, alloc);
  }
  return compact(t);
}

std::string entity_etag(std::string_view text) { return "\"" + config_revision(text) + "\""; }

bool if_match_allows(std::string_view if_match, std::string_view etag) {
  if_match = trim(if_match);
  if (if_match.empty() || if_match == "*") return true;
  while (!if_match.empty()) {
    auto comma = if_match.find(',');
    auto tag = trim(if_match.substr(0, comma));
    if (opaque(tag) == opaque(etag)) return true;
    if (comma == std::string_view::npos) break;
    if_match.remove_prefix(comma + 1);
  }
  return false;
}

} // namespace ringbid
