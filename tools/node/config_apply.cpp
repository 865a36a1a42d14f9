#include "tools/node/config_apply.hpp"

#include "actors/core/config_reload.hpp"
#include "adapters/redis/redis_did_cache.hpp"
#include "adapters/sqlite/did_store.hpp"
#include "protocol/node.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace ringbid {

namespace {

constexpr auto peer_timeout = std::chrono::seconds{5};

int64_t live_calls(const node_counters& c) {
  int64_t live = 0;
  for (const auto& n : c.live_by_state) live += n.load();
  return live;
}

} // namespace

config_applier::config_applier(std::shared_ptr<config_plane> plane, config_apply_parts parts)
  : plane_(std::move(plane)), parts_(std::move(parts)) {}

config_applier::~config_applier() { stop(); }

void config_applier::start(std::chrono::milliseconds poll) {
  worker_ = std::thread{[this, poll] { run(poll); }};
}

void config_applier::stop() {
  {
    std::lock_guard guard{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void config_applier::post(std::function<void()> task) {
  {
    std::lock_guard guard{mutex_};
    tasks_.push_back(std::move(task));
  }
  wake_.notify_all();
}

void config_applier::run(std::chrono::milliseconds poll) {
  std::unique_lock lock{mutex_};
  for (;;) {
    wake_.wait_for(lock, poll, [&] { return stopping_ || !tasks_.empty(); });
    while (!tasks_.empty()) {
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
    if (stopping_) return;
    lock.unlock();
    apply_head(); // a revision another writer committed
    lock.lock();
  }
}

int64_t config_applier::apply_head() {
  auto number = plane_->store().head_number();
  if (number <= in_force_.load() || number == refused_) return in_force_.load();
  std::string error;
  auto head = plane_->head(&error);
  if (!head) {
    spdlog::error("config: cannot read revision {}: {}; new calls stay on revision {}", number, error,
                  in_force_.load());
    refused_ = number;
    return in_force_.load();
  }
  if (!install(*head)) refused_ = head->info.number;
  return in_force_.load();
}

bool config_applier::install(const config_snapshot& head) {
  auto started = std::chrono::steady_clock::now();
  auto& ctx = *parts_.ctx;
  auto config = std::make_shared<engine_config>(*head.config);
  if (!parts_.data_dir.empty()) config->storage.data_dir = parts_.data_dir;
  auto was = ctx.current();
  std::shared_ptr<const config_generation> generation;
  try {
    generation = config_generation::make(config, head.info.digest, head.info.number);
  } catch (const std::invalid_argument& e) {
    spdlog::error("config: revision {} does not load: {}; new calls stay on revision {}", head.info.number, e.what(),
                  in_force_.load());
    return false;
  }
  ctx.install(generation);
  // The DID table and its caches follow, for `ringbid dids list`, reports
  // and numbers routed by the directory.
  if (parts_.dids) {
    std::vector<std::string> changed;
    std::string error;
    if (!parts_.dids->store()->sync(*config, &changed, &error))
      spdlog::error("config: revision {}: cannot update the DID table: {}", head.info.number, error);
    parts_.dids->know(*config);
    if (!parts_.dids->reload(&error))
      spdlog::error("config: revision {}: cannot reload the DID directory: {}", head.info.number, error);
    redis_endpoint redis;
    if (!parts_.redis_url.empty() && parse_redis_url(parts_.redis_url, redis, &error))
      for (const auto& number : changed) publish_did_change(redis, number, std::chrono::milliseconds{200}, &error);
  }
  if (parts_.system != nullptr && parts_.root) {
    caf::scoped_actor self{*parts_.system};
    auto ask = [&](peer_kind kind, auto message, auto on_answer) {
      caf::actor peer;
      self->request(parts_.root, peer_timeout, peer_lookup{kind, {}})
        .receive([&](const peer_handle& h) { peer = h.handle; }, [&](caf::error&) {});
      if (!peer) {
        spdlog::error("config: revision {}: the {} is unreachable", head.info.number, to_string(kind));
        return;
      }
      self->request(peer, peer_timeout, message).receive(on_answer, [&](caf::error& err) {
        spdlog::error("config: revision {}: the {} did not take it: {}", head.info.number, to_string(kind),
                      parts_.system->render(err));
      });
    };
    ask(peer_kind::ledger, reload_caps{head.info.number}, [&](const caps_reloaded& r) {
      spdlog::debug("config: revision {}: {} caps in force, {} kept their counts", head.info.number, r.caps, r.kept);
    });
    ask(peer_kind::bidder, grow_children{head.info.number}, [&](const children_grown& g) {
      for (const auto& id : g.started)
        spdlog::info("config: revision {}: bidder of new buyer {} started", head.info.number, id);
    });
  }
  for (const auto& note : review_reload(*ctx.config, *config).needs_restart)
    spdlog::warn("config: revision {}: {} changed ({}): needs a restart; the node keeps the value it started with",
                 head.info.number, note.pointer, note.note);
  if (parts_.done) parts_.done(*config);
  in_force_.store(head.info.number);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("config: revision {} ({}, by {}{}) in force in {:.1f} ms (was {}): new calls use it; {} live calls keep "
               "theirs",
               head.info.number, head.info.digest, head.info.author,
               head.info.reason.empty() ? "" : ": " + head.info.reason, ms,
               was ? std::to_string(was->revision_number()) : "-", live_calls(*ctx.counters));
  return true;
}

} // namespace ringbid
