// The Telnyx command sender: one FIFO per call, whose head alone is in flight
// (or waiting for its retry timer); an http_client does the requests and an
// io_context of our own runs the retry timers and every decision.
//
// Threading. All state sits behind one mutex. A decision is taken under it and
// returns `effects` (reports to make, requests to send, timers to arm) that run
// once it is released, so on_report never runs under the mutex and may call
// submit(). Reports go out before the next request of the call is sent: the
// reports of one call are therefore made one after the other, in order.
// The client's callbacks only post the response to our io_context, so user code
// (on_report) never runs on the client's io threads.
//
// Lifetimes. Callbacks and timer handlers hold a weak_ptr to the impl. stop()
// takes every job out of the state first (so each is reported exactly once,
// by stop() or by the io thread that took it earlier), then stops the client and
// joins our threads; anything arriving later finds no job and does nothing.

#include "adapters/telnyx/telnyx_command_sender.hpp"

#include "adapters/http/http_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <deque>
#include <exception>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ringbid {

namespace {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;
using std::chrono::microseconds;

constexpr std::string_view stopped_detail = "sender stopped";
constexpr std::string_view queue_full_detail = "too many queued commands for this call";

// One submitted job and its progress.
struct pending_job {
  telnyx_job job;
  uint64_t serial = 0; ///< tells a late callback for an earlier head from the current one
  steady::time_point submitted;
  int attempts = 0;
};

// The commands of one call; the front one is in flight or waiting to be retried.
struct call_queue {
  std::deque<pending_job> jobs;
};

using call_map = std::unordered_map<std::string, call_queue>;

struct outgoing_request {
  std::string call_key;
  uint64_t serial = 0;
  http_client_request request;
};

struct retry_timer {
  std::string call_key;
  uint64_t serial = 0;
  microseconds delay{0};
};

// What a decision taken under the mutex leaves to do once it is released.
struct effects {
  std::vector<telnyx_command_report> reports;
  std::vector<outgoing_request> requests;
  std::vector<retry_timer> retries;
};

microseconds since(steady::time_point start) { return std::chrono::duration_cast<microseconds>(steady::now() - start); }

command_outcome outcome_of(command_outcome_kind kind, std::string detail) {
  command_outcome out;
  out.kind = kind;
  out.detail = std::move(detail);
  return out;
}

telnyx_command_report report_of(pending_job& p, command_outcome outcome, int http_status) {
  telnyx_command_report r;
  r.command = std::move(p.job.command);
  r.outcome = std::move(outcome);
  r.attempts = p.attempts;
  r.http_status = http_status;
  r.latency = since(p.submitted);
  return r;
}

// bad_url and bad_request: nothing was sent and nothing would change on a retry.
bool permanent(http_client_error e) { return e == http_client_error::bad_url || e == http_client_error::bad_request; }

std::string describe(const http_client_response& r) {
  std::string text{to_string(r.error)};
  if (!r.error_detail.empty()) text += ": " + r.error_detail;
  return text;
}

} // namespace

struct telnyx_command_sender::impl : std::enable_shared_from_this<impl> {
  impl(telnyx_api_options opts, report_fn report)
    : options(std::move(opts)), on_report(std::move(report)), io(std::max(1, options.io_threads)),
      work(asio::make_work_guard(io)), jitter(std::random_device{}()) {
    http_client_options client_options;
    client_options.io_threads = 1;
    client_options.max_connections_per_host = options.max_connections;
    client_options.max_queued_per_host = 65536;
    client_options.verify_tls = options.verify_tls;
    client_options.ca_file = options.ca_file;
    client = std::make_unique<http_client>(std::move(client_options));
  }

  void start() {
    for (int i = 0; i < std::max(1, options.io_threads); ++i) threads.emplace_back([this] { io.run(); });
  }

  // -- entry points ----------------------------------------------------------

  void submit(telnyx_job job) {
    ++stats.submitted;
    ++stats.queued;
    pending_job p{std::move(job), 0, steady::now(), 0};
    effects fx;
    {
      std::lock_guard lock(mutex);
      if (stopped) {
        fx.reports.push_back(report_of(p, outcome_of(command_outcome_kind::retryable, std::string{stopped_detail}), 0));
      } else if (depth_of(p.job.command.carrier_call_id) >= options.max_pending_per_call) {
        fx.reports.push_back(
          report_of(p, outcome_of(command_outcome_kind::rejected, std::string{queue_full_detail}), 0));
      } else {
        enqueue(std::move(p), fx);
      }
    }
    apply(std::move(fx));
  }

