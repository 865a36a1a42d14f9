#include "actors/core/ledger_core.hpp"

#include <algorithm>
#include <limits>

namespace ringbid {

namespace {

constexpr timestamp_us never = std::numeric_limits<timestamp_us>::max();

void add_to(std::map<timestamp_us, int64_t>& m, timestamp_us at, int64_t delta) {
  auto [it, inserted] = m.try_emplace(at, 0);
  it->second += delta;
  if (it->second == 0) m.erase(it);
}

} // namespace

std::string_view to_string(cap_op op) noexcept {
  switch (op) {
    case cap_op::reserve: return "reserve";
    case cap_op::hold: return "hold";
    case cap_op::commit: return "commit";
    case cap_op::release: return "release";
    case cap_op::expire: return "expire";
    case cap_op::renew: return "renew";
  }
  return "?";
}

ledger_core::ledger_core(std::vector<cap_rule> rules, int64_t default_lease_us)
  : rules_(std::move(rules)), counters_(rules_.size()), default_lease_us_(default_lease_us) {
  index_rules();
}

void ledger_core::index_rules() {
  by_buyer_.clear();
  by_campaign_.clear();
  by_source_.clear();
  by_pair_.clear();
  for (uint32_t i = 0; i < rules_.size(); ++i) {
    const auto& r = rules_[i];
    switch (r.owner) {
      case cap_owner::buyer: by_buyer_[r.owner_id].push_back(i); break;
      case cap_owner::campaign: by_campaign_[r.owner_id].push_back(i); break;
      case cap_owner::source: by_source_[r.owner_id].push_back(i); break;
      case cap_owner::campaign_buyer: by_pair_[r.owner_id][r.buyer_id].push_back(i); break;
    }
  }
}

namespace {

/// The same cap in two configurations: all but its limit (and label) equal.
bool same_cap(const cap_rule& a, const cap_rule& b) {
  return a.owner == b.owner && a.owner_id == b.owner_id && a.buyer_id == b.buyer_id && a.measure == b.measure &&
         a.rolling == b.rolling && a.window == b.window && a.rolling_us == b.rolling_us && a.stage == b.stage &&
         a.zone.name() == b.zone.name();
}

} // namespace

size_t ledger_core::replace_rules(std::vector<cap_rule> rules) {
  constexpr uint32_t gone = UINT32_MAX;
  std::vector<uint32_t> moved(rules_.size(), gone);
  std::vector<counter> counters(rules.size());
  size_t kept = 0;
  for (uint32_t n = 0; n < rules.size(); ++n)
    for (uint32_t o = 0; o < rules_.size(); ++o)
      if (moved[o] == gone && same_cap(rules_[o], rules[n])) {
        moved[o] = n;
        counters[n] = std::move(counters_[o]);
        ++kept;
        break;
      }
  auto remap = [&](std::vector<member>& members) {
    std::vector<member> out;
    for (auto m : members)
      if (m.rule < moved.size() && moved[m.rule] != gone) {
        m.rule = moved[m.rule];
        out.push_back(m);
      }
    members = std::move(out);
  };
  for (auto& [token, r] : reservations_) remap(r.members);
  for (auto& [id, c] : calls_) remap(c.members);
  rules_ = std::move(rules);
  counters_ = std::move(counters);
  index_rules();
  return kept;
}

// -- which caps apply ------------------------------------------------------------

const std::vector<uint32_t>& ledger_core::buyer_rules(const std::string& campaign_id, const std::string& buyer_id) {
  auto& out = buyer_scratch_;
  out.clear();
  if (auto i = by_buyer_.find(buyer_id); i != by_buyer_.end()) out.assign(i->second.begin(), i->second.end());
  if (auto c = by_pair_.find(campaign_id); c != by_pair_.end()) {
    if (auto i = c->second.find(buyer_id); i != c->second.end())
      out.insert(out.end(), i->second.begin(), i->second.end());
  }
  return out;
}

const std::vector<uint32_t>& ledger_core::call_rules(const std::string& campaign_id, const std::string& source_id) {
  auto& out = call_scratch_;
  out.clear();
  if (auto i = by_campaign_.find(campaign_id); i != by_campaign_.end()) out.assign(i->second.begin(), i->second.end());
  if (auto i = by_source_.find(source_id); i != by_source_.end())
    out.insert(out.end(), i->second.begin(), i->second.end());
  return out;
}

// -- counters --------------------------------------------------------------------

/// Moves a cap's window forward to `now`: a new calendar window starts at zero,
/// a rolling window forgets what fell out of it.
void ledger_core::touch(uint32_t rule, timestamp_us now) {
  const auto& r = rules_[rule];
  auto& c = counters_[rule];
  if (!r.windowed()) return;
  if (!r.rolling) {
    if (now < c.window_end) return;
    auto span = r.zone.window_at(r.window, now);
    c.window_start = span.start;
    c.window_end = span.end;
    c.counted = 0;
    c.reserved = 0;
    return;
  }
  auto cutoff = now - r.rolling_us;
  if (cutoff <= c.rolling_cutoff) return;
  c.rolling_cutoff = cutoff;
  auto prune = [&](std::map<timestamp_us, int64_t>& m, int64_t& sum) {
    auto end = m.upper_bound(cutoff);
    for (auto i = m.begin(); i != end; ++i) sum -= i->second;
    m.erase(m.begin(), end);
  };
  prune(c.rolling_counted, c.counted);
  prune(c.rolling_reserved, c.reserved);
}

bool ledger_core::has_room(uint32_t rule, timestamp_us now, reservation_denial& why) {
  touch(rule, now);
  const auto& r = rules_[rule];
  const auto& c = counters_[rule];
  why.cap = r.label;
  why.limit = r.limit;
  auto window_frees = [&] {
    if (!r.rolling) return c.window_end == never ? timestamp_us{0} : c.window_end;
    timestamp_us first = never;
    if (!c.rolling_counted.empty()) first = c.rolling_counted.begin()->first;
    if (!c.rolling_reserved.empty()) first = std::min(first, c.rolling_reserved.begin()->first);
    return first == never ? timestamp_us{0} : first + r.rolling_us;
  };
  switch (r.measure) {
    case cap_measure::calls:
      why.value = c.counted + c.reserved;
      why.frees_at = window_frees();
      return c.counted + c.reserved + 1 <= r.limit;
    case cap_measure::revenue:
      why.value = c.counted + c.reserved;
      why.frees_at = window_frees();
      return c.counted + c.reserved < r.limit;
    case cap_measure::concurrency:
      why.value = c.live;
      why.frees_at = 0;
      return c.live + 1 <= r.limit;
    case cap_measure::spacing:
      why.value = c.spacing_pending;
      why.limit = r.limit / us_per_s;
      if (c.spacing_pending > 0) {
        why.frees_at = 0;
        return false;
      }
      why.frees_at = c.last_counted == INT64_MIN ? 0 : c.last_counted + r.limit;
      return c.last_counted == INT64_MIN || now >= c.last_counted + r.limit;
  }
  return false;
}

std::vector<ledger_core::member> ledger_core::take(const std::vector<uint32_t>& rules, timestamp_us now,
                                                   count_stage counted) {
  std::vector<member> out;
  out.reserve(rules.size());
  for (auto rule : rules) {
    touch(rule, now);
    const auto& r = rules_[rule];
    auto& c = counters_[rule];
    member m;
    m.rule = rule;
    m.window = r.rolling ? now : c.window_start;
    bool already = counted != count_stage::none && r.stage <= counted;
    switch (r.measure) {
      case cap_measure::calls:
        if (already) {
          m.counted = true;
        } else {
          m.held = 1;
          c.reserved += 1;
          if (r.rolling) add_to(c.rolling_reserved, m.window, 1);
        }
        break;
      case cap_measure::revenue: m.counted = already; break;
      case cap_measure::concurrency: ++c.live; break;
      case cap_measure::spacing:
        if (already)
          m.counted = true;
        else
          ++c.spacing_pending;
        break;
    }
    out.push_back(m);
  }
  return out;
}

/// Whether the member still belongs to the cap's current window.
bool ledger_core::current(const member& m) const {
  const auto& r = rules_[m.rule];
  const auto& c = counters_[m.rule];
  return r.rolling ? m.window > c.rolling_cutoff : m.window == c.window_start;
}

void ledger_core::set_held(member& m, int64_t new_held, timestamp_us) {
  const auto& r = rules_[m.rule];
  auto& c = counters_[m.rule];
  auto delta = new_held - m.held;
  m.held = new_held;
  if (delta == 0 || !current(m)) return;
  c.reserved += delta;
  if (r.rolling) add_to(c.rolling_reserved, m.window, delta);
}

void ledger_core::count(member& m, count_stage stage, int64_t amount, timestamp_us now) {
  const auto& r = rules_[m.rule];
  if (m.counted || r.measure == cap_measure::concurrency || r.stage > stage) return;
  auto& c = counters_[m.rule];
  m.counted = true;
  if (r.measure == cap_measure::spacing) {
    --c.spacing_pending;
    c.last_counted = std::max(c.last_counted, now);
    return;
  }
  auto units = r.measure == cap_measure::calls ? int64_t{1} : amount;
  set_held(m, 0, now);
  if (!current(m)) return;
  c.counted += units;
  if (r.rolling) add_to(c.rolling_counted, m.window, units);
}

void ledger_core::give_back(member& m, timestamp_us now) {
  const auto& r = rules_[m.rule];
  auto& c = counters_[m.rule];
  if (r.measure == cap_measure::concurrency) {
    --c.live;
    return;
  }
  if (m.counted) return;
  if (r.measure == cap_measure::spacing)
    --c.spacing_pending;
  else
    set_held(m, 0, now);
}

bool ledger_core::fits(const member& m, int64_t new_held, timestamp_us now, reservation_denial& why) {
  touch(m.rule, now);
  const auto& r = rules_[m.rule];
  const auto& c = counters_[m.rule];
  if (!current(m)) return true; // its window is over: it no longer counts anywhere live
  auto value = c.counted + c.reserved - m.held + new_held;
  why.cap = r.label;
  why.value = c.counted + c.reserved;
  why.limit = r.limit;
  why.frees_at = r.rolling || c.window_end == never ? 0 : c.window_end;
  return value <= r.limit;
}

int64_t ledger_core::budget_headroom(const std::vector<member>& a, const std::vector<member>& b) const {
  int64_t best = -1;
  auto visit = [&](const std::vector<member>& ms) {
    for (const auto& m : ms) {
      const auto& r = rules_[m.rule];
      if (r.measure != cap_measure::revenue || m.counted) continue;
      const auto& c = counters_[m.rule];
      auto room = std::max<int64_t>(0, r.limit - c.counted - c.reserved + m.held);
      best = best < 0 ? room : std::min(best, room);
    }
  };
  visit(a);
  visit(b);
  return best;
}

// -- operations ------------------------------------------------------------------

void ledger_core::journal(cap_journal_entry entry) {
  entry.seq = next_seq_++;
  journal_.push_back(std::move(entry));
}

std::vector<cap_journal_entry> ledger_core::take_journal() {
  std::vector<cap_journal_entry> out;
  out.swap(journal_);
  return out;
}

uint64_t ledger_core::grant(const reserve_request& request, const std::string& buyer_id, uint64_t token,
                            uint64_t holder, timestamp_us now, timestamp_us lease_until) {
  auto counted = request.mode == reserve_mode::adopt ? request.counted : count_stage::none;
  auto& call = calls_[request.call];
  if (call.tokens == 0) call.members = take(call_rules(request.campaign_id, request.source_id), now, counted);
  ++call.tokens;
  call.token_list.push_back(token);
  auto& r = reservations_[token];
  r.call = request.call;
  r.buyer_id = buyer_id;
  r.holder = holder;
  r.lease_until = lease_until;
  r.reached = counted;
  r.members = take(buyer_rules(request.campaign_id, buyer_id), now, counted);
  if (holder != 0) by_holder_[holder].push_back(token);
  leases_.push(lease{lease_until, token});
  next_token_ = std::max(next_token_, token + 1);
  return token;
}

reserve_reply ledger_core::reserve(const reserve_request& request, uint64_t holder, timestamp_us now) {
  expire_due(now);
  reserve_reply reply;
  reply.call = request.call;
  bool normal = request.mode == reserve_mode::normal;
  auto lease_us = request.lease_ms > 0 ? request.lease_ms * us_per_ms : default_lease_us_;
  auto lease_until = now + lease_us;

  if (normal) {
    auto call = calls_.find(request.call);
    if (call == calls_.end() || call->second.tokens == 0) {
      for (auto rule : call_rules(request.campaign_id, request.source_id)) {
        reservation_denial why;
        if (has_room(rule, now, why)) continue;
        for (const auto& buyer_id : request.buyer_ids) {
          why.buyer_id = buyer_id;
          reply.denied.push_back(why);
          ++denied_total_;
        }
        return reply;
      }
    }
  }
  for (const auto& buyer_id : request.buyer_ids) {
    if (!normal) {
      if (auto existing = find_reservation(request.call, buyer_id); existing != 0) {
        // A restarted call takes back the reservation its crashed actor held.
        renew(existing, holder, lease_until, now, true);
        if (request.counted > reservations_.at(existing).reached) {
          commit_request up{existing, request.counted, 0};
          commit(up, now);
        }
        const auto& r = reservations_.at(existing);
        reply.granted.push_back(
          reservation_grant{buyer_id, existing, budget_headroom(r.members, calls_[request.call].members)});
        continue;
      }
      ++unchecked_adoptions_;
    }
    if (normal) {
      // A round run again by a call adopted after a restart: the reservation
      // the lost round took (orphaned, holder 0) is taken back, not doubled.
      if (auto existing = find_reservation(request.call, buyer_id);
          existing != 0 && reservations_.at(existing).holder == 0) {
        renew(existing, holder, lease_until, now, true);
        const auto& r = reservations_.at(existing);
        reply.granted.push_back(
          reservation_grant{buyer_id, existing, budget_headroom(r.members, calls_[request.call].members)});
        continue;
      }
      bool room = true;
      for (auto rule : buyer_rules(request.campaign_id, buyer_id)) {
        reservation_denial why;
        if (has_room(rule, now, why)) continue;
        why.buyer_id = buyer_id;
        reply.denied.push_back(std::move(why));
        ++denied_total_;
        room = false;
        break;
      }
      if (!room) continue;
    }
    auto token = grant(request, buyer_id, next_token_, holder, now, lease_until);
    const auto& r = reservations_[token];
    reply.granted.push_back(
      reservation_grant{buyer_id, token, budget_headroom(r.members, calls_[request.call].members)});
    cap_journal_entry e;
    e.at = now;
    e.op = cap_op::reserve;
    e.token = token;
    e.call = request.call;
    e.campaign_id = request.campaign_id;
    e.source_id = request.source_id;
    e.buyer_id = buyer_id;
    e.lease_until = lease_until;
    e.stage = request.mode == reserve_mode::adopt ? request.counted : count_stage::none;
    journal(std::move(e));
  }
  return reply;
}

void ledger_core::do_hold(uint64_t token, int64_t amount, timestamp_us now) {
  auto& r = reservations_.at(token);
  for (auto& m : r.members)
    if (rules_[m.rule].measure == cap_measure::revenue && !m.counted) set_held(m, amount, now);
  auto& call = calls_[r.call];
  for (auto& m : call.members)
    if (rules_[m.rule].measure == cap_measure::revenue && !m.counted) set_held(m, std::max(m.held, amount), now);
}

hold_reply ledger_core::hold(const hold_request& request, timestamp_us now) {
  expire_due(now);
  hold_reply reply;
  reply.call = request.call;
  for (const auto& h : request.holds) {
    auto it = reservations_.find(h.token);
    if (it == reservations_.end()) {
      reply.denied.push_back(reservation_denial{"", "unknown reservation", 0, 0, 0});
      continue;
    }
    auto& r = it->second;
    auto& call = calls_[r.call];
    reservation_denial why;
    bool ok = true;
    for (auto& m : r.members) {
      if (rules_[m.rule].measure != cap_measure::revenue || m.counted) continue;
      if (!(ok = fits(m, h.amount_micros, now, why))) break;
    }
    for (auto& m : call.members) {
      if (!ok) break;
      if (rules_[m.rule].measure != cap_measure::revenue || m.counted) continue;
      ok = fits(m, std::max(m.held, h.amount_micros), now, why);
    }
    if (!ok) {
      why.buyer_id = r.buyer_id;
      reply.denied.push_back(std::move(why));
      ++denied_total_;
      continue;
    }
    do_hold(h.token, h.amount_micros, now);
    reply.held.push_back(h.token);
    cap_journal_entry e;
    e.at = now;
    e.op = cap_op::hold;
    e.token = h.token;
    e.amount_micros = h.amount_micros;
    journal(std::move(e));
  }
  return reply;
}

void ledger_core::do_commit(uint64_t token, count_stage stage, int64_t amount, timestamp_us now) {
  auto& r = reservations_.at(token);
  for (auto& m : r.members) count(m, stage, amount, now);
  for (auto& m : calls_[r.call].members) count(m, stage, amount, now);
}

bool ledger_core::commit(const commit_request& request, timestamp_us now) {
  auto it = reservations_.find(request.token);
  if (it == reservations_.end()) return false;
  auto& r = it->second;
  if (request.stage <= r.reached) return true; // idempotent
  if (r.reached == count_stage::none) ++committed_total_;
  r.reached = request.stage;
  do_commit(request.token, request.stage, request.amount_micros, now);
  cap_journal_entry e;
  e.at = now;
  e.op = cap_op::commit;
  e.token = request.token;
  e.stage = request.stage;
  e.amount_micros = request.amount_micros;
  journal(std::move(e));
  return true;
}

void ledger_core::end(std::unordered_map<uint64_t, reservation>::iterator it, timestamp_us now) {
  auto token = it->first;
  auto& r = it->second;
  for (auto& m : r.members) give_back(m, now);
  auto call = calls_.find(r.call);
  if (call != calls_.end()) {
    auto& list = call->second.token_list;
    list.erase(std::remove(list.begin(), list.end(), token), list.end());
  }
  if (call != calls_.end() && --call->second.tokens == 0) {
    for (auto& m : call->second.members) give_back(m, now);
    calls_.erase(call);
  }
  if (auto h = by_holder_.find(r.holder); h != by_holder_.end()) {
    auto& tokens = h->second;
    tokens.erase(std::remove(tokens.begin(), tokens.end(), token), tokens.end());
    if (tokens.empty()) by_holder_.erase(h);
  }
  reservations_.erase(it);
}

bool ledger_core::release(uint64_t token, timestamp_us now) {
  auto it = reservations_.find(token);
  if (it == reservations_.end()) return false;
  end(it, now);
  cap_journal_entry e;
  e.at = now;
  e.op = cap_op::release;
  e.token = token;
  journal(std::move(e));
  return true;
}

size_t ledger_core::release_call(const call_id& call, timestamp_us now) {
  auto c = calls_.find(call);
  if (c == calls_.end()) return 0;
  auto tokens = c->second.token_list; // copy: release() edits it
  size_t n = 0;
  for (auto token : tokens) n += release(token, now) ? 1 : 0;
  return n;
}

size_t ledger_core::release_holder(uint64_t holder, timestamp_us now) {
  auto h = by_holder_.find(holder);
  if (h == by_holder_.end()) return 0;
  auto tokens = h->second; // copy: release() edits the index
  for (auto token : tokens) release(token, now);
  return tokens.size();
}

uint64_t ledger_core::find_reservation(const call_id& call, const std::string& buyer_id) const {
  auto c = calls_.find(call);
  if (c == calls_.end()) return 0;
  for (auto token : c->second.token_list)
    if (reservations_.at(token).buyer_id == buyer_id) return token;
  return 0;
}

void ledger_core::renew(uint64_t token, uint64_t holder, timestamp_us lease_until, timestamp_us now, bool journaled) {
  auto& r = reservations_.at(token);
  if (r.holder != holder) {
    if (auto h = by_holder_.find(r.holder); h != by_holder_.end()) {
      auto& tokens = h->second;
      tokens.erase(std::remove(tokens.begin(), tokens.end(), token), tokens.end());
      if (tokens.empty()) by_holder_.erase(h);
    }
    r.holder = holder;
    if (holder != 0) by_holder_[holder].push_back(token);
  }
  r.lease_until = lease_until;
  leases_.push(lease{lease_until, token});
  if (!journaled) return;
  cap_journal_entry e;
  e.at = now;
  e.op = cap_op::renew;
  e.token = token;
  e.lease_until = lease_until;
  journal(std::move(e));
}

size_t ledger_core::orphan_holder(uint64_t holder, timestamp_us now, int64_t grace_us) {
  auto h = by_holder_.find(holder);
  if (h == by_holder_.end()) return 0;
  auto tokens = h->second; // copy: renew() edits the index
  for (auto token : tokens) {
    auto until = std::min(reservations_.at(token).lease_until, now + grace_us);
    renew(token, 0, until, now, true);
  }
  return tokens.size();
}

size_t ledger_core::orphan_all(timestamp_us now, int64_t grace_us) {
  // Replayed reservations have no holder (0): every open one is the previous
  // process's. Sorted, so the journal is the same from run to run.
  std::vector<uint64_t> tokens;
  tokens.reserve(reservations_.size());
  for (const auto& [token, r] : reservations_) tokens.push_back(token);
  std::sort(tokens.begin(), tokens.end());
  for (auto token : tokens) renew(token, 0, std::min(reservations_.at(token).lease_until, now + grace_us), now, true);
  return tokens.size();
}

size_t ledger_core::expire_due(timestamp_us now) {
  size_t n = 0;
  while (!leases_.empty() && leases_.top().until <= now) {
    auto l = leases_.top();
    leases_.pop();
    auto it = reservations_.find(l.token);
    if (it == reservations_.end() || it->second.lease_until != l.until) continue; // ended already
    end(it, now);
    ++expired_total_;
    ++n;
    cap_journal_entry e;
    e.at = now;
    e.op = cap_op::expire;
    e.token = l.token;
    journal(std::move(e));
  }
  return n;
}

void ledger_core::replay(const cap_journal_entry& e) {
  next_seq_ = std::max(next_seq_, e.seq + 1);
  switch (e.op) {
    case cap_op::reserve: {
      reserve_request req;
      req.call = e.call;
      req.campaign_id = e.campaign_id;
      req.source_id = e.source_id;
      req.mode = e.stage == count_stage::none ? reserve_mode::normal : reserve_mode::adopt;
      req.counted = e.stage;
      grant(req, e.buyer_id, e.token, 0, e.at, e.lease_until);
      return;
    }
    case cap_op::hold:
      if (reservations_.count(e.token)) do_hold(e.token, e.amount_micros, e.at);
      return;
    case cap_op::commit:
      if (auto it = reservations_.find(e.token); it != reservations_.end() && e.stage > it->second.reached) {
        if (it->second.reached == count_stage::none) ++committed_total_;
        it->second.reached = e.stage;
        do_commit(e.token, e.stage, e.amount_micros, e.at);
      }
      return;
    case cap_op::renew:
      if (reservations_.count(e.token)) renew(e.token, 0, e.lease_until, e.at, false);
      return;
    case cap_op::release:
    case cap_op::expire:
      if (auto it = reservations_.find(e.token); it != reservations_.end()) {
        end(it, e.at);
        if (e.op == cap_op::expire) ++expired_total_;
      }
      return;
  }
}

// -- reporting -------------------------------------------------------------------

caps_report ledger_core::report(timestamp_us now) const {
  caps_report out;
  out.at = now;
  for (uint32_t i = 0; i < rules_.size(); ++i) {
    const auto& r = rules_[i];
    const auto& c = counters_[i];
    cap_standing s;
    s.owner = std::string{to_string(r.owner)};
    s.owner_id = r.owner == cap_owner::campaign_buyer ? r.owner_id + "/" + r.buyer_id : r.owner_id;
    s.measure = std::string{to_string(r.measure)};
    s.window = window_text(r);
    s.time_zone = r.zone.name();
    s.counts_on = r.measure == cap_measure::concurrency ? "" : std::string{to_string(r.stage)};
    s.limit = r.measure == cap_measure::spacing ? r.limit / us_per_s : r.limit;
    switch (r.measure) {
      case cap_measure::calls:
      case cap_measure::revenue:
        if (r.rolling) {
          auto cutoff = now - r.rolling_us;
          timestamp_us oldest = never;
          for (auto [at, v] : c.rolling_counted)
            if (at > cutoff) s.counted += v, oldest = std::min(oldest, at);
          for (auto [at, v] : c.rolling_reserved)
            if (at > cutoff) s.reserved += v, oldest = std::min(oldest, at);
          s.window_start = cutoff;
          s.resets_at = oldest == never ? 0 : oldest + r.rolling_us;
        } else {
          auto span = r.zone.window_at(r.window, now);
          if (span.start == c.window_start) {
            s.counted = c.counted;
            s.reserved = c.reserved;
          }
          s.window_start = r.window == window_kind::lifetime ? 0 : span.start;
          s.resets_at = r.window == window_kind::lifetime ? 0 : span.end;
        }
        break;
      case cap_measure::concurrency: s.counted = c.live; break;
      case cap_measure::spacing:
        s.counted = c.last_counted == INT64_MIN ? -1 : (now - c.last_counted) / us_per_s;
        s.reserved = c.spacing_pending;
        s.resets_at = c.last_counted == INT64_MIN ? 0 : c.last_counted + r.limit;
        break;
    }
    out.caps.push_back(std::move(s));
  }
  return out;
}

std::vector<uint64_t> ledger_core::holders() const {
  std::vector<uint64_t> out;
  out.reserve(by_holder_.size());
  for (const auto& [holder, tokens] : by_holder_) out.push_back(holder);
  return out;
}

} // namespace ringbid
