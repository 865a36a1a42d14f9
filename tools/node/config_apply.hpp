#pragma once
// The control plane inside a running node: one worker thread that installs
// every new configuration revision and runs the changes the node's own API
// asks for, one at a time.
//
// A revision reaches the node two ways: a change made here (the API; the
// worker applies it before the change is answered) or one committed by
// another writer on the same database (`ringbid config import`, `ringbid dids
// assign`, another node), which the worker notices by polling the head. To
// install revision N the worker builds its generation (what calls start
// with) and installs it, gives the cap ledger the new caps, starts the
// bidders of new buyers and brings the DID directory (and its Redis cache)
// in line. Live calls keep the generation they started with. Changes that
// need a restart (actors/core/config_reload) are logged, each by pointer.

#include "actors/node_context.hpp"
#include "adapters/config/config_plane.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ringbid {

class sqlite_did_directory;

struct config_apply_parts {
  std::shared_ptr<node_context> ctx;
  caf::actor_system* system = nullptr;
  caf::actor root;                                ///< where the ledger and the bidders are looked up
  std::shared_ptr<sqlite_did_directory> dids;     ///< null: no DID table to keep in line
  std::string redis_url;                          ///< "": no Redis cache to invalidate
  std::string data_dir;                           ///< --data-dir: overrides storage.data_dir of every revision
  std::function<void(const engine_config&)> done; ///< after each install (the dashboard's filters)
};

class config_applier {
public:
  config_applier(std::shared_ptr<config_plane> plane, config_apply_parts parts);
  ~config_applier(); ///< stop()s
  config_applier(const config_applier&) = delete;
  config_applier& operator=(const config_applier&) = delete;

  /// The revision the node starts with (installed by the caller).
  void started_on(int64_t number) { in_force_.store(number); }
  /// Starts the worker: it polls the head every `poll`.
  void start(std::chrono::milliseconds poll);
  /// Stops and joins the worker; queued tasks run first.
  void stop();

  /// Runs `task` on the worker, after every task queued before it. A task
  /// that changes the configuration calls apply_head() before answering.
  void post(std::function<void()> task);
  /// Installs the head if it is newer than the revision in force (on the
  /// worker, or before start()). Returns the revision in force afterwards.
  int64_t apply_head();
  /// The revision new calls start with.
  int64_t in_force() const { return in_force_.load(); }

  config_plane& plane() { return *plane_; }

private:
  void run(std::chrono::milliseconds poll);
  bool install(const config_snapshot& head);

  std::shared_ptr<config_plane> plane_;
  config_apply_parts parts_;
  std::atomic<int64_t> in_force_{0};
  int64_t refused_ = 0; ///< a head that failed to install: not retried until a newer one
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread worker_;
};

} // namespace ringbid
