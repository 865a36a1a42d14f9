#include "tools/cli/leads_command.hpp"

#include "actors/core/time_bound.hpp"
#include "adapters/config/config_json.hpp"
#include "protocol/money.hpp"

#include <fmt/format.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <system_error>

namespace ringbid {

namespace {

/// What a table cell shows: "-" for nothing; control characters (a newline in
/// a tag) as spaces so they cannot break the alignment.
std::string cell(std::string_view text) {
  if (text.empty()) return "-";
  std::string out(text);
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

/// Columns on a terminal: UTF-8 code points (continuation bytes don't count).
size_t display_width(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

constexpr std::array<const char*, 20> column_names{"id",     "started",      "campaign",     "source",      "did",
                                                   "caller", "caller_state", "buyer",        "disposition", "hold_s",
                                                   "talk_s", "bid",          "price",        "revenue",     "payout",
                                                   "profit", "converted",    "billing_note", "tags",        "revision"};

constexpr size_t column_index(std::string_view name) {
  for (size_t i = 0; i < column_names.size(); ++i)
    if (name == column_names[i]) return i;
  return column_names.size();
}

/// Columns right-aligned in the table: the numbers.
constexpr bool right_aligned(size_t column) {
  return column >= column_index("hold_s") && column <= column_index("profit");
}

std::string group_thousands(uint64_t n) {
  auto digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

} // namespace

std::optional<disposition> parse_disposition(std::string_view text) {
  for (int i = 0; i <= static_cast<int>(last_disposition); ++i) {
    auto d = static_cast<disposition>(i);
    if (to_string(d) == text) return d;
  }
  return std::nullopt;
}

std::string disposition_names() {
  std::string out;
  for (int i = 0; i <= static_cast<int>(last_disposition); ++i) {
    if (i > 0) out += ", ";
    out += to_string(static_cast<disposition>(i));
  }
  return out;
}

std::string decimal_seconds(int64_t ms) {
  bool negative = ms < 0;
  uint64_t magnitude = negative ? uint64_t{0} - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  std::string out = (negative ? "-" : "") + std::to_string(magnitude / 1000);
  if (magnitude % 1000 == 0) return out;
  std::string fraction = std::to_string(magnitude % 1000);
  fraction.insert(0, 3 - fraction.size(), '0');
  while (fraction.back() == '0') fraction.pop_back();
  return out + "." + fraction;
}

std::string disposition_text(const lead_row& row) {
  if ((row.outcome == to_string(disposition::abandoned) || row.outcome == to_string(disposition::interrupted)) &&
      !row.ended_in.empty())
    return row.outcome + " in " + row.ended_in;
  return row.outcome;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

namespace {

/// A lead's cells in column_names order; money and durations as `money` and
/// decimal_seconds render them.
template <class Money>
std::array<std::string, column_names.size()> cells_of(const lead_row& r, Money money) {
  return {r.id.to_string(),
          format_iso8601(r.started_at),
          r.campaign_id,
          r.source_id,
          r.did,
          r.caller,
          r.caller_state,
          r.buyer_id,
          disposition_text(r),
          decimal_seconds(r.hold_ms),
          decimal_seconds(r.talk_ms),
          money(r.bid_micros),
          money(r.price_micros),
          money(r.revenue_micros),
          money(r.payout_micros),
          money(r.revenue_micros - r.payout_micros),
          r.converted ? "yes" : "no",
          r.billing_note,
          r.tags,
          std::to_string(r.config_revision)};
}

} // namespace

void print_leads_table(std::ostream& out, const std::vector<lead_row>& rows, const lead_totals& totals) {
  std::vector<std::array<std::string, column_names.size()>> table;
  table.reserve(rows.size() + 1);
  auto& header = table.emplace_back();
  for (size_t c = 0; c < column_names.size(); ++c) header[c] = column_names[c];
  for (const auto& r : rows) {
    auto cells = cells_of(r, [](int64_t micros) { return format_money(micros); });
    for (auto& x : cells) x = cell(x);
    table.push_back(std::move(cells));
  }
  std::array<size_t, column_names.size()> width{};
  for (const auto& line : table)
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], display_width(line[c]));
  for (const auto& line : table) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      if (c > 0) text += "  ";
      auto pad = std::string(width[c] - display_width(line[c]), ' ');
      if (right_aligned(c))
        text += pad + line[c];
      else if (c + 1 == line.size())
        text += line[c]; // no trailing blanks
      else
        text += line[c] + pad;
    }
    out << text << '\n';
  }
  if (rows.size() < totals.leads)
    out << fmt::format("showing the newest {} of {} matching leads (--limit 0 shows all)\n",
                       group_thousands(rows.size()), group_thousands(totals.leads));
  out << fmt::format("total: {} {}, revenue {}, payout {}, profit {}\n", group_thousands(totals.leads),
                     totals.leads == 1 ? "lead" : "leads", format_money(totals.revenue_micros),
                     format_money(totals.payout_micros), format_money(totals.revenue_micros - totals.payout_micros));
}

leads_csv_writer::leads_csv_writer(std::ostream& out) : out_(out) {
  for (size_t c = 0; c < column_names.size(); ++c) out_ << (c > 0 ? "," : "") << column_names[c];
  out_ << "\r\n";
}

void leads_csv_writer::row(const lead_row& r) {
  auto cells = cells_of(r, [](int64_t micros) { return decimal_dollars(micros); });
  cells[column_index("converted")] = r.converted ? "1" : "0";
  for (size_t c = 0; c < cells.size(); ++c) out_ << (c > 0 ? "," : "") << csv_field(cells[c]);
  out_ << "\r\n";
}

void print_leads_csv(std::ostream& out, const std::vector<lead_row>& rows) {
  leads_csv_writer w{out};
  for (const auto& r : rows) w.row(r);
}

struct leads_json_writer::impl {
  explicit impl(std::ostream& os) : out(&os), stream(os), w(stream) {}
  std::ostream* out;
  rapidjson::OStreamWrapper stream;
  rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w;
  uint64_t shown = 0;

