#include "adapters/config/config_json.hpp"

#include "adapters/config/config_revision.hpp"

#include "actors/core/cap_rules.hpp"
#include "actors/core/targeting_rules.hpp"
#include "adapters/json/number_text.hpp"
#include "generated/config_schema.hpp"
#include "protocol/money.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace ringbid {

namespace {

using json = rapidjson::Value;
using error_list = std::vector<config_error>;

constexpr unsigned parse_flags = rapidjson::kParseFullPrecisionFlag | rapidjson::kParseValidateEncodingFlag;

// ---------------------------------------------------------------------------
// Small helpers: JSON pointers and describing values in messages.

std::string_view text_of(const json& v) { return {v.GetString(), v.GetStringLength()}; }

std::string child_pointer(const std::string& parent, std::string_view key) {
  std::string out = parent + '/';
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

std::string child_pointer(const std::string& parent, std::size_t index) { return parent + '/' + std::to_string(index); }

std::string in_quotes(std::string_view s) {
  constexpr std::size_t max_shown = 60;
  if (s.size() > max_shown) return '"' + std::string(s.substr(0, max_shown)) + "...\"";
  return '"' + std::string(s) + '"';
}

std::string number_text(const json& v) {
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.GetDouble());
  if (ec != std::errc()) return "?";
  std::string out(buf, end);
  if (out.find_first_of(".e") == std::string::npos) out += ".0"; // 3.0 is not the integer 3
  return out;
}

std::string kind_of(const json& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "boolean";
  if (v.IsString()) return "string";
  if (v.IsObject()) return "object";
  if (v.IsArray()) return "array";
  if (v.IsInt64() || v.IsUint64()) return "integer";
  return "number";
}

std::string describe(const json& v) {
  if (v.IsString()) return in_quotes(text_of(v));
  if (v.IsNumber()) return number_text(v);
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  return kind_of(v);
}

const json* member(const json& object, std::string_view key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(json(rapidjson::StringRef(key.data(), key.size())));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// The allowed key closest to `key` ("floor" for "floor_micros" or "flor"), or "".
std::string closest_key(const json& schema, std::string_view key) {
  const json* properties = member(schema, "properties");
  if (!properties || !properties->IsObject()) return {};
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& p : properties->GetObject()) {
    std::string_view name = text_of(p.name);
    std::size_t d = edit_distance(key, name);
    if (key.starts_with(name) && key.substr(name.size()) == "_micros") d = 0;
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------
// Parsing.

std::optional<config_error> parse_json(std::string_view text, rapidjson::Document& doc) {
  const char* data = text.data() ? text.data() : "";
  doc.Parse<parse_flags>(data, text.size());
  if (!doc.HasParseError()) return std::nullopt;
  std::size_t offset = doc.GetErrorOffset();
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return config_error{"", "malformed JSON at byte " + std::to_string(offset) + " (line " + std::to_string(line) +
                            ", column " + std::to_string(column) +
                            "): " + rapidjson::GetParseError_En(doc.GetParseError())};
}

// ---------------------------------------------------------------------------
// Schema validation that reports every invalid value.
//
// RapidJSON 1.1.0 (Debian bookworm) stops at the first error and has no
// kValidateContinueOnErrorFlag. So when the document is invalid we walk it
// together with the schema and validate each value on its own against a
// "shallow" copy of its schema, whose properties and items accept anything;
// the children are then checked the same way. Each schema node is compiled
// into a rapidjson::SchemaDocument once per walk.

/// A schema node with its children's constraints removed, compiled.
class shallow_schema {
public:
  explicit shallow_schema(const json& node) : source_(make_source(node)), compiled_(source_) {}

  const rapidjson::SchemaDocument& compiled() const { return compiled_; }

private:
  static rapidjson::Document make_source(const json& node) {
    rapidjson::Document out;
    out.SetObject();
    auto& alloc = out.GetAllocator();
    for (const auto& m : node.GetObject()) {
      std::string_view key = text_of(m.name);
      if (key == "definitions" || key == "$schema") continue;
      json value;
      if (key == "properties" && m.value.IsObject()) {
        value.SetObject();
        for (const auto& p : m.value.GetObject())
          value.AddMember(json(p.name, alloc), json(rapidjson::kObjectType), alloc);
      } else if (key == "items") {
        value.SetObject();
      } else {
        value.CopyFrom(m.value, alloc);
      }
      out.AddMember(json(m.name, alloc), value, alloc);
    }
    return out;
  }

  rapidjson::Document source_;
  rapidjson::SchemaDocument compiled_;
};

/// What a single-node validation reported, with the pointer relative to the node.
struct node_failure {
  std::string keyword;
  std::vector<std::string> relative_tokens;
};

node_failure failure_of(const rapidjson::SchemaValidator& validator) {
  node_failure f;
  const char* keyword = validator.GetInvalidSchemaKeyword();
  f.keyword = keyword ? keyword : "";
  auto pointer = validator.GetInvalidDocumentPointer();
  for (std::size_t i = 0; i < pointer.GetTokenCount(); ++i) {
    const auto& token = pointer.GetTokens()[i];
    f.relative_tokens.emplace_back(token.name, token.length);
  }
  return f;
}

class schema_walker {
public:
  schema_walker(const json& schema_root, error_list& errors) : root_(schema_root), errors_(errors) {}

  void check(const json& schema, const json& instance, const std::string& pointer) {
    const json& node = resolve(schema);
    if (!node.IsObject()) return;
    if (!check_node(node, instance, pointer)) return;
    if (instance.IsObject()) {
      const json* properties = member(node, "properties");
      if (!properties || !properties->IsObject()) return;
      for (const auto& m : instance.GetObject()) {
        if (const json* child = member(*properties, text_of(m.name)))
          check(*child, m.value, child_pointer(pointer, text_of(m.name)));
      }
    } else if (instance.IsArray()) {
      const json* items = member(node, "items");
      if (!items || !items->IsObject()) return;
      for (rapidjson::SizeType i = 0; i < instance.Size(); ++i) check(*items, instance[i], child_pointer(pointer, i));
    }
  }

private:
  const json& resolve(const json& schema) const {
    const json* node = &schema;
    for (int hops = 0; hops < 16; ++hops) {
      const json* ref = member(*node, "$ref");
      if (!ref || !ref->IsString()) break;
      const json* target = rapidjson::Pointer(ref->GetString(), ref->GetStringLength()).Get(root_);
      if (!target) break;
      node = target;
    }
    return *node;
  }

  const rapidjson::SchemaDocument& compiled(const json& node) {
    auto& slot = cache_[&node];
    if (!slot) slot = std::make_unique<shallow_schema>(node);
    return slot->compiled();
  }

  /// Validates `instance` alone; false when its type is wrong (children not worth checking).
  bool check_node(const json& node, const json& instance, const std::string& pointer) {
    const auto& schema = compiled(node);
    if (!instance.IsObject()) {
      rapidjson::SchemaValidator validator(schema);
      if (instance.Accept(validator)) return true;
      node_failure f = failure_of(validator);
      report(node, instance, pointer, f);
      return f.keyword != "type";
    }
    // Objects: validate the keys only, dropping each unknown key once reported so
    // every unknown key and every missing required key comes out.
    rapidjson::Document keys;
    keys.SetObject();
    for (const auto& m : instance.GetObject())
      keys.AddMember(json(m.name, keys.GetAllocator()), json(), keys.GetAllocator());
    for (rapidjson::SizeType round = 0; round <= instance.MemberCount(); ++round) {
      rapidjson::SchemaValidator validator(schema);
      if (keys.Accept(validator)) return true;
      node_failure f = failure_of(validator);
      report(node, instance, pointer, f);
      if (f.keyword == "type") return false;
      if (f.keyword != "additionalProperties" || f.relative_tokens.size() != 1) break;
      keys.RemoveMember(json(rapidjson::StringRef(f.relative_tokens[0].data(), f.relative_tokens[0].size())));
    }
    return true;
  }

  void add(std::string pointer, std::string message) { errors_.push_back({std::move(pointer), std::move(message)}); }

  void report(const json& node, const json& instance, const std::string& pointer, const node_failure& f) {
    std::string at = pointer;
    for (const auto& t : f.relative_tokens) at = child_pointer(at, t);
    const std::string& k = f.keyword;
    const json* limit = member(node, k);

    if (k == "type") {
      const json* type = member(node, "type");
      std::string expected = type && type->IsString() ? std::string(text_of(*type)) : "another type";
      bool scalar = instance.IsString() || instance.IsNumber() || instance.IsBool();
      add(at, "expected " + expected + ", got " + kind_of(instance) + (scalar ? " " + describe(instance) : ""));
    } else if (k == "required") {
      const json* required = member(node, "required");
      bool any = false;
      if (required && required->IsArray()) {
        for (const auto& name : required->GetArray()) {
          if (name.IsString() && !member(instance, text_of(name))) {
            add(at, "missing required property " + in_quotes(text_of(name)));
            any = true;
          }
        }
      }
      if (!any) add(at, "missing a required property");
    } else if (k == "additionalProperties") {
      std::string key = f.relative_tokens.empty() ? "" : f.relative_tokens.back();
      std::string hint = closest_key(node, key);
      add(at, "unknown property " + in_quotes(key) + (hint.empty() ? "" : "; did you mean " + in_quotes(hint) + "?"));
    } else if ((k == "minimum" || k == "maximum") && limit && limit->IsNumber()) {
      bool exclusive_min = member(node, "exclusiveMinimum") && member(node, "exclusiveMinimum")->IsTrue();
      bool exclusive_max = member(node, "exclusiveMaximum") && member(node, "exclusiveMaximum")->IsTrue();
      std::string bound =
        k == "minimum" ? (exclusive_min ? "greater than " : "at least ") : (exclusive_max ? "less than " : "at most ");
      add(at, "must be " + bound + number_text(*limit) + ", got " + describe(instance));
    } else if ((k == "minLength" || k == "maxLength") && limit && limit->IsUint()) {
      add(at, std::string("must be ") + (k == "minLength" ? "at least " : "at most ") +
                std::to_string(limit->GetUint()) + (limit->GetUint() == 1 ? " character" : " characters") +
                " long, got " + describe(instance));
    } else if ((k == "minItems" || k == "maxItems") && limit && limit->IsUint()) {
      add(at, std::string("must have ") + (k == "minItems" ? "at least " : "at most ") +
                std::to_string(limit->GetUint()) + " items, got " + std::to_string(instance.Size()));
    } else if (k == "pattern" && limit && limit->IsString()) {
      const json* description = member(node, "description");
      std::string why = description && description->IsString() ? std::string(text_of(*description))
                                                               : "must match " + std::string(text_of(*limit));
      add(at, describe(instance) + " is not valid: " + why);
    } else if (k == "enum" && limit && limit->IsArray()) {
      std::string allowed;
      for (const auto& v : limit->GetArray()) allowed += (allowed.empty() ? "" : ", ") + describe(v);
      add(at, "must be one of " + allowed + ", got " + describe(instance));
    } else if (k == "uniqueItems" && instance.IsArray()) {
      report_duplicate_item(instance, pointer); // RapidJSON may point at the array or the item
    } else {
      add(at, "fails the schema's \"" + k + "\" rule");
    }
  }

  void report_duplicate_item(const json& array, const std::string& at) {
    for (rapidjson::SizeType j = 1; j < array.Size(); ++j) {
      for (rapidjson::SizeType i = 0; i < j; ++i) {
        if (array[i] == array[j]) {
          add(child_pointer(at, j), "duplicate of item " + std::to_string(i) + " (" + describe(array[j]) + ")");
          return;
        }
      }
    }
    add(at, "items must be unique");
  }

  const json& root_;
  error_list& errors_;
  std::unordered_map<const json*, std::unique_ptr<shallow_schema>> cache_;
};

error_list validate_against_schema(const json& instance) {
  rapidjson::Document schema;
  schema.Parse<parse_flags>(embedded::config_schema.data(), embedded::config_schema.size());
  if (schema.HasParseError()) throw std::logic_error("the embedded config schema is not valid JSON");

  rapidjson::SchemaDocument whole(schema);
  rapidjson::SchemaValidator validator(whole);
  if (instance.Accept(validator)) return {};

  error_list errors;
  schema_walker(schema, errors).check(schema, instance, "");
  if (errors.empty()) { // the walk should always find it; never lose the failure
    node_failure f = failure_of(validator);
    std::string at;
    for (const auto& t : f.relative_tokens) at = child_pointer(at, t);
    errors.push_back({at, "fails the schema's \"" + f.keyword + "\" rule"});
  }
  return errors;
}

// ---------------------------------------------------------------------------
// Building engine_config from a schema-valid document. Absent keys keep the
// struct's defaults.

// Spellings of the enums and day names in JSON (the schema's enums list the same).

/// Index = day number, 0 = Sunday ... 6 = Saturday (hours_window::days).
constexpr std::array<std::string_view, 7> day_names{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

std::optional<int32_t> day_number(std::string_view name) {
  for (std::size_t i = 0; i < day_names.size(); ++i)
    if (day_names[i] == name) return static_cast<int32_t>(i);
  return std::nullopt;
}

constexpr std::array<std::pair<std::string_view, rule_operator>, 6> rule_operator_names{{
  {"equals", rule_operator::equals},
  {"not_equals", rule_operator::not_equals},
  {"in", rule_operator::in},
  {"not_in", rule_operator::not_in},
  {"regex", rule_operator::regex},
  {"range", rule_operator::range},
}};

constexpr std::array<std::pair<std::string_view, routing_strategy>, 4> routing_strategy_names{{
  {"auction", routing_strategy::auction},
  {"weighted", routing_strategy::weighted},
  {"round_robin", routing_strategy::round_robin},
  {"waterfall", routing_strategy::waterfall},
}};

constexpr std::array<std::pair<std::string_view, clearing_rule>, 2> clearing_rule_names{{
  {"first_price", clearing_rule::first_price},
  {"second_price", clearing_rule::second_price},
}};

constexpr std::array<std::pair<std::string_view, payout_kind>, 2> payout_kind_names{{
  {"revenue_share", payout_kind::revenue_share},
  {"fixed", payout_kind::fixed},
}};

constexpr std::array<std::pair<std::string_view, payout_trigger>, 2> payout_trigger_names{{
  {"converted", payout_trigger::converted},
  {"bridged", payout_trigger::bridged},
}};

/// The enum named `name`, or `fallback` (the schema has already checked the spelling).
template <class E, std::size_t N>
E enum_named(const std::array<std::pair<std::string_view, E>, N>& names, std::string_view name, E fallback) {
  for (const auto& [n, e] : names)
    if (n == name) return e;
  return fallback;
}

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<std::string_view, E>, N>& names, E value) {
  for (const auto& [n, e] : names)
    if (e == value) return n;
  return "?";
}

/// Minutes from midnight of a schema-valid "HH:MM" ("24:00" = 1440).
int32_t minute_of_day(std::string_view hhmm) {
  return ((hhmm[0] - '0') * 10 + (hhmm[1] - '0')) * 60 + (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
}

class config_reader {
public:
  config_reader(error_list& errors, const json_number_text& numbers) : errors_(errors), numbers_(numbers) {}

  engine_config read(const json& root) {
    engine_config c;
    field(root, "node_name", c.node_name);
    field(root, "threads", c.threads);
    field(root, "not_in_service_text", c.not_in_service_text);
    field(root, "caller_hash_secret", c.caller_hash_secret);
    list(root, "campaigns", c.campaigns, &config_reader::campaign);
    list(root, "sources", c.sources, &config_reader::source);
    list(root, "buyers", c.buyers, &config_reader::buyer);
    list(root, "dids", c.dids, &config_reader::did);
    list(root, "caps", c.caps, &config_reader::cap);
    if (const json* t = member(root, "timing")) c.timing = timing(*t);
    if (const json* s = member(root, "supervision")) c.supervision = supervision(*s);
    if (const json* s = member(root, "storage")) c.storage = storage(*s);
    if (const json* s = member(root, "carrier_sim")) c.carrier_sim = carrier_sim(*s);
    return c;
  }

private:
  static void field(const json& o, const char* key, std::string& out) {
    if (const json* v = member(o, key)) out.assign(v->GetString(), v->GetStringLength());
  }
  static void field(const json& o, const char* key, int32_t& out) {
    if (const json* v = member(o, key)) out = v->GetInt();
  }
  static void field(const json& o, const char* key, int64_t& out) {
    if (const json* v = member(o, key)) out = v->GetInt64();
  }
  static void field(const json& o, const char* key, bool& out) {
    if (const json* v = member(o, key)) out = v->GetBool();
  }
  static void field(const json& o, const char* key, double& out) {
    if (const json* v = member(o, key)) out = v->GetDouble();
  }
  static void field(const json& o, const char* key, std::vector<std::string>& out) {
    if (const json* v = member(o, key))
      for (const auto& s : v->GetArray()) out.emplace_back(s.GetString(), s.GetStringLength());
  }
  /// An "HH:MM" time of day, as minutes from midnight.
  static void clock(const json& o, const char* key, int32_t& out) {
    if (const json* v = member(o, key)) out = minute_of_day(text_of(*v));
  }
  /// Dollars read from the number's text, exactly (0.1 is 100000 micros); the
  /// schema has checked its type and range.
  void money(const json& o, const char* key, int64_t& out, const std::string& pointer) {
    const json* v = member(o, key);
    if (!v) return;
    std::string at = child_pointer(pointer, key);
    std::string_view text = numbers_.at(at);
    money_parse amount = parse_dollars(text, {.exponent = true});
    if (amount.ok())
      out = amount.micros;
    else if (amount.error == money_error::too_many_decimals)
      errors_.push_back({at, "money takes at most 6 decimal places, got " + std::string(text)});
    else
      errors_.push_back({at, "money " + std::string(text) + " " + std::string(to_string(amount.error))});
  }

  template <class T>
  void list(const json& root, const char* key, std::vector<T>& out,
            T (config_reader::*read_one)(const json&, const std::string&)) {
    const json* items = member(root, key);
    if (!items) return;
    std::string pointer = child_pointer("", key);
    for (rapidjson::SizeType i = 0; i < items->Size(); ++i)
      out.push_back((this->*read_one)((*items)[i], child_pointer(pointer, i)));
  }

  campaign_config campaign(const json& o, const std::string& pointer) {
    campaign_config c;
    field(o, "id", c.id);
    field(o, "name", c.name);
    field(o, "active", c.active);
    field(o, "archived", c.archived);
    field(o, "paused_text", c.paused_text);
    std::string text;
    field(o, "when_paused", text);
    c.when_paused = text == "reject" ? paused_response::reject : paused_response::message;
    text.clear();
    field(o, "strategy", text);
    c.strategy = enum_named(routing_strategy_names, text, c.strategy);
    text.clear();
    field(o, "clearing", text);
    c.clearing = enum_named(clearing_rule_names, text, c.clearing);
    money(o, "price_increment", c.price_increment_micros, pointer);
    field(o, "vertical", c.vertical);
    field(o, "buyer_ids", c.buyer_ids);
    money(o, "floor", c.floor_micros, pointer);
    field(o, "auction_deadline_ms", c.auction_deadline_ms);
    field(o, "early_auction", c.early_auction);
    field(o, "record", c.record);
    field(o, "greeting_text", c.greeting_text);
    field(o, "hold_audio_url", c.hold_audio_url);
    field(o, "ending_text", c.ending_text);
    field(o, "voice", c.voice);
    field(o, "language", c.language);
    field(o, "max_rounds", c.max_rounds);
    field(o, "max_transfer_attempts", c.max_transfer_attempts);
    field(o, "transfer_timeout_s", c.transfer_timeout_s);
    field(o, "time_zone", c.time_zone);
    return c;
  }

  source_config source(const json& o, const std::string& pointer) {
    source_config s;
    field(o, "id", s.id);
    field(o, "name", s.name);
    std::string text;
    field(o, "payout_mode", text);
    s.payout_mode = enum_named(payout_kind_names, text, s.payout_mode);
    field(o, "revenue_share_bp", s.revenue_share_bp);
    money(o, "fixed_payout", s.fixed_payout_micros, pointer);
    text.clear();
    field(o, "pay_on", text);
    s.pay_on = enum_named(payout_trigger_names, text, s.pay_on);
    field(o, "time_zone", s.time_zone);
    field(o, "tags", s.tags);
    field(o, "archived", s.archived);
    if (const json* split = member(o, "split")) s.split = traffic(*split);
    return s;
  }

  buyer_config buyer(const json& o, const std::string& pointer) {
    buyer_config b;
    field(o, "id", b.id);
    field(o, "name", b.name);
    field(o, "active", b.active);
    field(o, "archived", b.archived);
    field(o, "destination", b.destination);
    field(o, "ping_url", b.ping_url);
    money(o, "min_bid", b.min_bid_micros, pointer);
    field(o, "daily_cap", b.daily_cap);
    field(o, "concurrency_cap", b.concurrency_cap);
    field(o, "time_zone", b.time_zone);
    field(o, "conversion_buffer_s", b.conversion_buffer_s);
    money(o, "fixed_payout", b.fixed_payout_micros, pointer);
    field(o, "duplicate_window_days", b.duplicate_window_days);
    if (const json* tiers = member(o, "duration_tiers")) {
      std::string at = child_pointer(pointer, "duration_tiers");
      for (rapidjson::SizeType i = 0; i < tiers->Size(); ++i) {
        duration_tier tier;
        field((*tiers)[i], "min_talk_s", tier.min_talk_s);
        money((*tiers)[i], "price", tier.price_micros, child_pointer(at, i));
        b.duration_tiers.push_back(tier);
      }
    }
    field(o, "priority", b.priority);
    field(o, "weight", b.weight);
    if (const json* h = member(o, "hours")) b.hours = hours(*h);
    if (const json* t = member(o, "target")) b.target = target(*t);
    if (const json* br = member(o, "breaker")) {
      field(*br, "failure_threshold", b.breaker.failure_threshold);
      field(*br, "open_ms", b.breaker.open_ms);
    }
    if (const json* sim = member(o, "sim")) {
      std::string at = child_pointer(pointer, "sim");
      money(*sim, "bid_mean", b.sim.bid_mean_micros, at);
      money(*sim, "bid_stddev", b.sim.bid_stddev_micros, at);
      field(*sim, "latency_mean_ms", b.sim.latency_mean_ms);
      field(*sim, "latency_stddev_ms", b.sim.latency_stddev_ms);
      field(*sim, "no_bid_rate", b.sim.no_bid_rate);
      field(*sim, "error_rate", b.sim.error_rate);
      field(*sim, "answer_rate", b.sim.answer_rate);
    }
    return b;
  }

  did_config did(const json& o, const std::string&) {
    did_config d;
    field(o, "number", d.number);
    field(o, "campaign_id", d.campaign_id);
    field(o, "source_id", d.source_id);
    field(o, "tags", d.tags);
    if (const json* split = member(o, "split")) d.split = traffic(*split);
    return d;
  }

  static traffic_split traffic(const json& o) {
    traffic_split t;
    field(o, "campaign_id", t.campaign_id);
    field(o, "percent", t.percent);
    return t;
  }

  static business_hours hours(const json& o) {
    business_hours h;
    if (const json* weekly = member(o, "weekly")) {
      for (const auto& w : weekly->GetArray()) {
        hours_window window;
        if (const json* days = member(w, "days"))
          for (const auto& d : days->GetArray())
            if (auto n = day_number(text_of(d))) window.days.push_back(*n);
        clock(w, "open", window.open_minute);
        clock(w, "close", window.close_minute);
        h.weekly.push_back(std::move(window));
      }
    }
    if (const json* exceptions = member(o, "exceptions")) {
      for (const auto& e : exceptions->GetArray()) {
        date_exception x;
        field(e, "date", x.date);
        field(e, "closed", x.closed);
        clock(e, "open", x.open_minute);
        clock(e, "close", x.close_minute);
        field(e, "note", x.note);
        h.exceptions.push_back(std::move(x));
      }
    }
    return h;
  }

  static targeting target(const json& o) {
    targeting t;
    field(o, "states", t.states);
    field(o, "excluded_states", t.excluded_states);
    field(o, "area_codes", t.area_codes);
    field(o, "excluded_area_codes", t.excluded_area_codes);
    field(o, "verticals", t.verticals);
    if (const json* rules = member(o, "rules")) {
      for (const auto& r : rules->GetArray()) {
        targeting_rule rule;
        field(r, "field", rule.field);
        std::string op;
        field(r, "op", op);
        rule.op = enum_named(rule_operator_names, op, rule.op);
        if (const json* v = member(r, "value")) rule.values.emplace_back(v->GetString(), v->GetStringLength());
        field(r, "values", rule.values);
        field(r, "min", rule.min);
        field(r, "max", rule.max);
        t.rules.push_back(std::move(rule));
      }
    }
    return t;
  }

  cap_config cap(const json& o, const std::string& pointer) {
    cap_config c;
    std::string text;
    field(o, "owner", text);
    c.owner = text == "campaign"         ? cap_owner::campaign
              : text == "source"         ? cap_owner::source
              : text == "campaign_buyer" ? cap_owner::campaign_buyer
                                         : cap_owner::buyer;
    if (c.owner == cap_owner::campaign_buyer) {
      field(o, "campaign", c.owner_id);
      field(o, "buyer", c.buyer_id);
    } else {
      field(o, "id", c.owner_id);
    }
    text.clear();
    field(o, "measure", text);
    c.measure = text == "revenue"       ? cap_measure::revenue
                : text == "concurrency" ? cap_measure::concurrency
                : text == "spacing"     ? cap_measure::spacing
                                        : cap_measure::calls;
    field(o, "window", c.window);
    field(o, "rolling_minutes", c.rolling_minutes);
    field(o, "limit", c.limit);
    money(o, "budget", c.limit, pointer);
    if (c.measure == cap_measure::spacing) field(o, "seconds", c.limit);
    text.clear();
    field(o, "counts_on", text);
    c.counts_on = text == "routed"      ? count_stage::routed
                  : text == "converted" ? count_stage::converted
                                        : count_stage::bridged;
    // Spacing is about sending calls: by default it counts when a call is routed.
    if (c.measure == cap_measure::spacing && text.empty()) c.counts_on = count_stage::routed;
    field(o, "time_zone", c.time_zone);
    return c;
  }

  static timing_config timing(const json& o) {
    timing_config t;
    field(o, "answer_timeout_ms", t.answer_timeout_ms);
    field(o, "greeting_timeout_ms", t.greeting_timeout_ms);
    field(o, "max_hold_ms", t.max_hold_ms);
    field(o, "transfer_grace_ms", t.transfer_grace_ms);
    field(o, "max_talk_ms", t.max_talk_ms);
    field(o, "ending_timeout_ms", t.ending_timeout_ms);
    field(o, "network_allowance_ms", t.network_allowance_ms);
    field(o, "peer_timeout_ms", t.peer_timeout_ms);
    field(o, "ledger_lease_s", t.ledger_lease_s);
    field(o, "ledger_orphan_grace_ms", t.ledger_orphan_grace_ms);
    return t;
  }

  static supervision_config supervision(const json& o) {
    supervision_config s;
    field(o, "max_restarts", s.max_restarts);
    field(o, "window_ms", s.window_ms);
    field(o, "call_max_restarts", s.call_max_restarts);
    return s;
  }

  static storage_config storage(const json& o) {
    storage_config s;
    field(o, "data_dir", s.data_dir);
    field(o, "sqlite_file", s.sqlite_file);
    field(o, "batch_max", s.batch_max);
    field(o, "batch_interval_ms", s.batch_interval_ms);
    return s;
  }

  static carrier_simulation carrier_sim(const json& o) {
    carrier_simulation s;
    field(o, "calls_per_second", s.calls_per_second);
    field(o, "unknown_did_rate", s.unknown_did_rate);
    field(o, "answer_delay_ms", s.answer_delay_ms);
    field(o, "speech_ms_per_char", s.speech_ms_per_char);
    field(o, "ring_ms_mean", s.ring_ms_mean);
    field(o, "talk_s_mean", s.talk_s_mean);
    field(o, "abandon_rate", s.abandon_rate);
    field(o, "patience_s_mean", s.patience_s_mean);
    field(o, "command_failure_rate", s.command_failure_rate);
    field(o, "buyer_hangup_share", s.buyer_hangup_share);
    return s;
  }

  error_list& errors_;
  const json_number_text& numbers_;
};

// ---------------------------------------------------------------------------
// Cross references, checked on the plain config (vector index = JSON index).

template <class T, class Key>
void check_unique(const std::vector<T>& items, const char* list, const char* key_name, Key key, const char* what,
                  error_list& errors) {
  std::map<std::string, std::size_t> first_seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string& k = key(items[i]);
    auto [it, inserted] = first_seen.emplace(k, i);
    if (!inserted) {
      std::string first = child_pointer(child_pointer("", list), it->second);
      errors.push_back({child_pointer(child_pointer(child_pointer("", list), i), key_name),
                        std::string("duplicate ") + what + " " + in_quotes(k) + " (first at " + first + ")", first});
    }
  }
}

void check_references(const engine_config& c, error_list& errors) {
  auto by_id = [](const auto& x) -> const std::string& { return x.id; };
  check_unique(c.campaigns, "campaigns", "id", by_id, "campaign id", errors);
  check_unique(c.sources, "sources", "id", by_id, "source id", errors);
  check_unique(c.buyers, "buyers", "id", by_id, "buyer id", errors);
  check_unique(
    c.dids, "dids", "number", [](const did_config& d) -> const std::string& { return d.number; }, "DID number", errors);

  auto index_of = [](const auto& items, const std::string& id) {
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].id == id) return child_pointer(std::string{}, i);
    return std::string{};
  };
  for (std::size_t i = 0; i < c.campaigns.size(); ++i) {
    const auto& ids = c.campaigns[i].buyer_ids;
    for (std::size_t j = 0; j < ids.size(); ++j) {
      if (!c.find_buyer(ids[j]))
        errors.push_back({child_pointer("/campaigns/" + std::to_string(i) + "/buyer_ids", j),
                          "unknown buyer " + in_quotes(ids[j]), "/buyers"});
    }
  }
  // A campaign a number routes to (directly or by a split) exists and is not archived.
  auto routes_to = [&](const std::string& campaign_id, const std::string& at) {
    const auto* campaign = c.find_campaign(campaign_id);
    if (campaign == nullptr)
      errors.push_back({at, "unknown campaign " + in_quotes(campaign_id), "/campaigns"});
    else if (campaign->archived)
      errors.push_back({at, "campaign " + in_quotes(campaign_id) + " is archived: no number may route to it",
                        "/campaigns" + index_of(c.campaigns, campaign_id) + "/archived"});
  };
  for (std::size_t i = 0; i < c.dids.size(); ++i) {
    const auto& d = c.dids[i];
    std::string at = child_pointer("/dids", i);
    routes_to(d.campaign_id, at + "/campaign_id");
    if (!d.split.campaign_id.empty()) routes_to(d.split.campaign_id, at + "/split/campaign_id");
    const auto* source = c.find_source(d.source_id);
    if (source == nullptr)
      errors.push_back({at + "/source_id", "unknown source " + in_quotes(d.source_id), "/sources"});
    else if (source->archived)
      errors.push_back({at + "/source_id", "source " + in_quotes(d.source_id) + " is archived: no number may use it",
                        "/sources" + index_of(c.sources, d.source_id) + "/archived"});
  }
  for (std::size_t i = 0; i < c.sources.size(); ++i)
    if (!c.sources[i].split.campaign_id.empty())
      routes_to(c.sources[i].split.campaign_id, child_pointer("/sources", i) + "/split/campaign_id");
}

bool known_zone(const std::string& name) { return calendar_zone::find(name).has_value(); }

/// What the schema cannot say about caps: which keys each owner and measure
/// needs, that owners exist, that time zones are real.
void check_caps(const json& root, const engine_config& c, error_list& errors) {
  auto zone = [&](const std::string& name, const std::string& at) {
    if (!known_zone(name)) errors.push_back({at, "unknown time zone " + in_quotes(name)});
  };
  for (size_t i = 0; i < c.campaigns.size(); ++i)
    if (member(root["campaigns"][static_cast<rapidjson::SizeType>(i)], "time_zone"))
      zone(c.campaigns[i].time_zone, child_pointer("/campaigns", i) + "/time_zone");
  for (size_t i = 0; i < c.sources.size(); ++i)
    if (member(root["sources"][static_cast<rapidjson::SizeType>(i)], "time_zone"))
      zone(c.sources[i].time_zone, child_pointer("/sources", i) + "/time_zone");
  for (size_t i = 0; i < c.buyers.size(); ++i)
    if (member(root["buyers"][static_cast<rapidjson::SizeType>(i)], "time_zone"))
      zone(c.buyers[i].time_zone, child_pointer("/buyers", i) + "/time_zone");
  const json* caps = member(root, "caps");
  if (!caps) return;
  for (size_t i = 0; i < c.caps.size(); ++i) {
    const auto& cap = c.caps[i];
    const json& o = (*caps)[static_cast<rapidjson::SizeType>(i)];
    auto at = child_pointer("/caps", i);
    auto need = [&](const char* key, const std::string& why) {
      if (!member(o, key)) errors.push_back({at, why + " needs \"" + key + "\""});
    };
    auto refuse = [&](const char* key, const std::string& why) {
      if (member(o, key)) errors.push_back({at + "/" + key, why + " takes no \"" + key + "\""});
    };
    if (cap.owner == cap_owner::campaign_buyer) {
      need("campaign", "a campaign_buyer cap");
      need("buyer", "a campaign_buyer cap");
      refuse("id", "a campaign_buyer cap");
      if (member(o, "campaign") && !c.find_campaign(cap.owner_id))
        errors.push_back({at + "/campaign", "unknown campaign " + in_quotes(cap.owner_id), "/campaigns"});
      if (member(o, "buyer") && !c.find_buyer(cap.buyer_id))
        errors.push_back({at + "/buyer", "unknown buyer " + in_quotes(cap.buyer_id), "/buyers"});
    } else {
      auto owner = std::string{to_string(cap.owner)};
      need("id", "a " + owner + " cap");
      refuse("campaign", "a " + owner + " cap");
      refuse("buyer", "a " + owner + " cap");
      bool known = cap.owner == cap_owner::buyer      ? c.find_buyer(cap.owner_id) != nullptr
                   : cap.owner == cap_owner::campaign ? c.find_campaign(cap.owner_id) != nullptr
                                                      : c.find_source(cap.owner_id) != nullptr;
      if (member(o, "id") && !known)
        errors.push_back({at + "/id", "unknown " + owner + " " + in_quotes(cap.owner_id), "/" + owner + "s"});
    }
    auto measure = std::string{to_string(cap.measure)};
    switch (cap.measure) {
      case cap_measure::calls:
      case cap_measure::concurrency: need("limit", "a " + measure + " cap"); break;
      case cap_measure::revenue: need("budget", "a revenue cap"); break;
      case cap_measure::spacing: need("seconds", "a spacing cap"); break;
    }
    if (cap.measure != cap_measure::calls && cap.measure != cap_measure::concurrency)
      refuse("limit", "a " + measure + " cap");
    if (cap.measure != cap_measure::revenue) refuse("budget", "a " + measure + " cap");
    if (cap.measure != cap_measure::spacing) refuse("seconds", "a " + measure + " cap");
    bool windowed = cap.measure == cap_measure::calls || cap.measure == cap_measure::revenue;
    if (!windowed) {
      refuse("window", "a " + measure + " cap");
      refuse("rolling_minutes", "a " + measure + " cap");
    } else if (cap.window == "rolling") {
      need("rolling_minutes", "a rolling window");
    } else {
      refuse("rolling_minutes", "a calendar window");
    }
    if (cap.measure == cap_measure::concurrency) refuse("counts_on", "a concurrency cap");
    if (member(o, "time_zone")) zone(cap.time_zone, at + "/time_zone");
  }
}

/// A schema-valid "YYYY-MM-DD" that names a day of the Gregorian calendar.
bool real_date(std::string_view ymd) {
  auto number = [&](std::size_t pos, std::size_t len) {
    int value = 0;
    for (std::size_t i = pos; i < pos + len; ++i) value = value * 10 + (ymd[i] - '0');
    return value;
  };
  int y = number(0, 4);
  auto m = static_cast<unsigned>(number(5, 2));
  auto d = static_cast<unsigned>(number(8, 2));
  return y >= 1 && std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}}.ok();
}

