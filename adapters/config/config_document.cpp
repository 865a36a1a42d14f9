#include "adapters/config/config_document.hpp"

#include "adapters/config/marked_json_detail.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

namespace ringbid {

namespace {

using value = marked_json::value;
using document = marked_json::document;

using marked_json::compact;
using marked_json::is_number;
using marked_json::plain_string;
using marked_json::pretty;

/// Parses `text` into `out`, numbers kept as text. False + `*error` when it is not JSON.
bool read_marked(std::string_view text, document& out, std::string* error) {
  size_t offset = 0;
  std::string message;
  if (marked_json::read(text, out, &offset, &message)) return true;
  if (error != nullptr) *error = "not valid JSON at offset " + std::to_string(offset) + ": " + message;
  return false;
}

std::string escape_pointer(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

constexpr entity_kind all_kinds[] = {entity_kind::campaign, entity_kind::source, entity_kind::buyer, entity_kind::did,
                                     entity_kind::cap};

/// The key of element `i` of a list of `kind`.
std::string key_of(entity_kind kind, const value& element, size_t i) {
  if (kind == entity_kind::cap) return std::to_string(i);
  if (!element.IsObject()) return {};
  auto k = key_name(kind);
  auto m = element.FindMember(rapidjson::StringRef(k.data(), k.size()));
  return m == element.MemberEnd() ? std::string{} : plain_string(m->value);
}

} // namespace

std::string_view list_name(entity_kind kind) {
  switch (kind) {
    case entity_kind::campaign: return "campaigns";
    case entity_kind::source: return "sources";
    case entity_kind::buyer: return "buyers";
    case entity_kind::did: return "dids";
    case entity_kind::cap: return "caps";
  }
  return "";
}

std::string_view singular_name(entity_kind kind) {
  switch (kind) {
    case entity_kind::campaign: return "campaign";
    case entity_kind::source: return "source";
    case entity_kind::buyer: return "buyer";
    case entity_kind::did: return "did";
    case entity_kind::cap: return "cap";
  }
  return "";
}

std::string_view key_name(entity_kind kind) {
  switch (kind) {
    case entity_kind::did: return "number";
    case entity_kind::cap: return "";
    default: return "id";
  }
}

struct config_document::impl {
  document doc;

  value* list(entity_kind kind) {
    auto name = list_name(kind);
    auto m = doc.FindMember(rapidjson::StringRef(name.data(), name.size()));
    if (m == doc.MemberEnd() || !m->value.IsArray()) return nullptr;
    return &m->value;
  }
  const value* list(entity_kind kind) const { return const_cast<impl*>(this)->list(kind); }

  value& list_or_new(entity_kind kind) {
    if (auto* l = list(kind)) return *l;
    auto name = list_name(kind);
    value key{name.data(), static_cast<rapidjson::SizeType>(name.size()), doc.GetAllocator()};
    doc.AddMember(key, value{rapidjson::kArrayType}, doc.GetAllocator());
    return *list(kind);
  }