  void text(const char* key, std::string_view value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  /// An exact decimal written as a JSON number.
  void number(const char* key, const std::string& decimal) {
    w.Key(key);
    w.RawValue(decimal.data(), decimal.size(), rapidjson::kNumberType);
  }
};

leads_json_writer::leads_json_writer(std::ostream& out) : impl_(std::make_unique<impl>(out)) {
  impl_->w.StartObject();
  impl_->w.Key("leads");
  impl_->w.StartArray();
}

leads_json_writer::~leads_json_writer() = default;

void leads_json_writer::row(const lead_row& r) {
  auto& x = *impl_;
  x.w.StartObject();
  x.text("id", r.id.to_string());
  x.text("started", format_iso8601(r.started_at));
  x.text("campaign", r.campaign_id);
  x.text("source", r.source_id);
  x.text("did", r.did);
  x.text("caller", r.caller);
  x.text("caller_state", r.caller_state);
  x.text("buyer", r.buyer_id);
  x.text("disposition", disposition_text(r));
  x.number("hold_s", decimal_seconds(r.hold_ms));
  x.number("talk_s", decimal_seconds(r.talk_ms));
  x.text("bid", decimal_dollars(r.bid_micros));
  x.text("price", decimal_dollars(r.price_micros));
  x.text("revenue", decimal_dollars(r.revenue_micros));
  x.text("payout", decimal_dollars(r.payout_micros));
  x.text("profit", decimal_dollars(r.revenue_micros - r.payout_micros));
  x.w.Key("converted");
  x.w.Bool(r.converted);
  x.text("billing_note", r.billing_note);
  x.text("tags", r.tags);
  x.w.Key("revision");
  x.w.Int64(r.config_revision);
  x.w.EndObject();
  ++x.shown;
}

void leads_json_writer::finish(const lead_totals& totals) {
  auto& x = *impl_;
  x.w.EndArray();
  x.w.Key("totals");
  x.w.StartObject();
  x.w.Key("leads");
  x.w.Uint64(totals.leads);
  x.w.Key("shown");
  x.w.Uint64(x.shown);
  x.text("revenue", decimal_dollars(totals.revenue_micros));
  x.text("payout", decimal_dollars(totals.payout_micros));
  x.text("profit", decimal_dollars(totals.revenue_micros - totals.payout_micros));
  x.w.EndObject();
  x.w.EndObject();
  *x.out << '\n';
}

void print_leads_json(std::ostream& out, const std::vector<lead_row>& rows, const lead_totals& totals) {
  leads_json_writer w{out};
  for (const auto& r : rows) w.row(r);
  w.finish(totals);
}

int run_leads_command(const leads_options& options, std::ostream& out, std::ostream& err) {
  constexpr const char* me = "ringbid leads: ";
  lead_query query;
  auto bound = [&](const std::string& text, const char* option, bool upper) {
    if (text.empty()) return true;
    auto t = parse_time_bound(text, upper);
    if (!t) {
      err << me << option << ": expected a UTC day YYYY-MM-DD or an instant such as 2026-11-21T14:00:00Z, got \""
          << text << "\"\n";
      return false;
    }
    (upper ? query.until : query.from) = *t;
    return true;
  };
  if (!bound(options.from, "--from", false) || !bound(options.to, "--to", true)) return 2;
  if (query.from && query.until && *query.from >= *query.until) {
    err << me << "--from " << options.from << " is not before --to " << options.to << " (an empty range)\n";
    return 2;
  }
  if (!options.disposition.empty()) {
    query.outcome = parse_disposition(options.disposition);
    if (!query.outcome) {
      err << me << "--disposition: unknown disposition \"" << options.disposition << "\"; one of "
          << disposition_names() << '\n';
      return 2;
    }
  }
  query.campaign_id = options.campaign;
  query.source_id = options.source;
  query.buyer_id = options.buyer;
  query.limit = options.limit.value_or(options.format == leads_format::table ? default_table_limit : 0);

  std::string path = options.db_path;
  if (path.empty()) {
    if (options.config_path.empty()) {
      err << me << "give --db, or --config to use the node's database\n";
      return 2;
    }
    auto loaded = load_config_file(options.config_path);
    if (!loaded.ok()) {
      err << "ringbid: invalid config " << options.config_path << ":\n" << format_config_errors(loaded.errors);
      return 2;
    }
    const auto& storage = loaded.config->storage;
    path = (std::filesystem::path{storage.data_dir} / storage.sqlite_file).string();
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    err << me << "no database at " << path << (ec ? " (" + ec.message() + ")" : std::string()) << '\n';
    return 1;
  }
  std::string error;
  auto reader = sqlite_lead_reader::open(path, &error);
  if (!reader) {
    err << me << error << '\n';
    return 1;
  }
  try {
    switch (options.format) {
      case leads_format::table: {
        auto listing = reader->list(query);
        print_leads_table(out, listing.rows, listing.matching);
        break;
      }
      case leads_format::csv: {
        leads_csv_writer w{out};
        reader->scan(query, [&](const lead_row& r) { w.row(r); });
        break;
      }
      case leads_format::json: {
        leads_json_writer w{out};
        auto totals = reader->scan(query, [&](const lead_row& r) { w.row(r); });
        w.finish(totals);
        break;
      }
    }
  } catch (const std::exception& e) {
    err << me << e.what() << '\n';
    return 1;
  }
  out.flush();
  return out ? 0 : 1;
}

} // namespace ringbid
