// The ping-post wire format: encode_ping / parse_bid_response for the engine,
// parse_ping / encode_bid / encode_no_bid for the buyer simulator.
//
// Both directions are checked against the embedded schemas. The compiled
// schemas are shared by every thread, so they avoid the "pattern" keyword:
// RapidJSON 1.1.0's regex keeps its match state inside the compiled pattern,
// which makes concurrent validation a data race. Formats (UUID, geo, amount
// text, destination) are checked here in code instead.
#include "adapters/bidding/bid_wire.hpp"

#include "adapters/json/number_text.hpp"
#include "adapters/json/utf8.hpp"
#include "protocol/money.hpp"

#include "generated/bid_response_schema.hpp"
#include "generated/ping_schema.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <exception>
#include <stdexcept>

namespace ringbid {

namespace {

using json = rapidjson::Value;
using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Iterative: a hostile body of nested brackets cannot exhaust the stack.
constexpr unsigned parse_flags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;

constexpr int64_t max_amount_micros = 1'000'000 * micros_per_dollar; ///< exclusive, as the bid schema
constexpr int64_t max_tmax_ms = 2'147'483'647;                       ///< the ping schema's maximum

// -- helpers ------------------------------------------------------------------

std::string_view text_of(const json& v) { return {v.GetString(), v.GetStringLength()}; }

const json* member(const json* object, const char* key) {
  if (!object || !object->IsObject()) return nullptr;
  auto i = object->FindMember(key);
  return i == object->MemberEnd() ? nullptr : &i->value;
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// A buyer's text as shown in a reason: cut short and printable ASCII only
/// ('?' for anything else), so a reason stays one clean line in the logs.
std::string shown(std::string_view s) {
  constexpr size_t max_shown = 40;
  std::string out;
  for (char c : s.substr(0, max_shown)) out += (c > 0x1F && c < 0x7F) ? c : '?';
  return s.size() > max_shown ? out + "..." : out;
}

/// Writes a string, repairing invalid UTF-8 first: the Writer copies bytes as
/// they are, and one stray byte would make the whole document unparsable.
void put(json_writer& w, std::string_view s) {
  auto fixed = repair_utf8(s);
  if (fixed) s = *fixed;
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void put_key(json_writer& w, std::string_view s) {
  auto fixed = repair_utf8(s);
  if (fixed) s = *fixed;
  w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string written(const rapidjson::StringBuffer& out) { return {out.GetString(), out.GetSize()}; }

// -- parsing and schemas ------------------------------------------------------

/// Parses `text` into `doc`; on failure says why, in the reasons' wording.
std::optional<std::string> parse_json(std::string_view text, rapidjson::Document& doc) {
  doc.Parse<parse_flags>(text.data() ? text.data() : "", text.size());
  if (!doc.HasParseError()) return std::nullopt;
  return std::string("malformed JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
         std::to_string(doc.GetErrorOffset());
}

/// An embedded schema, compiled. The source document is kept beside the
/// compiled form, which may refer into it.
class compiled_schema {
public:
  explicit compiled_schema(std::string_view text) : source_(parse_source(text)), compiled_(source_) {}

  const rapidjson::SchemaDocument& get() const { return compiled_; }

private:
  static rapidjson::Document parse_source(std::string_view text) {
    rapidjson::Document doc;
    if (parse_json(text, doc)) throw std::logic_error("an embedded bid wire schema is not valid JSON");
    return doc;
  }

  rapidjson::Document source_;
  rapidjson::SchemaDocument compiled_;
};

// Compiled once, then only read: each validation has its own SchemaValidator.
const rapidjson::SchemaDocument& ping_schema() {
  static const compiled_schema compiled(embedded::ping_schema);
  return compiled.get();
}

const rapidjson::SchemaDocument& bid_response_schema() {
  static const compiled_schema compiled(embedded::bid_response_schema);
  return compiled.get();
}

struct schema_failure {
  std::string pointer; ///< of the offending value, "" for the document
  std::string keyword; ///< the schema rule it breaks
};

std::optional<schema_failure> validate(const rapidjson::SchemaDocument& schema, const json& doc) {
  rapidjson::SchemaValidator validator(schema);
  if (doc.Accept(validator)) return std::nullopt;
  rapidjson::StringBuffer pointer;
  validator.GetInvalidDocumentPointer().Stringify(pointer);
  const char* keyword = validator.GetInvalidSchemaKeyword();
  return schema_failure{written(pointer), keyword ? keyword : "unknown"};
}

/// The pointer of the first member that repeats a name in its object, or
/// nothing. The schemas cannot say "no duplicates", and RapidJSON keeps them:
/// {"amount":1,"amount":100} means different money to different parsers.
/// Called on schema-valid documents only, so names need no pointer escaping
/// and the nesting is shallow.
std::optional<std::string> duplicate_member(const json& object, const std::string& pointer) {
  for (auto i = object.MemberBegin(); i != object.MemberEnd(); ++i) {
    std::string at = pointer + '/' + std::string(text_of(i->name));
    for (auto j = object.MemberBegin(); j != i; ++j)
      if (j->name == i->name) return at;
    if (i->value.IsObject())
      if (auto inner = duplicate_member(i->value, at)) return inner;
  }
  return std::nullopt;
}

// -- formats the schemas leave to code ----------------------------------------

bool is_state(std::string_view s) {
  return s.size() == 2 && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}
bool is_area_code(std::string_view s) { return s.size() == 3 && all_digits(s); }
bool is_zip(std::string_view s) { return s.size() == 5 && all_digits(s); }

struct geo_field {
  const char* key;
  std::string ping_request::*field;
  bool (*well_formed)(std::string_view);
  const char* format;
};

constexpr std::array<geo_field, 3> geo_fields{{
  {"state", &ping_request::caller_state, is_state, "two capital letters"},
  {"area_code", &ping_request::area_code, is_area_code, "three digits"},
  {"zip", &ping_request::zip, is_zip, "five digits"},
}};

/// E.164 ("+" and 8..15 digits) or a sip:/sips: URI of printable ASCII. SIP
/// URIs are ASCII (RFC 3261 percent-encodes the rest), so this also keeps
/// Unicode spaces and line separators out of the transfer command.
bool is_destination(std::string_view s) {
  if (s.starts_with('+')) return s.size() >= 9 && s.size() <= 16 && all_digits(s.substr(1));
  std::string_view rest;
  if (s.starts_with("sip:"))
    rest = s.substr(4);
  else if (s.starts_with("sips:"))
    rest = s.substr(5);
  else
    return false;
  return !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

/// Milliseconds left, rounded down and kept within the schema's bounds.
int64_t tmax_ms_of(caf::timespan left) {
  // duration_cast truncates toward zero, which is rounding down for what is
  // not clamped to 0 anyway.
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
  return std::clamp<int64_t>(ms, 0, max_tmax_ms);
}

// -- money --------------------------------------------------------------------

/// Dollars as the buyer wrote them ("12.5") to micros, exactly, or why not.
/// `text` is a JSON number's source text; the bid schema wants it plain (no
/// exponent), positive and below a million dollars.
std::variant<int64_t, std::string> micros_of(std::string_view text) {
  auto refuse = [text](std::string_view why) { return "amount " + shown(text) + " " + std::string(why); };
  if (text.empty()) return std::string("amount unreadable");
  money_parse amount = parse_dollars(text);
  if (amount.error == money_error::negative) return refuse("is not positive");
  if (amount.error == money_error::too_large) return refuse("is not below 1,000,000 dollars");
  if (!amount.ok()) return refuse(to_string(amount.error));
  if (amount.micros >= max_amount_micros) return refuse("is not below 1,000,000 dollars");
  if (amount.micros <= 0) return refuse("is not positive");
  return amount.micros;
}

/// The bid's amount exactly as written: the DOM keeps numbers as doubles (the
/// schema needs them as numbers), so the text comes from a second, lighter read.
std::string_view amount_text(const std::optional<json_number_text>& numbers) {
  return numbers ? numbers->at("/bid/amount") : std::string_view{};
}

// -- bid responses ------------------------------------------------------------

/// Fills the bid from a schema-valid "bid" object, or says what is wrong with it.
std::optional<std::string> read_bid(const json& bid, std::string_view body, bid_response& out) {
  auto micros = micros_of(amount_text(json_number_text::read(body)));
  if (auto* why = std::get_if<std::string>(&micros)) return *why;
  std::string_view destination = text_of(bid["destination"]);
  if (!is_destination(destination))
    return "destination " + shown(destination) + " is neither E.164 (+ and 8..15 digits) nor a sip:/sips: URI";
  out.kind = bid_kind::bid;
  out.amount_micros = std::get<int64_t>(micros);
  out.currency = text_of(bid["currency"]);
  out.expires_in_s = bid["expires_in_s"].GetInt();
  out.destination = destination;
  return std::nullopt;
}

/// Reads a buyer's answer into `out`, or says why it is no answer at all.
std::optional<std::string> read_answer(const ping_request& ping, int http_status, std::string_view body,
                                       bid_response& out) {
  if (http_status != 200) return "HTTP " + std::to_string(http_status);
  if (body.size() > max_bid_response_bytes)
    return "response too large: " + std::to_string(body.size()) + " bytes, limit " +
           std::to_string(max_bid_response_bytes);
  rapidjson::Document doc;
  if (auto malformed = parse_json(body, doc)) return malformed;
  if (auto failure = validate(bid_response_schema(), doc))
    return "schema: " + (failure->pointer.empty() ? "(root)" : failure->pointer) + ": " + failure->keyword;
  if (auto repeated = duplicate_member(doc, "")) return "duplicate member " + *repeated;
  if (const json* echoed = member(&doc, "ping_id")) {
    auto id = uuid::parse(text_of(*echoed)); // any case: some buyers upper-case ids
    if (!id || *id != ping.ping_id) return std::string("ping_id mismatch");
  }
  if (const json* no_bid = member(&doc, "no_bid")) {
    out.kind = bid_kind::no_bid;
    out.reason = text_of((*no_bid)["reason"]);
    return std::nullopt;
  }
  return read_bid(doc["bid"], body, out);
}

// -- pings ----------------------------------------------------------------------

void write_geo(json_writer& w, const ping_request& ping) {
  // A malformed value is left out rather than sent: buyers validate against
  // the published schema and would refuse the whole ping over it.
  auto present = [&ping](const geo_field& f) { return f.well_formed(ping.*f.field); };
  if (std::none_of(geo_fields.begin(), geo_fields.end(), present)) return;
  w.Key("geo");
  w.StartObject();
  for (const auto& f : geo_fields) {
    if (!present(f)) continue;
    w.Key(f.key);
    put(w, ping.*f.field);
  }
  w.EndObject();
}

void write_tags(json_writer& w, const std::vector<std::string>& tags) {
  auto non_empty = [](const std::string& t) { return !t.empty(); };
  if (std::none_of(tags.begin(), tags.end(), non_empty)) return;
  w.Key("tags");
  w.StartArray();
  for (const auto& t : tags)
    if (non_empty(t)) put(w, t);
  w.EndArray();
}

void write_optional(json_writer& w, const char* key, std::string_view value) {
  if (value.empty()) return;
  w.Key(key);
  put(w, value);
}

std::string optional_text(const json& doc, const char* key) {
  const json* v = member(&doc, key);
  return v ? std::string(text_of(*v)) : std::string{};
}

void write_ivr(json_writer& w, const std::vector<ivr_answer>& answers) {
  auto usable = [](const ivr_answer& a) { return !a.key.empty() && !a.value.empty(); };
  if (std::none_of(answers.begin(), answers.end(), usable)) return;
  w.Key("ivr");
  w.StartObject();
  for (const auto& a : answers) {
    if (!usable(a)) continue;
    put_key(w, a.key);
    put(w, a.value);
  }
  w.EndObject();
}

bool is_hex_digest(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

/// The members of a schema-valid ping the schema cannot check, into `ping`.
std::optional<wire_error> read_ping(const json& doc, ping_request& ping) {
  auto id = uuid::parse(text_of(doc["ping_id"]));
  if (!id) return wire_error{"/ping_id", "not a UUID (8-4-4-4-12 hex digits)"};
  ping.ping_id = *id;
  // The wire counts a call's rounds from 0 (schemas/ping.schema.json), the
  // engine from 1 (its first round is round 1).
  ping.round = doc["round"].GetUint() + 1;
  ping.campaign_id = optional_text(doc, "campaign_id");
  ping.vertical = optional_text(doc, "vertical");
  if (const json* geo = member(&doc, "geo")) {
    for (const auto& f : geo_fields) {
      std::string value = optional_text(*geo, f.key);
      if (!value.empty() && !f.well_formed(value))
        return wire_error{std::string("/geo/") + f.key, std::string("not ") + f.format};
      ping.*f.field = std::move(value);
    }
  }
  if (const json* tags = member(&doc, "tags"))
    for (const auto& t : tags->GetArray()) ping.tags.emplace_back(text_of(t));
  if (const json* ivr = member(&doc, "ivr"))
    for (const auto& m : ivr->GetObject())
      ping.ivr.push_back(ivr_answer{std::string(text_of(m.name)), std::string(text_of(m.value))});
  ping.caller_hash = optional_text(doc, "caller_hash");
  if (!ping.caller_hash.empty() && !is_hex_digest(ping.caller_hash))
    return wire_error{"/caller_hash", "not 64 lower-case hex digits"};
  if (const json* rate = member(&doc, "conversion_rate")) ping.conversion_rate = rate->GetDouble();
  ping.time_left = std::chrono::milliseconds{doc["tmax_ms"].GetInt64()};
  return std::nullopt;
}

} // namespace

std::string encode_ping(const ping_request& ping) {
  rapidjson::StringBuffer out;
  json_writer w(out);
  w.StartObject();
  w.Key("ping_id");
  put(w, ping.ping_id.to_string());
  w.Key("round");
  w.Uint(ping.round > 0 ? ping.round - 1 : 0); // from 0 on the wire
  write_optional(w, "campaign_id", ping.campaign_id);
  write_optional(w, "vertical", ping.vertical);
  write_geo(w, ping);
  write_tags(w, ping.tags);
  write_ivr(w, ping.ivr);
  if (is_hex_digest(ping.caller_hash)) {
    w.Key("caller_hash");
    put(w, ping.caller_hash);
  }
  if (ping.conversion_rate >= 0 && ping.conversion_rate <= 1) {
    w.Key("conversion_rate");
    // Four decimals are plenty for a rate and keep the text short.
    w.Double(std::round(ping.conversion_rate * 10'000) / 10'000);
  }
  w.Key("tmax_ms");
  w.Int64(tmax_ms_of(ping.time_left));
  w.EndObject();
  return written(out);
}

std::variant<ping_request, wire_error> parse_ping(std::string_view body) {
  rapidjson::Document doc;
  if (auto malformed = parse_json(body, doc)) return wire_error{"", *malformed};
  if (auto failure = validate(ping_schema(), doc))
    return wire_error{failure->pointer, "fails the schema's \"" + failure->keyword + "\" rule"};
  if (auto repeated = duplicate_member(doc, "")) return wire_error{*repeated, "duplicate member"};
  ping_request ping;
  if (auto bad = read_ping(doc, ping)) return *bad;
  return ping;
}

std::string encode_bid(int64_t amount_micros, std::string_view currency, int32_t expires_in_s,
                       std::string_view destination) {
  rapidjson::StringBuffer out;
  json_writer w(out);
  w.StartObject();
  w.Key("bid");
  w.StartObject();
  w.Key("amount");
  // Written from the integer, never through a double, so the text is exact.
  std::string amount = decimal_dollars(amount_micros, 0); // shortest exact: 12.5, 20, 0.000001
  w.RawValue(amount.data(), amount.size(), rapidjson::kNumberType);
  w.Key("currency");
  put(w, currency);
  w.Key("expires_in_s");
  w.Int(expires_in_s);
  w.Key("destination");
  put(w, destination);
  w.EndObject();
  w.EndObject();
  return written(out);
}

std::string encode_no_bid(std::string_view reason) {
  rapidjson::StringBuffer out;
  json_writer w(out);
  w.StartObject();
  w.Key("no_bid");
  w.StartObject();
  w.Key("reason");
  put(w, reason);
  w.EndObject();
  w.EndObject();
  return written(out);
}

bid_response parse_bid_response(const ping_request& ping, int http_status, std::string_view body) {
  bid_response r;
  r.ping_id = ping.ping_id;
  r.round = ping.round;
  r.buyer_id = ping.buyer_id;
  std::optional<std::string> failure;
  try {
    failure = read_answer(ping, http_status, body, r);
  } catch (const std::exception& e) { // allocation failure; a broken embedded schema
    failure = std::string("internal error: ") + e.what();
  }
  if (failure) {
    r.kind = bid_kind::error;
    r.amount_micros = 0;
    r.expires_in_s = 0;
    r.destination.clear();
    r.reason = std::move(*failure);
  }
  return r;
}

} // namespace ringbid