  void stop() {
    std::lock_guard serialize(stop_mutex);
    if (joined) return;
    if (on_own_thread()) throw std::logic_error("telnyx_command_sender::stop from inside on_report");
    std::vector<pending_job> orphans;
    {
      std::lock_guard lock(mutex);
      stopped = true;
      for (auto& [key, queue] : calls)
        for (auto& p : queue.jobs) orphans.push_back(std::move(p));
      calls.clear();
    }
    client->stop(); // its callbacks (client_stopped) find no job any more
    work.reset();
    io.stop();
    for (auto& t : threads) t.join();
    joined = true;
    for (auto& p : orphans)
      deliver(report_of(p, outcome_of(command_outcome_kind::retryable, std::string{stopped_detail}), 0));
  }

  // -- io thread events --------------------------------------------------------

  void on_response(const std::string& key, uint64_t serial, http_client_response response) {
    effects fx;
    {
      std::lock_guard lock(mutex);
      auto call = find_head(key, serial);
      if (call == calls.end()) return; // stop() took it
      settle(call, response, fx);
    }
    apply(std::move(fx));
  }

  void on_retry_due(const std::string& key, uint64_t serial) {
    effects fx;
    {
      std::lock_guard lock(mutex);
      auto call = find_head(key, serial);
      if (call == calls.end()) return;
      fx.requests.push_back(begin_attempt(key, call->second.jobs.front()));
    }
    apply(std::move(fx));
  }

  // -- decisions, under the mutex ----------------------------------------------

  size_t depth_of(const std::string& key) const {
    auto call = calls.find(key);
    return call == calls.end() ? 0 : call->second.jobs.size();
  }

  void enqueue(pending_job p, effects& fx) {
    p.serial = next_serial++;
    auto key = p.job.command.carrier_call_id;
    auto& queue = calls[key];
    queue.jobs.push_back(std::move(p));
    if (queue.jobs.size() == 1) fx.requests.push_back(begin_attempt(key, queue.jobs.front()));
  }

  call_map::iterator find_head(const std::string& key, uint64_t serial) {
    auto call = calls.find(key);
    if (call == calls.end() || call->second.jobs.front().serial != serial) return calls.end();
    return call;
  }

  outgoing_request begin_attempt(const std::string& key, pending_job& p) {
    ++p.attempts;
    ++stats.attempts;
    if (p.attempts > 1) ++stats.retries;
    http_client_request request;
    request.method = "POST";
    request.url = options.base_url + p.job.request.path;
    request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    if (!options.api_key.empty()) request.headers.emplace_back("Authorization", "Bearer " + options.api_key);
    request.body = p.job.request.body; // the same bytes, hence the same command_id, every time
    request.timeout = options.attempt_timeout;
    return {key, p.serial, std::move(request)};
  }

  void settle(call_map::iterator call, const http_client_response& response, effects& fx) {
    if (!response.ok()) {
      if (response.error == http_client_error::client_stopped) return; // stop() reports it
      if (permanent(response.error)) {
        finish_head(call, outcome_of(command_outcome_kind::rejected, describe(response)), 0, fx);
      } else {
        auto outcome = outcome_of(command_outcome_kind::retryable, describe(response));
        retry_or_give_up(call, std::move(outcome), 0, backoff(call->second.jobs.front().attempts), fx);
      }
      return;
    }
    auto outcome = parse_command_error(response.status, response.body);
    switch (outcome.kind) {
      case command_outcome_kind::success:
      case command_outcome_kind::rejected: finish_head(call, std::move(outcome), response.status, fx); return;
      case command_outcome_kind::call_ended: end_call(call, std::move(outcome), response.status, fx); return;
      case command_outcome_kind::retryable: {
        auto delay = backoff(call->second.jobs.front().attempts);
        retry_or_give_up(call, std::move(outcome), response.status, delay, fx);
        return;
      }
      case command_outcome_kind::rate_limited:
        ++stats.rate_limited;
        retry_or_give_up(call, std::move(outcome), response.status,
                         rate_limit_wait(response.header("x-ratelimit-reset")), fx);
        return;
    }
  }

  // Reports the head and starts the next command of the call, if any.
  void finish_head(call_map::iterator call, command_outcome outcome, int http_status, effects& fx) {
    auto& jobs = call->second.jobs;
    fx.reports.push_back(report_of(jobs.front(), std::move(outcome), http_status));
    jobs.pop_front();
    if (jobs.empty())
      calls.erase(call); // bounded memory: a call without commands costs nothing
    else
      fx.requests.push_back(begin_attempt(call->first, jobs.front()));
  }

