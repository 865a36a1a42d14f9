#include "tools/cli/caps_command.hpp"

#include "actors/core/ledger_core.hpp"
#include "adapters/sqlite/sqlite_cap_journal.hpp"
#include "protocol/node.hpp"
#include "protocol/types.hpp"
#include "tools/cli/report_output.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <fmt/format.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>

#include <ostream>

namespace ringbid {

caps_view caps_from_journal(const engine_config& config, const std::string& db_path, timestamp_us now) {
  caps_view view;
  view.source = "journal " + db_path;
  auto rules = resolve_cap_rules(config);
  ledger_core core{rules.rules};
  auto ok = read_cap_journal(
    db_path,
    [&](const cap_journal_entry& e) {
      core.replay(e);
      ++view.journal_entries;
    },
    &view.error);
  if (!ok) return view;
  view.open_reservations = core.open_reservations();
  view.report = core.report(now);
  return view;
}

caps_view caps_from_node(const std::string& host, uint16_t port, int timeout_ms) {
  caps_view view;
  view.source = fmt::format("node {}:{}", host, port);
  caf::actor_system_config cfg;
  add_protocol_types(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.max-threads", size_t{1});
  cfg.set("logger.verbosity", caf::atom("quiet"));
  cfg.set("middleman.app-identifiers", std::vector<std::string>{"ringbid"});
  caf::actor_system sys{cfg};
  auto root = caf::io::remote_actor(sys, host, port);
  if (!root) {
    view.error = "cannot reach " + view.source + ": " + sys.render(root.error());
    return view;
  }
  caf::scoped_actor self{sys};
  auto timeout = std::chrono::milliseconds{timeout_ms};
  caf::actor ledger;
  self->request(*root, timeout, peer_lookup{peer_kind::ledger, {}})
    .receive([&](const peer_handle& h) { ledger = h.handle; },
             [&](caf::error& err) { view.error = "ledger lookup failed: " + sys.render(err); });
  if (!ledger) {
    if (view.error.empty()) view.error = "the node has no ledger";
    return view;
  }
  self->request(ledger, timeout, ledger_status_request{})
    .receive([&](const ledger_status& s) { view.open_reservations = s.open_reservations; },
             [&](caf::error& err) { view.error = "ledger status failed: " + sys.render(err); });
  self->request(ledger, timeout, caps_query{})
    .receive([&](caps_report& r) { view.report = std::move(r); },
             [&](caf::error& err) { view.error = "caps query failed: " + sys.render(err); });
  return view;
}

namespace {

std::string amount_text(const cap_standing& s, int64_t v) {
  if (s.measure == "revenue") return format_money(v);
  if (s.measure == "spacing") return v < 0 ? "never" : fmt::format("{} s ago", v);
  return std::to_string(v);
}

std::string limit_text(const cap_standing& s) {
  if (s.measure == "revenue") return format_money(s.limit);
  if (s.measure == "spacing") return fmt::format("{} s apart", s.limit);
  return std::to_string(s.limit);
}

} // namespace

void print_caps_table(std::ostream& out, const caps_view& view) {
  out << fmt::format("caps from {} at {}\n", view.source, format_iso8601(view.report.at));
  out << fmt::format("{:<15} {:<34} {:<12} {:<12} {:<20} {:<10} {:>15} {:>15} {:>15}  {}\n", "owner", "id", "measure",
                     "window", "time zone", "counts on", "value", "reserved", "limit", "resets at");
  for (const auto& s : view.report.caps) {
    out << fmt::format("{:<15} {:<34} {:<12} {:<12} {:<20} {:<10} {:>15} {:>15} {:>15}  {}\n", s.owner, s.owner_id,
                       s.measure, s.window.empty() ? "-" : s.window, s.time_zone,
                       s.counts_on.empty() ? "-" : s.counts_on, amount_text(s, s.counted),
                       s.measure == "spacing" ? std::to_string(s.reserved) : amount_text(s, s.reserved), limit_text(s),
                       s.resets_at == 0 ? "-" : format_iso8601(s.resets_at));
  }
  out << fmt::format("{} caps, {} open reservations", view.report.caps.size(), view.open_reservations);
  if (view.journal_entries > 0) out << fmt::format(", {} journal entries", view.journal_entries);
  out << '\n';
}

void print_caps_json(std::ostream& out, const caps_view& view) {
  rapidjson::OStreamWrapper os{out};
  rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w{os};
  w.StartObject();
  w.Key("source");
  w.String(view.source.c_str());
  w.Key("at");
  w.String(format_iso8601(view.report.at).c_str());
  w.Key("open_reservations");
  w.Uint64(view.open_reservations);
  w.Key("journal_entries");
  w.Uint64(view.journal_entries);
  w.Key("caps");
  w.StartArray();
  for (const auto& s : view.report.caps) {
    w.StartObject();
    w.Key("owner");
    w.String(s.owner.c_str());
    w.Key("id");
    w.String(s.owner_id.c_str());
    w.Key("measure");
    w.String(s.measure.c_str());
    w.Key("window");
    w.String(s.window.c_str());
    w.Key("time_zone");
    w.String(s.time_zone.c_str());
    w.Key("counts_on");
    w.String(s.counts_on.c_str());
    w.Key("limit");
    w.Int64(s.limit);
    w.Key("value");
    w.Int64(s.counted);
    w.Key("reserved");
    w.Int64(s.reserved);
    w.Key("window_start");
    w.String(s.window_start == 0 ? "" : format_iso8601(s.window_start).c_str());
    w.Key("resets_at");
    w.String(s.resets_at == 0 ? "" : format_iso8601(s.resets_at).c_str());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out << '\n';
}

} // namespace ringbid
