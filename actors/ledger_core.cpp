#include "actors/ledger_core.hpp"

#include <algorithm>

namespace ringbid {

int64_t utc_day(timestamp_us t) noexcept {
  constexpr int64_t us_per_day = 86'400 * us_per_s;
  return t >= 0 ? t / us_per_day : (t - us_per_day + 1) / us_per_day;
}

void ledger_core::set_caps(const std::string& buyer_id, buyer_caps caps) {
  buyers_[buyer_id].caps = caps;
}

ledger_core::counters& ledger_core::at(const std::string& buyer_id, int64_t day) {
  auto& c = buyers_[buyer_id];
  if (c.day != day) {
    // A new day: yesterday's counted calls no longer count. Reservations taken
    // yesterday still count against yesterday only, so pending restarts at 0.
    c.day = day;
    c.committed = 0;
    c.pending = 0;
  }
  return c;
}

reserve_reply ledger_core::reserve(const reserve_request& request, uint64_t holder, timestamp_us now) {
  reserve_reply reply;
  reply.call = request.call;
  int64_t day = utc_day(now);
  for (const auto& buyer_id : request.buyer_ids) {
    auto& c = at(buyer_id, day);
    if (request.mode == reserve_mode::normal) {
      if (c.caps.daily > 0 && c.committed + c.pending >= c.caps.daily) {
        reply.denied.push_back(reservation_denial{buyer_id, "daily", c.committed + c.pending, c.caps.daily});
        ++denied_total_;
        continue;
      }
      if (c.caps.concurrency > 0 && c.live >= c.caps.concurrency) {
        reply.denied.push_back(reservation_denial{buyer_id, "concurrency", c.live, c.caps.concurrency});
        ++denied_total_;
        continue;
      }
    }
    bool committed = request.mode == reserve_mode::adopt_committed;
    if (!committed) ++c.pending;
    ++c.live;
    auto token = next_token_++;
    reservations_.emplace(token, reservation{buyer_id, holder, day, committed});
    by_holder_[holder].push_back(token);
    reply.granted.push_back(reservation_grant{buyer_id, token});
  }
  return reply;
}

bool ledger_core::commit(uint64_t token) {
  auto i = reservations_.find(token);
  if (i == reservations_.end()) return false;
  auto& r = i->second;
  if (r.committed) return true;
  r.committed = true;
  auto& c = buyers_[r.buyer_id];
  if (c.day == r.day) {
    --c.pending;
    ++c.committed;
  }
  ++committed_total_;
  return true;
}

void ledger_core::end(uint64_t token, reservation& r) {
  auto& c = buyers_[r.buyer_id];
  --c.live;
  if (!r.committed && c.day == r.day) --c.pending;
  auto h = by_holder_.find(r.holder);
  if (h != by_holder_.end()) {
    auto& tokens = h->second;
    tokens.erase(std::remove(tokens.begin(), tokens.end(), token), tokens.end());
    if (tokens.empty()) by_holder_.erase(h);
  }
}

bool ledger_core::release(uint64_t token) {
  auto i = reservations_.find(token);
  if (i == reservations_.end()) return false;
  end(token, i->second);
  reservations_.erase(i);
  return true;
}

size_t ledger_core::release_holder(uint64_t holder) {
  auto h = by_holder_.find(holder);
  if (h == by_holder_.end()) return 0;
  auto tokens = h->second; // copy: release() edits the index
  for (auto token : tokens) release(token);
  return tokens.size();
}

std::vector<uint64_t> ledger_core::holders() const {
  std::vector<uint64_t> out;
  out.reserve(by_holder_.size());
  for (const auto& [holder, tokens] : by_holder_) out.push_back(holder);
  return out;
}

int64_t ledger_core::committed_today(const std::string& buyer_id, timestamp_us now) const {
  auto i = buyers_.find(buyer_id);
  if (i == buyers_.end() || i->second.day != utc_day(now)) return 0;
  return i->second.committed;
}

int64_t ledger_core::live(const std::string& buyer_id) const {
  auto i = buyers_.find(buyer_id);
  return i == buyers_.end() ? 0 : i->second.live;
}

} // namespace ringbid
