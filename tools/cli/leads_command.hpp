#pragma once
// `ringbid leads`: the leads of a node's database, filtered by time, campaign,
// source, buyer and disposition, newest first, as an aligned table with totals,
// CSV (RFC 4180) or JSON. The caller's number is shown: this is the network's
// own report (it is never sent to buyers).

#include "adapters/sqlite/sqlite_lead_reader.hpp"

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringbid {

enum class leads_format : uint8_t { table, csv, json };

/// The table shows the newest 100 unless --limit says otherwise; CSV and JSON
/// (exports) have no default limit.
constexpr uint64_t default_table_limit = 100;

struct leads_options {
  std::string config_path;                          ///< the node config: its <data_dir>/<sqlite_file>
  std::string db_path;                              ///< or the database directly (wins over config_path)
  std::string from, to;                             ///< as given on the command line; "" = open
  std::string campaign, source, buyer, disposition; ///< "" = any
  std::optional<uint64_t> limit;                    ///< 0 = no limit; unset = the format's default
  leads_format format = leads_format::table;
};

/// Runs `ringbid leads`. Returns 0, 1 (missing or unreadable database) or
/// 2 (bad option or config); errors go to `err`, one line each.
int run_leads_command(const leads_options& options, std::ostream& out, std::ostream& err);

// The pieces, for tests.

/// The disposition named `text` (a to_string() name), or nullopt.
std::optional<disposition> parse_disposition(std::string_view text);
/// "bridged, no_buyer, ...": every disposition name.
std::string disposition_names();

/// Milliseconds as exact decimal seconds: "4", "4.5", "0.125".
std::string decimal_seconds(int64_t ms);
/// What the disposition column shows: the outcome, and where an abandoned or
/// interrupted call was when it ended ("abandoned in hold").
std::string disposition_text(const lead_row& row);
/// One CSV field per RFC 4180: quoted (quotes doubled) when it holds a comma,
/// a quote, CR or LF; otherwise as is.
std::string csv_field(std::string_view text);

/// The aligned table, then the totals line (count, revenue, payout, profit of
/// every matching lead; with "showing N" when the rows are fewer).
void print_leads_table(std::ostream& out, const std::vector<lead_row>& rows, const lead_totals& totals);

/// CSV, written as the rows come: a header row, then one row per lead. CRLF
/// line ends (RFC 4180). No totals row (they would be mistaken for a lead).
class leads_csv_writer {
public:
  explicit leads_csv_writer(std::ostream& out); ///< writes the header
  void row(const lead_row& row);

private:
  std::ostream& out_;
};

/// JSON, written as the rows come: {"leads":[{...},...],"totals":{...}}.
/// Money is exact decimal-dollar strings ("12.50"); hold_s and talk_s numbers.
class leads_json_writer {
public:
  explicit leads_json_writer(std::ostream& out);
  ~leads_json_writer();
  leads_json_writer(const leads_json_writer&) = delete;
  leads_json_writer& operator=(const leads_json_writer&) = delete;
  void row(const lead_row& row);
  /// Closes the array, writes the totals and closes the object.
  void finish(const lead_totals& totals);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

void print_leads_csv(std::ostream& out, const std::vector<lead_row>& rows);
void print_leads_json(std::ostream& out, const std::vector<lead_row>& rows, const lead_totals& totals);

} // namespace ringbid