std::string hhmm_text(int32_t minute) {
  char buf[6] = {static_cast<char>('0' + minute / 600),     static_cast<char>('0' + minute / 60 % 10), ':',
                 static_cast<char>('0' + minute % 60 / 10), static_cast<char>('0' + minute % 10),      '\0'};
  return buf;
}

/// Date exceptions: real dates, each once; a closed date has no hours, an open one
/// has both, in order.
void check_exceptions(const json& list, const std::vector<date_exception>& exceptions, const std::string& at,
                      error_list& errors) {
  std::map<std::string, std::size_t> first_seen;
  for (std::size_t j = 0; j < exceptions.size(); ++j) {
    const date_exception& x = exceptions[j];
    const json& o = list[static_cast<rapidjson::SizeType>(j)];
    std::string here = child_pointer(at, j);
    if (!real_date(x.date)) {
      errors.push_back({here + "/date", in_quotes(x.date) + " is not a real date"});
    } else if (auto [it, inserted] = first_seen.emplace(x.date, j); !inserted) {
      errors.push_back({here + "/date", "duplicate date " + in_quotes(x.date) + " (first at " +
                                          child_pointer(at, it->second) + "/date)"});
    }
    if (x.closed) {
      for (const char* key : {"open", "close"})
        if (member(o, key))
          errors.push_back({here + "/" + key, std::string("a closed date takes no \"") + key +
                                                "\"; set \"closed\": false to give it special hours"});
      continue;
    }
    bool complete = true;
    for (const char* key : {"open", "close"}) {
      if (!member(o, key)) {
        errors.push_back({here, std::string("a date with \"closed\": false needs \"") + key + "\""});
        complete = false;
      }
    }
    if (complete && x.close_minute <= x.open_minute)
      errors.push_back({here + "/close", "must be after open (" + hhmm_text(x.open_minute) + "), got " +
                                           hhmm_text(x.close_minute) + ": a date exception does not run overnight"});
  }
}

