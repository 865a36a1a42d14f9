#include "tools/cli/auction_command.hpp"

#include "protocol/money.hpp"

#include <fmt/format.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>

#include <ostream>

namespace ringbid {

namespace {

std::string ms_text(int64_t us) {
  if (us < 0) return "-";
  if (us < 10'000) return fmt::format("{:.2f} ms", double(us) / 1000.0);
  return fmt::format("{} ms", us / 1000);
}

std::string money_or_dash(int64_t micros) { return micros > 0 ? format_money(micros) : "-"; }

void print_round(std::ostream& out, const auction_record& a) {
  out << fmt::format("round {}: {}, {}, deadline {} ms, floor {}, closed after {}\n", a.round, a.strategy, a.clearing,
                     a.deadline_ms, format_money(a.floor_micros), ms_text(a.closed_at - a.opened_at));
  if (a.winner.empty())
    out << "  no valid offer\n";
  else
    out << fmt::format("  ranked first: {}, bid {}, price {}\n", a.winner, format_money(a.winning_bid_micros),
                       format_money(a.clearing_price_micros));
  // One layout for the header and the rows.
  auto line = [&](std::string_view rank, std::string_view buyer, std::string_view verdict, std::string_view bid,
                  std::string_view price, std::string_view latency, std::string_view why) {
    out << fmt::format("  {:>4}  {:<20} {:<10} {:>12} {:>12} {:>10}  {}\n", rank, buyer, verdict, bid, price, latency,
                       why);
  };
  line("rank", "buyer", "verdict", "bid", "price", "latency", "why");
  for (const auto& e : a.entries) {
    auto rank = e.rank > 0 ? std::to_string(e.rank) : std::string("-");
    auto latency = e.fixed ? std::string("fixed") : ms_text(e.latency_us);
    line(rank, e.buyer_id, to_string(e.verdict), money_or_dash(e.bid_micros), money_or_dash(e.price_micros), latency,
         e.reason);
  }
}

} // namespace

void print_auctions_table(std::ostream& out, const lead_record& lead) {
  out << fmt::format("call {}  campaign {}  source {}  outcome {}\n", lead.id.to_string(),
                     lead.campaign_id.empty() ? "-" : lead.campaign_id, lead.source_id.empty() ? "-" : lead.source_id,
                     to_string(lead.outcome));
  if (!lead.buyer_id.empty())
    out << fmt::format("bridged to {}: bid {}, charged {}, talk {} s, {} transfer attempt(s)\n", lead.buyer_id,
                       format_money(lead.bid_micros), format_money(lead.revenue_micros), lead.talk_ms / 1000,
                       lead.transfer_attempts);
  if (lead.auctions.empty()) out << "no auction was held for this call\n";
  for (const auto& a : lead.auctions) print_round(out, a);
}

void print_auctions_json(std::ostream& out, const lead_record& lead) {
  rapidjson::OStreamWrapper stream(out);
  rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w(stream);
  auto text = [&](const char* key, std::string_view value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  auto number = [&](const char* key, int64_t value) {
    w.Key(key);
    w.Int64(value);
  };
  w.StartObject();
  text("call_id", lead.id.to_string());
  text("campaign_id", lead.campaign_id);
  text("source_id", lead.source_id);
  text("outcome", to_string(lead.outcome));
  text("buyer_id", lead.buyer_id);
  number("bid_micros", lead.bid_micros);
  number("revenue_micros", lead.revenue_micros);
  w.Key("rounds");
  w.StartArray();
  for (const auto& a : lead.auctions) {
    w.StartObject();
    number("round", a.round);
    text("strategy", a.strategy);
    text("clearing", a.clearing);
    number("opened_at_us", a.opened_at);
    number("closed_at_us", a.closed_at);
    number("deadline_ms", a.deadline_ms);
    number("floor_micros", a.floor_micros);
    text("winner", a.winner);
    number("winning_bid_micros", a.winning_bid_micros);
    number("clearing_price_micros", a.clearing_price_micros);
    w.Key("buyers");
    w.StartArray();
    for (const auto& e : a.entries) {
      w.StartObject();
      text("buyer_id", e.buyer_id);
      text("verdict", to_string(e.verdict));
      text("reason", e.reason);
      number("bid_micros", e.bid_micros);
      number("price_micros", e.price_micros);
      number("latency_us", e.latency_us);
      number("transport_us", e.transport_us);
      number("rank", e.rank);
      w.Key("fixed");
      w.Bool(e.fixed);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out << '\n';
}

} // namespace ringbid
