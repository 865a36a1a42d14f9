#include "tools/node/config_reload.hpp"

#include "actors/core/config_reload.hpp"
#include "adapters/config/config_json.hpp"

#include <spdlog/spdlog.h>

#include <cstdint>
#include <stdexcept>

namespace ringbid {

namespace {

int64_t live_calls(const node_counters& c) {
  int64_t live = 0;
  for (const auto& n : c.live_by_state) live += n.load();
  return live;
}

} // namespace

std::string reload_config(node_context& ctx, const config_source& source) {
  auto running = ctx.current();
  const auto& rev = running->revision();
  auto loaded = load_config_file(source.path);
  if (!loaded.ok()) {
    spdlog::error("config reload: {} rev {} is invalid ({} errors); still on rev {}", source.path,
                  loaded.revision.empty() ? "-" : loaded.revision, loaded.errors.size(), rev);
    for (const auto& e : loaded.errors)
      spdlog::error("config reload: invalid {}: {}", e.pointer.empty() ? "(document)" : e.pointer, e.message);
    return rev;
  }
  auto next = std::make_shared<engine_config>(std::move(*loaded.config));
  if (!source.data_dir.empty()) next->storage.data_dir = source.data_dir;
  if (loaded.revision == rev) {
    spdlog::info("config reload: {} rev {} unchanged", source.path, rev);
    return rev;
  }
  auto review = review_reload(*ctx.config, *next);
  if (!review.refused.empty()) {
    spdlog::error("config reload: {} rev {} refused; still on rev {}", source.path, loaded.revision, rev);
    for (const auto& r : review.refused) spdlog::error("config reload: refused {}: {}", r.pointer, r.note);
    return rev;
  }
  std::shared_ptr<const config_generation> generation;
  try {
    generation = config_generation::make(next, loaded.revision);
  } catch (const std::invalid_argument& e) {
    spdlog::error("config reload: {} rev {} is invalid: {}; still on rev {}", source.path, loaded.revision, e.what(),
                  rev);
    return rev;
  }
  ctx.install(generation);
  spdlog::info("config {} rev {} installed (was rev {}): new calls use it; {} live calls keep theirs", source.path,
               loaded.revision, rev, live_calls(*ctx.counters));
  for (const auto& r : review.needs_restart)
    spdlog::warn("config reload: {} changed ({}): needs a restart; the node keeps the value it started with", r.pointer,
                 r.note);
  return loaded.revision;
}

} // namespace ringbid