/// Items of `excluded` that are also in `included` (such a call could never match).
void check_overlap(const json& target, const char* included, const char* excluded, const std::string& at,
                   error_list& errors) {
  const json* in = member(target, included);
  const json* out = member(target, excluded);
  if (!in || !out) return;
  std::set<std::string_view> accepted;
  for (const auto& v : in->GetArray()) accepted.insert(text_of(v));
  for (rapidjson::SizeType k = 0; k < out->Size(); ++k)
    if (accepted.count(text_of((*out)[k])))
      errors.push_back({child_pointer(child_pointer(at, excluded), k),
                        in_quotes(text_of((*out)[k])) + " is also in \"" + included + "\""});
}

/// A rule's operands as its op wants them spelled in JSON: "value" (a string),
/// "values" (an array of strings) or "min" and "max" (numbers). What they mean
/// is compile_rules' (actors/core/targeting_rules.hpp). False when misspelt.
bool check_operands(const json& o, const targeting_rule& rule, const std::string& at, error_list& errors) {
  const std::string op = "op " + in_quotes(name_of(rule_operator_names, rule.op));
  const bool single =
    rule.op == rule_operator::equals || rule.op == rule_operator::not_equals || rule.op == rule_operator::regex;
  const bool listed = rule.op == rule_operator::in || rule.op == rule_operator::not_in;
  const bool range = rule.op == rule_operator::range;
  const char* operands = single   ? "\"value\" (a string)"
                         : listed ? "\"values\" (an array of strings)"
                                  : "\"min\" and \"max\" (numbers)";
  const std::size_t before = errors.size();
  for (auto [wanted, key] : {std::pair{single, "value"}, {listed, "values"}, {range, "min"}, {range, "max"}})
    if (wanted && !member(o, key)) errors.push_back({at, op + " needs \"" + key + "\""});
  for (auto [wanted, key] : {std::pair{single, "value"}, {listed, "values"}, {range, "min"}, {range, "max"}})
    if (!wanted && member(o, key))
      errors.push_back({child_pointer(at, key), op + " takes " + operands + ", not \"" + key + "\""});
  return errors.size() == before;
}