  std::optional<size_t> index_of(entity_kind kind, const std::string& key) const {
    const auto* l = list(kind);
    if (l == nullptr) return std::nullopt;
    for (rapidjson::SizeType i = 0; i < l->Size(); ++i)
      if (key_of(kind, (*l)[i], i) == key) return i;
    return std::nullopt;
  }
};

config_document::config_document(std::unique_ptr<impl> state) : impl_(std::move(state)) {}
config_document::config_document(config_document&&) noexcept = default;
config_document& config_document::operator=(config_document&&) noexcept = default;
config_document::~config_document() = default;
config_document::config_document(const config_document& other) : impl_(std::make_unique<impl>()) {
  impl_->doc.CopyFrom(other.impl_->doc, impl_->doc.GetAllocator());
}
config_document& config_document::operator=(const config_document& other) {
  if (this != &other) {
    auto copy = std::make_unique<impl>();
    copy->doc.CopyFrom(other.impl_->doc, copy->doc.GetAllocator());
    impl_ = std::move(copy);
  }
  return *this;
}

std::optional<config_document> config_document::parse(std::string_view text, std::string* error) {
  auto state = std::make_unique<impl>();
  if (!read_marked(text, state->doc, error)) return std::nullopt;
  if (!state->doc.IsObject()) {
    if (error != nullptr) *error = "the configuration must be a JSON object";
    return std::nullopt;
  }
  return config_document{std::move(state)};
}

std::string config_document::text() const { return pretty(impl_->doc); }

std::optional<std::string> config_document::entity(entity_kind kind, const std::string& key) const {
  auto i = impl_->index_of(kind, key);
  if (!i) return std::nullopt;
  return compact((*impl_->list(kind))[static_cast<rapidjson::SizeType>(*i)]);
}

std::vector<std::string> config_document::entities(entity_kind kind) const {
  std::vector<std::string> out;
  if (const auto* l = impl_->list(kind))
    for (const auto& e : l->GetArray()) out.push_back(compact(e));
  return out;
}

std::optional<size_t> config_document::index_of(entity_kind kind, const std::string& key) const {
  return impl_->index_of(kind, key);
}

bool config_document::put_entity(entity_kind kind, const std::string& key, std::string_view object_text,
                                 std::string* error) {
  document parsed;
  if (!read_marked(object_text, parsed, error)) return false;
  if (!parsed.IsObject()) {
    if (error != nullptr) *error = "expected a JSON object";
    return false;
  }
  auto& alloc = impl_->doc.GetAllocator();
  value copy{parsed, alloc};
  auto i = impl_->index_of(kind, key);
  auto& l = impl_->list_or_new(kind);
  if (i)
    l[static_cast<rapidjson::SizeType>(*i)] = copy;
  else
    l.PushBack(copy, alloc);
  return true;
}

bool config_document::remove_entity(entity_kind kind, const std::string& key) {
  auto i = impl_->index_of(kind, key);
  if (!i) return false;
  auto* l = impl_->list(kind);
  l->Erase(l->Begin() + static_cast<std::ptrdiff_t>(*i));
  return true;
}

bool config_document::set_member(entity_kind kind, const std::string& key, const std::string& member,
                                 std::string_view value_text) {
  auto i = impl_->index_of(kind, key);
  if (!i) return false;
  document parsed;
  if (!read_marked(value_text, parsed, nullptr)) return false;
  auto& alloc = impl_->doc.GetAllocator();
  auto& e = (*impl_->list(kind))[static_cast<rapidjson::SizeType>(*i)];
  if (!e.IsObject()) return false;
  value copy{parsed, alloc};
  auto m = e.FindMember(member.c_str());
  if (m != e.MemberEnd()) {
    m->value = copy;
  } else {
    value name{member.c_str(), static_cast<rapidjson::SizeType>(member.size()), alloc};
    e.AddMember(name, copy, alloc);
  }
  return true;
}

std::optional<std::string> config_document::member(const std::string& name) const {
  auto m = impl_->doc.FindMember(name.c_str());
  if (m == impl_->doc.MemberEnd()) return std::nullopt;
  return compact(m->value);
}

std::optional<std::string> canonical_config_text(std::string_view text, std::string* error) {
  auto doc = config_document::parse(text, error);
  if (!doc) return std::nullopt;
  return doc->text();
}

namespace {

struct differ {
  std::vector<config_change>& out;

  void members(const value& a, const value& b, const std::string& at, const std::string& entity) {
    for (const auto& m : b.GetObject()) {
      std::string name{m.name.GetString(), m.name.GetStringLength()};
      auto p = at + "/" + escape_pointer(name);
      auto was = a.FindMember(m.name);
      if (was == a.MemberEnd())
        out.push_back({"add", p, entity, "", compact(m.value)});
      else if (compact(was->value) != compact(m.value))
        out.push_back({"replace", p, entity, compact(was->value), compact(m.value)});
    }
    for (const auto& m : a.GetObject())
      if (!b.HasMember(m.name))
        out.push_back({"remove", at + "/" + escape_pointer({m.name.GetString(), m.name.GetStringLength()}), entity,
                       compact(m.value), ""});
  }

