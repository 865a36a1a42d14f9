#include "tools/bench/bench_ledger.hpp"

#include "actors/ledger_actor.hpp"
#include "adapters/clock/sim_clock.hpp"
#include "adapters/sqlite/sqlite_cap_journal.hpp"
#include "protocol/types.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>

namespace ringbid {
namespace {

constexpr int default_clients = 100;
constexpr int buyers = 200;

const std::vector<std::string>& buyer_names() {
  static const auto names = [] {
    std::vector<std::string> out;
    for (int i = 0; i < buyers; ++i) out.push_back(fmt::format("buyer-{:03}", i));
    return out;
  }();
  return names;
}

/// 200 buyers with daily and concurrency caps (some in New York time), so
/// decisions both grant and deny.
engine_config ledger_config() {
  engine_config cfg;
  for (int i = 0; i < buyers; ++i) {
    buyer_config b;
    b.id = buyer_names()[static_cast<size_t>(i)];
    b.daily_cap = 1'000'000;
    b.concurrency_cap = 3 + i % 5;
    if (i % 3 == 0) b.time_zone = "America/New_York";
    cfg.buyers.push_back(b);
  }
  return cfg;
}

struct discarding_journal final : cap_journal {
  void append(std::vector<cap_journal_entry>) override {}
  void flush() override {}
};

using clock_type = std::chrono::steady_clock;

/// Runs `clients` actors, each asking `cycles` times through `cycle`, and
/// returns requests per second over all of them.
template <class Cycle>
double run_clients(caf::actor_system& sys, uint64_t cycles, Cycle cycle, int clients = default_clients) {
  std::atomic<uint64_t> requests{0};
  caf::scoped_actor self{sys};
  auto start = clock_type::now();
  for (int k = 0; k < clients; ++k) {
    sys.spawn(
      [&, k, cycles](caf::event_based_actor* client, int) -> caf::behavior {
        // The loop lives as long as the behavior that owns it; the closure only
        // points at it, so nothing owns itself.
        auto next = std::make_shared<std::function<void()>>();
        auto* loop = next.get();
        auto done = caf::actor{self};
        *next = [=, &requests, left = cycles]() mutable {
          if (left-- == 0) {
            client->send(done, int32_t{k});
            client->quit();
            return;
          }
          cycle(client, k, left, requests, loop);
        };
        (*next)();
        return {[next](int32_t) {}};
      },
      0);
  }
  for (int k = 0; k < clients; ++k) self->receive([](int32_t) {});
  auto secs = std::chrono::duration<double>(clock_type::now() - start).count();
  return double(requests.load()) / secs;
}

caf::behavior echo_actor(caf::event_based_actor*, int) {
  return {
    [](uint64_t x) { return x; },
    [](const release_request& x) {
      return ledger_ack{x.token, true};
    },
  };
}

/// The echo actor again, with one of the ledger's own message types in and
/// out: what CAF's dispatch of a user-defined type costs, before any ledger work.
double typed_echo_rate(caf::actor_system& sys, uint64_t cycles) {
  auto echo = sys.spawn(echo_actor, 0);
  auto rate = run_clients(sys, cycles,
                          [echo](caf::event_based_actor* c, int, uint64_t left, std::atomic<uint64_t>& requests,
                                 std::function<void()>* next) {
                            auto step = [c, echo, &requests](uint64_t v, auto then) {
                              c->request(echo, std::chrono::seconds{10}, release_request{v})
                                .then(
                                  [&requests, then](const ledger_ack&) {
                                    requests.fetch_add(1, std::memory_order_relaxed);
                                    then();
                                  },
                                  [](caf::error&) {});
                            };
                            step(left, [=] { step(left, [=] { step(left, [=] { (*next)(); }); }); });
                          });
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  return rate;
}

double echo_rate(caf::actor_system& sys, uint64_t cycles) {
  auto echo = sys.spawn(echo_actor, 0);
  // Three requests per cycle, like reserve + commit + release.
  auto rate = run_clients(sys, cycles,
                          [echo](caf::event_based_actor* c, int, uint64_t left, std::atomic<uint64_t>& requests,
                                 std::function<void()>* next) {
                            auto step = [c, echo, &requests](uint64_t v, auto then) {
                              c->request(echo, std::chrono::seconds{10}, v)
                                .then(
                                  [&requests, then](uint64_t) {
                                    requests.fetch_add(1, std::memory_order_relaxed);
                                    then();
                                  },
                                  [](caf::error&) {});
                            };
                            step(left, [=] { step(left, [=] { step(left, [=] { (*next)(); }); }); });
                          });
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  return rate;
}

double ledger_rate(caf::actor_system& sys, uint64_t cycles, std::shared_ptr<cap_journal> journal, uint64_t* denials,
                   int clients = default_clients) {
  auto cfg = std::make_shared<const engine_config>(ledger_config());
  auto ctx = node_context::make(cfg, make_actor_wall_clock(sys, system_now()), 1);
  auto memory = ledger_memory::from_config(*cfg, std::move(journal));
  caf::actor ledger;
  {
    caf::scoped_actor self{sys};
    ledger = spawn_ledger(caf::actor_cast<caf::local_actor*>(self.ptr()), memory, ctx);
  }
  auto rate = run_clients(
    sys, cycles,
    [ledger](caf::event_based_actor* c, int k, uint64_t left, std::atomic<uint64_t>& requests,
             std::function<void()>* next) {
      reserve_request req;
      req.call = uuid{uint64_t(k), left};
      req.campaign_id = "c";
      req.source_id = "s";
      req.buyer_ids.push_back(buyer_names()[(uint64_t(k) * 7919 + left * 104729) % buyers]);
      auto n = [next] { (*next)(); };
      auto timeout = std::chrono::seconds{10};
      c->request(ledger, timeout, std::move(req))
        .then(
          [=, &requests](const reserve_reply& reply) {
            requests.fetch_add(1, std::memory_order_relaxed);
            if (reply.granted.empty()) {
              n();
              return;
            }
            auto token = reply.granted.front().token;
            c->request(ledger, timeout, commit_request{token, count_stage::bridged, 0})
              .then(
                [=, &requests](const ledger_ack&) {
                  requests.fetch_add(1, std::memory_order_relaxed);
                  c->request(ledger, timeout, release_request{token})
                    .then(
                      [=, &requests](const ledger_ack&) {
                        requests.fetch_add(1, std::memory_order_relaxed);
                        n();
                      },
                      [](caf::error&) {});
                },
                [](caf::error&) {});
          },
          [](caf::error&) {});
    },
    clients);
  *denials = memory->core.denied_total();
  caf::anon_send_exit(ledger, caf::exit_reason::user_shutdown);
  return rate;
}

} // namespace

std::vector<result_row> bench_ledger(uint64_t cycles_per_client, const std::string& db) {
  caf::actor_system_config cfg;
  add_protocol_types(cfg);
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  // Alternate the runs and keep medians: on a shared 2-core machine a single
  // run of either side can be off by 20%.
  std::vector<double> echoes, typed_echoes, ledgers;
  uint64_t denied_memory = 0;
  uint64_t denied_sqlite = 0;
  for (int round = 0; round < 3; ++round) {
    echoes.push_back(echo_rate(sys, cycles_per_client));
    typed_echoes.push_back(typed_echo_rate(sys, cycles_per_client));
    ledgers.push_back(ledger_rate(sys, cycles_per_client, std::make_shared<discarding_journal>(), &denied_memory));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto echo = median(echoes);
  auto typed_echo = median(typed_echoes);
  auto in_memory = median(ledgers);
  std::cerr << fmt::format("ledger runs: echo {:.0f}/{:.0f}/{:.0f}, ledger {:.0f}/{:.0f}/{:.0f} req/s\n", echoes[0],
                           echoes[1], echoes[2], ledgers[0], ledgers[1], ledgers[2]);
  sqlite_options options;
  options.path = db;
  options.synchronous_full = true;
  std::string error;
  std::shared_ptr<sqlite_cap_journal> journal = sqlite_cap_journal::open(options, &error, true);
  if (!journal) throw std::runtime_error("cannot open " + db + ": " + error);
  auto start = clock_type::now();
  // Commits wait for their batch to be durable (a few ms), so each client is
  // mostly waiting: ten times the clients, as a node has thousands of live calls.
  auto with_sqlite = ledger_rate(sys, cycles_per_client / 10, journal, &denied_sqlite, default_clients * 10);
  journal->flush();
  auto flushed = double(journal->written()) / std::chrono::duration<double>(clock_type::now() - start).count();
  std::cerr << fmt::format("ledger: {} denials in memory, {} with SQLite; {} journal rows written ({:.0f}/s)\n",
                           denied_memory, denied_sqlite, journal->written(), flushed);
  std::vector<result_row> rows;
  result_row typed;
  typed.name = "echo of a ringbid message type, req/s";
  typed.value = typed_echo;
  typed.unit = "req/s";
  typed.baseline_name = "echo actor request/response/s";
  typed.baseline = echo;
  typed.ratio = typed_echo / echo;
  rows.push_back(typed);
  for (auto [name, value] : {std::pair{"ledger decisions/s (reserve, commit, release)", in_memory},
                             std::pair{"ledger decisions/s, durable SQLite journal", with_sqlite}}) {
    result_row row;
    row.name = name;
    row.value = value;
    row.unit = "req/s";
    row.baseline_name = "echo actor request/response/s";
    row.baseline = echo;
    row.ratio = value / echo;
    rows.push_back(row);
  }
  return rows;
}

} // namespace ringbid