/// A buyer's rules: each one's operands, then what compile_rules finds wrong
/// with it, at the pointer of the rule's operand (never-holding rules too: in a
/// config they are mistakes).
void check_rules(const json& list, const std::vector<targeting_rule>& rules, const std::string& at,
                 error_list& errors) {
  const compiled_rules compiled = compile_rules(rules);
  for (std::size_t k = 0; k < rules.size(); ++k) {
    std::string here = child_pointer(at, k);
    if (!check_operands(list[static_cast<rapidjson::SizeType>(k)], rules[k], here, errors)) continue;
    for (const rule_error& e : compiled.errors) {
      if (e.rule != k) continue;
      std::string pointer = child_pointer(here, e.operand);
      if (e.item) pointer = child_pointer(pointer, *e.item);
      errors.push_back({pointer, e.message});
    }
  }
}

/// What the schema cannot say about buyers: fixed payout vs RTB, hours, targeting.
void check_buyers(const json& root, const engine_config& c, error_list& errors) {
  const json* buyers = member(root, "buyers");
  if (!buyers) return;
  for (std::size_t i = 0; i < c.buyers.size(); ++i) {
    const buyer_config& b = c.buyers[i];
    const json& o = (*buyers)[static_cast<rapidjson::SizeType>(i)];
    std::string at = child_pointer("/buyers", i);
    if (b.fixed_payout_micros > 0 && member(o, "ping_url"))
      errors.push_back({at + "/ping_url", "a fixed-payout buyer has no RTB endpoint: it takes no \"ping_url\" "
                                          "(it bids its fixed_payout without a ping)"});
    for (std::size_t k = 1; k < b.duration_tiers.size(); ++k) {
      int32_t previous = b.duration_tiers[k - 1].min_talk_s;
      int32_t here = b.duration_tiers[k].min_talk_s;
      if (here <= previous)
        errors.push_back({child_pointer(at + "/duration_tiers", k) + "/min_talk_s",
                          "must be greater than the previous tier's min_talk_s (" + std::to_string(previous) +
                            "), got " + std::to_string(here) + ": tiers go in increasing talk time"});
    }
    if (const json* hours = member(o, "hours"))
      if (const json* exceptions = member(*hours, "exceptions"))
        check_exceptions(*exceptions, b.hours.exceptions, at + "/hours/exceptions", errors);
    const json* target = member(o, "target");
    if (!target) continue;
    check_overlap(*target, "states", "excluded_states", at + "/target", errors);
    check_overlap(*target, "area_codes", "excluded_area_codes", at + "/target", errors);
    if (const json* rules = member(*target, "rules")) check_rules(*rules, b.target.rules, at + "/target/rules", errors);
  }
}