  void entities(entity_kind kind, const value* a, const value* b) {
    auto name = std::string{list_name(kind)};
    auto label = [&](const std::string& key) {
      return std::string{singular_name(kind)} + " " + (kind == entity_kind::cap ? "#" + key : key);
    };
    static const value empty{rapidjson::kArrayType};
    if (a == nullptr || !a->IsArray()) a = &empty;
    if (b == nullptr || !b->IsArray()) b = &empty;
    std::set<std::string> seen;
    for (rapidjson::SizeType i = 0; i < b->Size(); ++i) {
      const auto& e = (*b)[i];
      auto key = key_of(kind, e, i);
      seen.insert(key);
      auto p = "/" + name + "/" + std::to_string(i);
      const value* was = nullptr;
      for (rapidjson::SizeType j = 0; j < a->Size() && was == nullptr; ++j)
        if (key_of(kind, (*a)[j], j) == key) was = &(*a)[j];
      if (was == nullptr)
        out.push_back({"add", p, label(key), "", compact(e)});
      else if (was->IsObject() && e.IsObject())
        members(*was, e, p, label(key));
      else if (compact(*was) != compact(e))
        out.push_back({"replace", p, label(key), compact(*was), compact(e)});
    }
    for (rapidjson::SizeType j = 0; j < a->Size(); ++j) {
      auto key = key_of(kind, (*a)[j], j);
      if (!seen.contains(key))
        out.push_back({"remove", "/" + name + "/" + std::to_string(j), label(key), compact((*a)[j]), ""});
    }
  }
};

bool is_entity_list(std::string_view name) {
  for (auto k : all_kinds)
    if (list_name(k) == name) return true;
  return false;
}

} // namespace

std::vector<config_change> diff_configs(const config_document& before, const config_document& after) {
  std::vector<config_change> out;
  differ d{out};
  const auto& a = before.impl_->doc;
  const auto& b = after.impl_->doc;
  for (const auto& m : b.GetObject()) {
    std::string name{m.name.GetString(), m.name.GetStringLength()};
    if (is_entity_list(name)) continue;
    auto was = a.FindMember(m.name);
    auto p = "/" + escape_pointer(name);
    if (was == a.MemberEnd())
      out.push_back({"add", p, "setting " + name, "", compact(m.value)});
    else if (compact(was->value) != compact(m.value))
      out.push_back({"replace", p, "setting " + name, compact(was->value), compact(m.value)});
  }
  for (const auto& m : a.GetObject()) {
    std::string name{m.name.GetString(), m.name.GetStringLength()};
    if (!is_entity_list(name) && !b.HasMember(m.name))
      out.push_back({"remove", "/" + escape_pointer(name), "setting " + name, compact(m.value), ""});
  }
  for (auto k : all_kinds) d.entities(k, before.impl_->list(k), after.impl_->list(k));
  return out;
}

std::string changes_json(const std::vector<config_change>& changes) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w{out};
  auto text = [&](const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartArray();
  for (const auto& c : changes) {
    w.StartObject();
    w.Key("op");
    text(c.op);
    w.Key("pointer");
    text(c.pointer);
    w.Key("entity");
    text(c.entity);
    // Values as embedded JSON, not strings: the API shows them as they are.
    if (!c.before.empty()) {
      w.Key("before");
      w.RawValue(c.before.data(), c.before.size(), rapidjson::kObjectType);
    }
    if (!c.after.empty()) {
      w.Key("after");
      w.RawValue(c.after.data(), c.after.size(), rapidjson::kObjectType);
    }
    w.EndObject();
  }
  w.EndArray();
  return {out.GetString(), out.GetSize()};
}

std::vector<config_change> parse_changes_json(std::string_view text) {
  document doc;
  if (!read_marked(text, doc, nullptr) || !doc.IsArray()) return {};
  std::vector<config_change> out;
  for (const auto& e : doc.GetArray()) {
    if (!e.IsObject()) return {};
    config_change c;
    auto str = [&](const char* name) {
      auto m = e.FindMember(name);
      return m == e.MemberEnd() ? std::string{} : plain_string(m->value);
    };
    auto raw = [&](const char* name) {
      auto m = e.FindMember(name);
      return m == e.MemberEnd() ? std::string{} : compact(m->value);
    };
    c.op = str("op");
    c.pointer = str("pointer");
    c.entity = str("entity");
    c.before = raw("before");
    c.after = raw("after");
    out.push_back(std::move(c));
  }
  return out;
}

} // namespace ringbid
