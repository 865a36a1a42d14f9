#include "tools/cli/report_output.hpp"

#include "protocol/money.hpp"

#include <fmt/format.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>

#include <ostream>

namespace ringbid {

namespace {

uint64_t missed(const lead_summary& s) { return s.no_buyer + s.buyer_no_answer; }

std::string percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? "-" : fmt::format("{:.1f}%", 100.0 * double(part) / double(whole));
}

std::string ms_text(int64_t us) { return us < 0 ? "-" : fmt::format("{:.1f} ms", double(us) / 1000.0); }

/// Dollars as a JSON number that is exact to the micro: 12.5 -> 12.500000.
void write_money(rapidjson::PrettyWriter<rapidjson::OStreamWrapper>& w, int64_t micros) {
  auto text = decimal_dollars(micros, money_decimals);
  w.RawValue(text.c_str(), text.size(), rapidjson::kNumberType);
}

} // namespace

void print_report_table(std::ostream& out, const simulation_report& r) {
  const auto& s = r.leads;
  out << fmt::format("ringbid simulate: seed {}, {} calls in {:.2f} s wall time ({:.0f} s simulated)\n", r.seed,
                     r.calls, r.wall_seconds, r.virtual_seconds);
  out << fmt::format("  {:<28}{:>14}\n", "calls", r.calls);
  out << fmt::format("  {:<28}{:>14}\n", "completed", r.completed);
  out << fmt::format("  {:<28}{:>14}  {}\n", "bridged", s.bridged, percent(s.bridged, r.calls));
  out << fmt::format("  {:<28}{:>14}  no buyer {}, no answer {}\n", "missed", missed(s), s.no_buyer, s.buyer_no_answer);
  out << fmt::format("  {:<28}{:>14}  {}\n", "abandoned", s.abandoned, percent(s.abandoned, r.calls));
  out << fmt::format("  {:<28}{:>14}\n", "unknown number", s.unknown_number);
  out << fmt::format("  {:<28}{:>14}\n", "failed / interrupted", fmt::format("{} / {}", s.failed, s.interrupted));
  out << fmt::format("  {:<28}{:>14}\n", "paused campaign", s.paused);
  out << fmt::format("  {:<28}{:>14}\n", "mean hold time", fmt::format("{:.2f} s", s.mean_hold_ms / 1000.0));
  out << fmt::format("  {:<28}{:>14}\n", "mean talk time", fmt::format("{:.1f} s", s.mean_talk_ms / 1000.0));
  out << fmt::format("  {:<28}{:>14}\n", "revenue", format_money(s.revenue_micros));
  out << fmt::format("  {:<28}{:>14}\n", "publisher payout", format_money(s.payout_micros));
  out << fmt::format("  {:<28}{:>14}\n", "profit", format_money(s.revenue_micros - s.payout_micros));
  out << fmt::format("  {:<28}{:>14}\n", "auction latency p50", ms_text(s.auction_latency_p50_us));
  out << fmt::format("  {:<28}{:>14}\n", "auction latency p99", ms_text(s.auction_latency_p99_us));
  out << fmt::format("  {:<28}{:>14}\n", "leads written", r.leads_written);
  if (r.peer_kills > 0 || r.call_restarts > 0)
    out << fmt::format("  {:<28}{:>14}  {} of the carrier actor; {} call actors restarted\n", "faults injected",
                       r.peer_kills, r.carrier_kills, r.call_restarts);
  out << "  wins per buyer\n";
  for (const auto& w : s.wins)
    out << fmt::format("    {:<26}{:>14}  {}\n", w.buyer_id, w.wins, format_money(w.revenue_micros));
}

void print_report_json(std::ostream& out, const simulation_report& r) {
  const auto& s = r.leads;
  rapidjson::OStreamWrapper os{out};
  rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w{os};
  w.StartObject();
  w.Key("seed");
  w.Uint64(r.seed);
  w.Key("calls");
  w.Uint64(r.calls);
  w.Key("completed");
  w.Uint64(r.completed);
  w.Key("bridged");
  w.Uint64(s.bridged);
  w.Key("missed");
  w.Uint64(missed(s));
  w.Key("missed_no_buyer");
  w.Uint64(s.no_buyer);
  w.Key("missed_no_answer");
  w.Uint64(s.buyer_no_answer);
  w.Key("abandoned");
  w.Uint64(s.abandoned);
  w.Key("unknown_number");
  w.Uint64(s.unknown_number);
  w.Key("failed");
  w.Uint64(s.failed);
  w.Key("interrupted");
  w.Uint64(s.interrupted);
  w.Key("paused");
  w.Uint64(s.paused);
  w.Key("mean_hold_ms");
  w.Double(s.mean_hold_ms);
  w.Key("mean_talk_ms");
  w.Double(s.mean_talk_ms);
  w.Key("revenue");
  write_money(w, s.revenue_micros);
  w.Key("revenue_micros");
  w.Int64(s.revenue_micros);
  w.Key("payout");
  write_money(w, s.payout_micros);
  w.Key("winning_bids_micros");
  w.Int64(s.bid_sum_bridged_micros);
  w.Key("auction_latency_p50_us");
  w.Int64(s.auction_latency_p50_us);
  w.Key("auction_latency_p99_us");
  w.Int64(s.auction_latency_p99_us);
  w.Key("leads_written");
  w.Uint64(r.leads_written);
  w.Key("open_reservations");
  w.Uint64(r.open_reservations);
  w.Key("faults_injected");
  w.Uint64(r.peer_kills);
  w.Key("call_restarts");
  w.Uint64(r.call_restarts);
  w.Key("wall_seconds");
  w.Double(r.wall_seconds);
  w.Key("simulated_seconds");
  w.Double(r.virtual_seconds);
  w.Key("wins");
  w.StartObject();
  for (const auto& x : s.wins) {
    w.Key(x.buyer_id.c_str());
    w.Uint64(x.wins);
  }
  w.EndObject();
  w.EndObject();
  out << '\n';
}

} // namespace ringbid