/// What the schema cannot say about sources: the payout fields each payout_mode takes.
void check_sources(const json& root, const engine_config& c, error_list& errors) {
  const json* sources = member(root, "sources");
  if (!sources) return;
  for (std::size_t i = 0; i < c.sources.size(); ++i) {
    const source_config& s = c.sources[i];
    const json& o = (*sources)[static_cast<rapidjson::SizeType>(i)];
    std::string at = child_pointer("/sources", i);
    if (s.payout_mode == payout_kind::fixed) {
      if (!member(o, "fixed_payout"))
        errors.push_back({at, "payout_mode \"fixed\" needs \"fixed_payout\" (dollars per call)"});
      if (member(o, "revenue_share_bp"))
        errors.push_back({at + "/revenue_share_bp",
                          "payout_mode \"fixed\" takes no \"revenue_share_bp\": it pays fixed_payout per call"});
    } else {
      for (const char* key : {"fixed_payout", "pay_on"})
        if (member(o, key))
          errors.push_back({child_pointer(at, key), std::string("payout_mode \"revenue_share\" takes no \"") + key +
                                                      "\"; set \"payout_mode\": \"fixed\" to pay a fixed amount"});
    }
  }
}

} // namespace

config_result parse_config(std::string_view json_text) {
  config_result result;
  rapidjson::Document doc;
  if (auto error = parse_json(json_text, doc)) {
    result.errors.push_back(std::move(*error));
    return result;
  }
  result.errors = validate_against_schema(doc);
  if (!result.errors.empty()) return result;

  // Money is read from its text; the document is well-formed, so the text is there.
  json_number_text numbers = json_number_text::read(json_text).value_or(json_number_text{});
  engine_config config = config_reader(result.errors, numbers).read(doc);
  check_references(config, result.errors);
  check_caps(doc, config, result.errors);
  check_buyers(doc, config, result.errors);
  check_sources(doc, config, result.errors);
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

config_result load_config_file(const std::string& path) {
  auto fail = [&](const std::string& why) {
    config_result r;
    r.errors.push_back({"", "cannot read config file " + in_quotes(path) + ": " + why});
    return r;
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return fail("it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(std::strerror(errno));
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return fail("read error");
  auto r = parse_config(text);
  r.revision = config_revision(text);
  return r;
}

std::string format_config_errors(const std::vector<config_error>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!e.pointer.empty()) out += e.pointer + ": ";
    out += e.message;
    out += '\n';
  }
  return out;
}

} // namespace ringbid