  // 90018: the leg is gone, so is every command still queued for it.
  void end_call(call_map::iterator call, command_outcome outcome, int http_status, effects& fx) {
    auto& jobs = call->second.jobs;
    fx.reports.push_back(report_of(jobs.front(), outcome, http_status));
    for (size_t i = 1; i < jobs.size(); ++i) fx.reports.push_back(report_of(jobs[i], outcome, 0));
    calls.erase(call);
  }

  void retry_or_give_up(call_map::iterator call, command_outcome outcome, int http_status, microseconds delay,
                        effects& fx) {
    auto& head = call->second.jobs.front();
    if (head.attempts >= options.max_attempts) {
      outcome.detail = "gave up after " + std::to_string(head.attempts) + " attempts: " + outcome.detail;
      finish_head(call, std::move(outcome), http_status, fx);
      return;
    }
    fx.retries.push_back({call->first, head.serial, delay});
  }

  // backoff_initial before the 2nd attempt, doubling, capped; up to 1/8 more at
  // random so that calls failing together do not retry in lockstep.
  microseconds backoff(int attempts_made) {
    microseconds cap = options.backoff_max;
    microseconds delay = options.backoff_initial;
    for (int i = 1; i < attempts_made && delay < cap; ++i) delay *= 2;
    delay = std::min(delay, cap);
    if (delay.count() >= 8) {
      std::uniform_int_distribution<int64_t> extra(0, delay.count() / 8);
      delay += microseconds{extra(jitter)};
    }
    return std::min(delay, cap);
  }

  microseconds rate_limit_wait(std::string_view reset_header) const {
    auto reset = parse_ratelimit_reset(reset_header);
    if (!reset) return options.rate_limit_default_wait;
    return std::min(std::chrono::duration_cast<microseconds>(*reset), microseconds{options.rate_limit_max_wait});
  }

  // -- effects, without the mutex ----------------------------------------------

  void apply(effects fx) {
    for (auto& r : fx.reports) deliver(std::move(r));
    for (auto& r : fx.requests) send(std::move(r));
    for (auto& r : fx.retries) arm(std::move(r));
  }

  void deliver(telnyx_command_report report) {
    switch (report.outcome.kind) {
      case command_outcome_kind::success: ++stats.succeeded; break;
      case command_outcome_kind::call_ended: ++stats.call_ended; break;
      case command_outcome_kind::rejected: ++stats.rejected; break;
      case command_outcome_kind::retryable:
      case command_outcome_kind::rate_limited: ++stats.failed; break;
    }
    stats.latency.record(report.latency);
    --stats.queued;
    if (!on_report) return;
    try {
      on_report(std::move(report));
    } catch (...) { // an io thread must go on; the callback is documented not to throw
    }
  }

  void send(outgoing_request out) {
    auto done = [weak = weak_from_this(), key = std::move(out.call_key),
                 serial = out.serial](http_client_response response) mutable {
      auto self = weak.lock();
      if (!self) return;
      // Hand over to our io threads: on_report must not run on the client's.
      asio::post(self->io,
                 [weak = std::move(weak), key = std::move(key), serial, response = std::move(response)]() mutable {
                   if (auto me = weak.lock()) me->on_response(key, serial, std::move(response));
                 });
    };
    client->send(std::move(out.request), std::move(done));
  }

  void arm(retry_timer r) {
    auto timer = std::make_shared<asio::steady_timer>(io, r.delay);
    timer->async_wait([weak = weak_from_this(), timer, key = std::move(r.call_key),
                       serial = r.serial](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->on_retry_due(key, serial);
    });
  }

  bool on_own_thread() const {
    auto me = std::this_thread::get_id();
    return std::any_of(threads.begin(), threads.end(), [me](const std::thread& t) { return t.get_id() == me; });
  }

  // -- members -------------------------------------------------------------------

  const telnyx_api_options options;
  const report_fn on_report;
  telnyx_sender_stats stats;

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::unique_ptr<http_client> client;
  std::vector<std::thread> threads;

  std::mutex stop_mutex; ///< serializes stop() calls
  bool joined = false;   ///< under stop_mutex

  std::mutex mutex; ///< guards what follows
  bool stopped = false;
  uint64_t next_serial = 1;
  call_map calls;
  std::minstd_rand jitter;
};

telnyx_command_sender::telnyx_command_sender(telnyx_api_options options, report_fn on_report)
  : impl_(std::make_shared<impl>(std::move(options), std::move(on_report))) {
  impl_->start();
}

telnyx_command_sender::~telnyx_command_sender() { stop(); }

void telnyx_command_sender::submit(telnyx_job job) { impl_->submit(std::move(job)); }

void telnyx_command_sender::stop() { impl_->stop(); }

const telnyx_sender_stats& telnyx_command_sender::statistics() const noexcept { return impl_->stats; }

} // namespace ringbid
