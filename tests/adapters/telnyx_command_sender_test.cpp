#include "adapters/telnyx/telnyx_command_sender.hpp"

#include "adapters/http/http_server.hpp"
#include "adapters/telnyx/telnyx_codec.hpp"
#include "protocol/ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

// The fake Telnyx API is ringbid's http_server on 127.0.0.1, port 0, with a script
// deciding each reply: at once, later (from a worker thread), or never (held).

namespace ringbid {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

// ---- the fake API -------------------------------------------------------------------------------

struct received {
  std::string call;       ///< call_control_id from the path
  std::string command_id; ///< from the body
  std::string path;
  std::string body;
  std::string content_type;
  std::string accept;
  std::string authorization;
  steady::time_point at;
};

http_response json_reply(int status, std::string body) {
  http_response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

http_response ok_reply() { return json_reply(200, encode_command_ok()); }

http_response error_reply(int status, std::string_view code, std::string_view title) {
  return json_reply(status, encode_command_error(code, title, "scripted by the test"));
}

class fake_telnyx {
public:
  using script = std::function<void(fake_telnyx&, const received&, http_responder)>;

  explicit fake_telnyx(script decide, int io_threads = 1) : decide_(std::move(decide)), server_({}, io_threads) {
    server_.route_prefix("POST", "/v2/calls/",
                         [this](http_request&& r, http_responder respond) { on_request(r, std::move(respond)); });
    auto listening = server_.listen("127.0.0.1", 0);
    EXPECT_TRUE(listening.ok()) << listening.error;
    port_ = listening.port;
    worker_ = std::thread([this] { answer_when_due(); });
  }

  ~fake_telnyx() {
    server_.stop();
    {
      std::lock_guard lock(mutex_);
      quit_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // -- replies, for scripts ---------------------------------------------------------

  void answer(const received& r, const http_responder& respond, http_response response) {
    {
      std::lock_guard lock(mutex_);
      --in_flight_[r.call]; // before the reply: the next request may come right after it
    }
    respond(std::move(response));
  }

  void answer_after(const received& r, http_responder respond, http_response response, ms delay) {
    std::lock_guard lock(mutex_);
    delayed_.emplace(steady::now() + delay, delayed_reply{r, std::move(respond), std::move(response)});
    changed_.notify_all();
  }

  /// Never answers; the responder is dropped when the fake is destroyed.
  void hold(http_responder respond) {
    std::lock_guard lock(mutex_);
    held_.push_back(std::move(respond));
  }

  // -- what the test looks at -------------------------------------------------------

  std::vector<received> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  std::vector<received> requests_for(const std::string& call) {
    auto all = requests();
    std::erase_if(all, [&](const received& r) { return r.call != call; });
    return all;
  }

  size_t count() {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

  bool wait_for_requests(size_t n, ms timeout = 3s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

  /// Requests that arrived while another one of the same call was unanswered.
  int overlaps() {
    std::lock_guard lock(mutex_);
    return overlaps_;
  }

private:
  struct delayed_reply {
    received request;
    http_responder respond;
    http_response response;
  };

  void on_request(const http_request& request, http_responder respond) {
    received r;
    auto parsed = parse_command(request.path, request.body);
    if (parsed.ok()) {
      r.call = parsed.command()->call_control_id;
      r.command_id = parsed.command()->command_id;
    } else {
      ADD_FAILURE() << "not a Telnyx command: " << request.path << " " << request.body;
    }
    r.path = request.path;
    r.body = request.body;
    r.content_type = request.header("Content-Type");
    r.accept = request.header("Accept");
    r.authorization = request.header("Authorization");
    r.at = steady::now();
    {
      std::lock_guard lock(mutex_);
      if (in_flight_[r.call]++ > 0) ++overlaps_;
      requests_.push_back(r);
    }
    changed_.notify_all();
    decide_(*this, r, std::move(respond));
  }

  void answer_when_due() {
    std::unique_lock lock(mutex_);
    while (!quit_) {
      if (delayed_.empty()) {
        changed_.wait(lock);
        continue;
      }
      auto due = delayed_.begin()->first;
      if (steady::now() < due) {
        changed_.wait_until(lock, due);
        continue;
      }
      auto reply = std::move(delayed_.begin()->second);
      delayed_.erase(delayed_.begin());
      lock.unlock();
      answer(reply.request, reply.respond, std::move(reply.response));
      lock.lock();
    }
  }

  script decide_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<received> requests_;
  std::map<std::string, int> in_flight_;
  int overlaps_ = 0;
  std::vector<http_responder> held_;
  std::multimap<steady::time_point, delayed_reply> delayed_;
  bool quit_ = false;
  http_server server_;
  std::uint16_t port_ = 0;
  std::thread worker_;
};

fake_telnyx::script always_ok() {
  return [](fake_telnyx& fake, const received& r, http_responder respond) { fake.answer(r, respond, ok_reply()); };
}

// A port nothing listens on: bound by a server that is stopped again.
std::string refusing_base_url() {
  http_server server;
  auto listening = server.listen("127.0.0.1", 0);
  EXPECT_TRUE(listening.ok()) << listening.error;
  server.stop();
  return "http://127.0.0.1:" + std::to_string(listening.port);
}

// ---- reports and jobs ---------------------------------------------------------------------------

struct report_box {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<telnyx_command_report> got;

  bool wait(size_t n, ms timeout = 3s) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return got.size() >= n; });
  }

  std::vector<telnyx_command_report> all() {
    std::lock_guard lock(mutex);
    return got;
  }

  size_t count() {
    std::lock_guard lock(mutex);
    return got.size();
  }
};

// The box outlives the sender even if a test fails half-way.
telnyx_command_sender::report_fn into(const std::shared_ptr<report_box>& box) {
  return [box](telnyx_command_report r) {
    std::lock_guard lock(box->mutex);
    box->got.push_back(std::move(r));
    box->changed.notify_all();
  };
}

class job_maker {
public:
  telnyx_job make(const std::string& carrier_call_id, command_kind kind = command_kind::speak) {
    carrier_command cmd;
    cmd.call = ids_.next(now_ms_);
    cmd.carrier_call_id = carrier_call_id;
    cmd.kind = kind;
    cmd.command_id = ids_.next(now_ms_);
    cmd.payload = payload_for(kind);
    auto state = encode_client_state(cmd.call.to_string(), call_leg::caller, carrier_call_id);
    return {cmd, encode_command(cmd, state)};
  }

private:
  static std::string payload_for(command_kind kind) {
    switch (kind) {
      case command_kind::speak: return "Thanks for calling";
      case command_kind::play: return "https://media.example.com/hold.mp3";
      case command_kind::transfer: return "+15550100";
      default: return "";
    }
  }

  uuid7_generator ids_{0x5eed};
  int64_t now_ms_ = 1'760'000'000'000;
};

telnyx_api_options fast_options(std::string base_url) {
  telnyx_api_options o;
  o.base_url = std::move(base_url);
  o.api_key = "test-key";
  o.attempt_timeout = 1s; // generous: only the timeout tests want a short one
  o.max_attempts = 4;
  o.backoff_initial = 5ms;
  o.backoff_max = 20ms;
  o.rate_limit_default_wait = 20ms;
  return o;
}

ms gap(const received& earlier, const received& later) { return std::chrono::duration_cast<ms>(later.at - earlier.at); }

std::string id_of(const telnyx_job& job) { return job.command.command_id.to_string(); }

// ---- one command --------------------------------------------------------------------------------

TEST(TelnyxCommandSender, PostsTheCommandWithItsHeadersAndReportsSuccess) {
  fake_telnyx api(always_ok());
  auto box = std::make_shared<report_box>();
  telnyx_command_sender sender(fast_options(api.base_url()), into(box));
  job_maker jobs;
  auto job = jobs.make("call-1");

  sender.submit(job);
  ASSERT_TRUE(box->wait(1));

  auto seen = api.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, "/v2/calls/call-1/actions/speak");
  EXPECT_EQ(seen[0].path, job.request.path);
  EXPECT_EQ(seen[0].body, job.request.body);
  EXPECT_EQ(seen[0].command_id, id_of(job));
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(seen[0].accept, "application/json");
  EXPECT_EQ(seen[0].authorization, "Bearer test-key");

  auto report = box->all().at(0);
  EXPECT_EQ(report.outcome.kind, command_outcome_kind::success);
  EXPECT_EQ(report.command.command_id, job.command.command_id);
  EXPECT_EQ(report.command.carrier_call_id, "call-1");
  EXPECT_EQ(report.attempts, 1);
  EXPECT_EQ(report.http_status, 200);
  EXPECT_GT(report.latency.count(), 0);

  const auto& stats = sender.statistics();
  EXPECT_EQ(stats.submitted.load(), 1u);
  EXPECT_EQ(stats.attempts.load(), 1u);
  EXPECT_EQ(stats.retries.load(), 0u);
  EXPECT_EQ(stats.succeeded.load(), 1u);
  EXPECT_EQ(stats.queued.load(), 0);
  EXPECT_EQ(stats.latency.count(), 1u);
}

TEST(TelnyxCommandSender, Retries5xxWithTheSameBodyAndNoAuthorizationWithoutAKey) {
  fake_telnyx api([](fake_telnyx& fake, const received& r, http_responder respond) {
    bool early = fake.requests_for(r.call).size() <= 2;
    fake.answer(r, respond, early ? error_reply(500, "10007", "Unexpected error") : ok_reply());
  });
  auto box = std::make_shared<report_box>();
  auto options = fast_options(api.base_url());
  options.api_key.clear();
  telnyx_command_sender sender(options, into(box));
  job_maker jobs;
  auto job = jobs.make("call-1");

  sender.submit(job);
  ASSERT_TRUE(box->wait(1));

  auto seen = api.requests();
  ASSERT_EQ(seen.size(), 3u);
  for (const auto& r : seen) {
    EXPECT_EQ(r.body, job.request.body); // byte-identical, so the same command_id
    EXPECT_EQ(r.command_id, id_of(job));
    EXPECT_EQ(r.authorization, "");
  }
  auto report = box->all().at(0);
  EXPECT_EQ(report.outcome.kind, command_outcome_kind::success);
  EXPECT_EQ(report.attempts, 3);
  EXPECT_EQ(sender.statistics().attempts.load(), 3u);
  EXPECT_EQ(sender.statistics().retries.load(), 2u);
  EXPECT_EQ(sender.statistics().succeeded.load(), 1u);
}

TEST(TelnyxCommandSender, RetriesATimeoutWithTheSameCommandId) {
  fake_telnyx api([](fake_telnyx& fake, const received& r, http_responder respond) {
    if (fake.requests_for(r.call).size() == 1)
      fake.hold(std::move(respond)); // the first attempt never gets an answer
    else
      fake.answer(r, respond, ok_reply());
  });
  auto box = std::make_shared<report_box>();
  auto options = fast_options(api.base_url());
  options.attempt_timeout = 100ms;
  telnyx_command_sender sender(options, into(box));
  job_maker jobs;
  auto job = jobs.make("call-1", command_kind::answer);

  sender.submit(job);
  ASSERT_TRUE(box->wait(1));

  auto seen = api.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].command_id, id_of(job));
  EXPECT_EQ(seen[1].command_id, id_of(job));
  EXPECT_EQ(seen[0].body, seen[1].body);
  EXPECT_GE(gap(seen[0], seen[1]), 90ms); // not before the attempt timed out
  auto report = box->all().at(0);
  EXPECT_EQ(report.outcome.kind, command_outcome_kind::success);
  EXPECT_EQ(report.attempts, 2);
  EXPECT_EQ(report.http_status, 200);
}

TEST(TelnyxCommandSender, RefusedConnectionGivesUpAfterMaxAttempts) {
  auto box = std::make_shared<report_box>();
  auto options = fast_options(refusing_base_url());
  options.max_attempts = 3;
  telnyx_command_sender sender(options, into(box));
  job_maker jobs;
  auto job = jobs.make("call-1");

  sender.submit(job);
  ASSERT_TRUE(box->wait(1));
  std::this_thread::sleep_for(100ms); // room for a wrong second report

  auto reports = box->all();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].outcome.kind, command_outcome_kind::retryable);
  EXPECT_EQ(reports[0].attempts, 3);
  EXPECT_EQ(reports[0].http_status, 0);
  EXPECT_NE(reports[0].outcome.detail.find("gave up after 3 attempts"), std::string::npos) << reports[0].outcome.detail;
  EXPECT_NE(reports[0].outcome.detail.find("connect_failed"), std::string::npos) << reports[0].outcome.detail;
  const auto& stats = sender.statistics();
  EXPECT_EQ(stats.attempts.load(), 3u);
  EXPECT_EQ(stats.retries.load(), 2u);
  EXPECT_EQ(stats.failed.load(), 1u);
  EXPECT_EQ(stats.queued.load(), 0);
}

TEST(TelnyxCommandSender, BackoffDoublesUpToItsCap) {
  fake_telnyx api([](fake_telnyx& fake, const received& r, http_responder respond) {
    bool early = fake.requests_for(r.call).size() <= 4;
    fake.answer(r, respond, early ? error_reply(503, "10007", "Unavailable") : ok_reply());
  });
  auto box = std::make_shared<report_box>();
  auto options = fast_options(api.base_url());
  options.max_attempts = 5;
  options.backoff_initial = 30ms;
  options.backoff_max = 70ms; // 30, 60, 70, 70 ms; uncapped the last would be 240 ms
  telnyx_command_sender sender(options, into(box));
  job_maker jobs;

  sender.submit(jobs.make("call-1"));
  ASSERT_TRUE(box->wait(1));

  auto seen = api.requests();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_GE(gap(seen[0], seen[1]), 28ms);
  EXPECT_GE(gap(seen[1], seen[2]), 58ms);
  EXPECT_GE(gap(seen[2], seen[3]), 68ms);
  EXPECT_GE(gap(seen[3], seen[4]), 68ms);
  EXPECT_LT(gap(seen[3], seen[4]), 200ms);
  EXPECT_EQ(box->all().at(0).outcome.kind, command_outcome_kind::success);
  EXPECT_EQ(box->all().at(0).attempts, 5);
}

TEST(TelnyxCommandSender, BadUrlIsRejectedAtOnceAndTheQueueGoesOn) {
  auto box = std::make_shared<report_box>();
  telnyx_command_sender sender(fast_options("ftp://127.0.0.1:1"), into(box));
  job_maker jobs;

  sender.submit(jobs.make("call-1"));
  sender.submit(jobs.make("call-1"));
  ASSERT_TRUE(box->wait(2));

  for (const auto& r : box->all()) {
    EXPECT_EQ(r.outcome.kind, command_outcome_kind::rejected);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_NE(r.outcome.detail.find("bad_url"), std::string::npos) << r.outcome.detail;
  }
  EXPECT_EQ(sender.statistics().rejected.load(), 2u);
  EXPECT_EQ(sender.statistics().retries.load(), 0u);
}

// ---- rate limits ----------------------------------------------------------------------------------

TEST(TelnyxCommandSender, WaitsForRateLimitResetBeforeRetrying) {
  fake_telnyx api([](fake_telnyx& fake, const received& r, http_responder respond) {
    if (fake.requests_for(r.call).size() == 1) {
      auto limited = error_reply(429, "10011", "Too many requests");
      limited.headers.emplace_back("x-ratelimit-reset", "0.2");
      fake.answer(r, respond, std::move(limited));
    } else {
      fake.answer(r, respond, ok_reply());
    }
  });
  auto box = std::make_shared<report_box>();
  telnyx_command_sender sender(fast_options(api.base_url()), into(box));
  job_maker jobs;
  auto job = jobs.make("call-1");

  sender.submit(job);
  ASSERT_TRUE(box->wait(1));

  auto seen = api.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_GE(gap(seen[0], seen[1]), 150ms);
  EXPECT_EQ(seen[0].body, seen[1].body);
  auto report = box->all().at(0);
  EXPECT_EQ(report.outcome.kind, command_outcome_kind::success);
  EXPECT_EQ(report.attempts, 2);
  EXPECT_EQ(sender.statistics().rate_limited.load(), 1u);
  EXPECT_EQ(sender.statistics().retries.load(), 1u);
}

TEST(TelnyxCommandSender, RateLimitWithoutResetWaitsTheDefaultThenGivesUpAsRateLimited) {
  fake_telnyx api([](fake_telnyx& fake, const received& r, http_responder respond) {
    auto limited = error_reply(429, "10011", "Too many requests");
    limited.headers.emplace_back("x-ratelimit-reset", "soon"); // unusable
    fake.answer(r, respond, std::move(limited));
  });
  auto box = std::make_shared<report_box>();
  auto options = fast_options(api.base_url());
  options.max_attempts = 2;
  options.rate_limit_default_wait = 80ms;
  telnyx_command_sender sender(options, into(box));
  job_maker jobs;

  sender.submit(jobs.make("call-1"));
  ASSERT_TRUE(box->wait(1));

  auto seen = api.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_GE(gap(seen[0], seen[1]), 70ms);
  auto report = box->all().at(0);
  EXPECT_EQ(report.outcome.kind, command_outcome_kind::rate_limited);
  EXPECT_EQ(report.attempts, 2);
  EXPECT_EQ(report.http_status, 429);
  EXPECT_NE(report.outcome.detail.find("gave up after 2 attempts"), std::string::npos) << report.outcome.detail;
  EXPECT_EQ(sender.statistics().rate_limited.load(), 2u);
  EXPECT_EQ(sender.statistics().failed.load(), 1u);
}

// ---- refusals -------------------------------------------------------------------------------------

TEST(TelnyxCommandSender, CallEndedDropsTheQueuedCommandsUnsent) {
  fake_telnyx api([](fake_telnyx& fake, const received& r, http_responder respond) {
    fake.answer(r, respond,
                json_reply(422, encode_command_error("90018", "Call has already ended",
                                                     "This call is no longer active and can't receive commands.")));
  });
  auto box = std::make_shared<report_box>();
  telnyx_command_sender sender(fast_options(api.base_url()), into(box));
  job_maker jobs;
  std::vector<telnyx_job> sent{jobs.make("call-1"), jobs.make("call-1", command_kind::play),
                               jobs.make("call-1", command_kind::hangup)};

  for (const auto& job : sent) sender.submit(job);
  ASSERT_TRUE(box->wait(3));
  std::this_thread::sleep_for(50ms); // a wrongly sent queued command would show up by now

  EXPECT_EQ(api.count(), 1u);
  auto reports = box->all();
  ASSERT_EQ(reports.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(reports[i].command.command_id, sent[i].command.command_id);
    EXPECT_EQ(reports[i].outcome.kind, command_outcome_kind::call_ended);
    EXPECT_EQ(reports[i].outcome.code, "90018");
    EXPECT_EQ(reports[i].attempts, i == 0 ? 1 : 0);
    EXPECT_EQ(reports[i].http_status, i == 0 ? 422 : 0);
  }
  EXPECT_EQ(sender.statistics().call_ended.load(), 3u);
  EXPECT_EQ(sender.statistics().attempts.load(), 1u);
  EXPECT_EQ(sender.statistics().queued.load(), 0);
}

TEST(TelnyxCommandSender, OtherRejectionIsReportedAndTheNextCommandStillGoesOut) {
  fake_telnyx api([](fake_telnyx& fake, const received& r, http_responder respond) {
    if (fake.requests_for(r.call).size() == 1)
      fake.answer(r, respond, error_reply(422, "90015", "Invalid Call Control ID"));
    else
      fake.answer(r, respond, ok_reply());
  });
  auto box = std::make_shared<report_box>();
  telnyx_command_sender sender(fast_options(api.base_url()), into(box));
  job_maker jobs;
  auto first = jobs.make("call-1");
  auto second = jobs.make("call-1", command_kind::hangup);

  sender.submit(first);
  sender.submit(second);
  ASSERT_TRUE(box->wait(2));

  auto seen = api.requests();
  ASSERT_EQ(seen.size(), 2u); // a refusal is not retried
  EXPECT_EQ(seen[0].command_id, id_of(first));
  EXPECT_EQ(seen[1].command_id, id_of(second));
  auto reports = box->all();
  EXPECT_EQ(reports[0].outcome.kind, command_outcome_kind::rejected);
  EXPECT_EQ(reports[0].outcome.code, "90015");
  EXPECT_EQ(reports[0].attempts, 1);
  EXPECT_EQ(reports[0].http_status, 422);
  EXPECT_EQ(reports[1].outcome.kind, command_outcome_kind::success);
  EXPECT_EQ(sender.statistics().rejected.load(), 1u);
  EXPECT_EQ(sender.statistics().succeeded.load(), 1u);
}

TEST(TelnyxCommandSender, QueueBeyondItsLimitIsRejectedAtOnce) {
  fake_telnyx api([](fake_telnyx& fake, const received&, http_responder respond) { fake.hold(std::move(respond)); });
  auto box = std::make_shared<report_box>();
  auto options = fast_options(api.base_url());
  options.max_pending_per_call = 3;
  telnyx_command_sender sender(options, into(box));
  job_maker jobs;

  for (int i = 0; i < 3; ++i) sender.submit(jobs.make("call-1"));
  auto extra = jobs.make("call-1");
  sender.submit(extra);
  sender.submit(jobs.make("call-2")); // another call has its own queue

  auto reports = box->all(); // reported before submit() returned
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].command.command_id, extra.command.command_id);
  EXPECT_EQ(reports[0].outcome.kind, command_outcome_kind::rejected);
  EXPECT_EQ(reports[0].outcome.detail, "too many queued commands for this call");
  EXPECT_EQ(reports[0].attempts, 0);
  EXPECT_TRUE(api.wait_for_requests(2));
  EXPECT_EQ(sender.statistics().rejected.load(), 1u);
  EXPECT_EQ(sender.statistics().queued.load(), 4);
}

// ---- ordering and independence --------------------------------------------------------------------

TEST(TelnyxCommandSender, CommandsOfOneCallGoOutOneAtATimeInOrder) {
  std::mutex random_mutex;
  std::mt19937 random(7);
  fake_telnyx api([&](fake_telnyx& fake, const received& r, http_responder respond) {
    int delay_ms = 0;
    {
      std::lock_guard lock(random_mutex);
      delay_ms = std::uniform_int_distribution<int>(0, 4)(random);
    }
    fake.answer_after(r, std::move(respond), ok_reply(), ms{delay_ms});
  });
  auto box = std::make_shared<report_box>();
  telnyx_command_sender sender(fast_options(api.base_url()), into(box));
  job_maker jobs;
  std::vector<telnyx_job> sent;
  for (int i = 0; i < 50; ++i) sent.push_back(jobs.make("call-1", i % 2 ? command_kind::play : command_kind::speak));

  for (const auto& job : sent) sender.submit(job);
  ASSERT_TRUE(box->wait(50, 5s));

  auto seen = api.requests();
  ASSERT_EQ(seen.size(), 50u);
  for (size_t i = 0; i < 50; ++i) EXPECT_EQ(seen[i].command_id, id_of(sent[i])) << "request " << i;
  EXPECT_EQ(api.overlaps(), 0);
  auto reports = box->all();
  for (size_t i = 0; i < 50; ++i) {
    EXPECT_EQ(reports[i].command.command_id, sent[i].command.command_id) << "report " << i;
    EXPECT_EQ(reports[i].outcome.kind, command_outcome_kind::success);
  }
}

TEST(TelnyxCommandSender, AStalledCallDoesNotDelayAnother) {
  fake_telnyx api([](fake_telnyx& fake, const received& r, http_responder respond) {
    if (r.call == "call-A")
      fake.hold(std::move(respond)); // every attempt of A times out
    else
      fake.answer(r, respond, ok_reply());
  });
  auto box = std::make_shared<report_box>();
  auto options = fast_options(api.base_url());
  options.attempt_timeout = 100ms;
  options.max_attempts = 1000;
  telnyx_command_sender sender(options, into(box));
  job_maker jobs;
  auto stalled = jobs.make("call-A");

  sender.submit(stalled);
  sender.submit(jobs.make("call-A"));    // queued behind the stalled one
  ASSERT_TRUE(api.wait_for_requests(2)); // A timed out once and is being retried
  for (int i = 0; i < 20; ++i) sender.submit(jobs.make("call-B"));
  ASSERT_TRUE(box->wait(20, 1s));

  auto reports = box->all();
  ASSERT_EQ(reports.size(), 20u);
  for (const auto& r : reports) {
    EXPECT_EQ(r.command.carrier_call_id, "call-B");
    EXPECT_EQ(r.outcome.kind, command_outcome_kind::success);
  }
  EXPECT_EQ(api.requests_for("call-B").size(), 20u);
  for (const auto& r : api.requests_for("call-A")) EXPECT_EQ(r.command_id, id_of(stalled));

  sender.stop();
  reports = box->all();
  ASSERT_EQ(reports.size(), 22u);
  EXPECT_EQ(reports[20].command.command_id, stalled.command.command_id);
  EXPECT_EQ(reports[20].outcome.detail, "sender stopped");
}

// ---- stop -----------------------------------------------------------------------------------------

TEST(TelnyxCommandSender, StopReportsEveryJobOnceAndLaterSubmitsAtOnce) {
  fake_telnyx api([](fake_telnyx& fake, const received& r, http_responder respond) {
    if (r.call == "call-C")
      fake.answer(r, respond, error_reply(500, "10007", "Unexpected error"));
    else
      fake.hold(std::move(respond));
  });
  auto box = std::make_shared<report_box>();
  auto options = fast_options(api.base_url());
  options.attempt_timeout = 5s;
  options.backoff_initial = 5s; // C waits on its retry timer when stop() comes
  options.backoff_max = 5s;
  telnyx_command_sender sender(options, into(box));
  job_maker jobs;
  std::set<std::string> submitted;
  for (const auto* call : {"call-A", "call-A", "call-A", "call-B", "call-C"}) {
    auto job = jobs.make(call);
    submitted.insert(id_of(job));
    sender.submit(std::move(job));
  }
  ASSERT_TRUE(api.wait_for_requests(3));
  std::this_thread::sleep_for(50ms); // C's 500 reaches the sender

  auto started = steady::now();
  sender.stop();
  EXPECT_LT(steady::now() - started, 2s); // no waiting for timers or timeouts

  auto reports = box->all();
  ASSERT_EQ(reports.size(), 5u);
  std::set<std::string> reported;
  for (const auto& r : reports) {
    reported.insert(r.command.command_id.to_string());
    EXPECT_EQ(r.outcome.detail, "sender stopped");
    EXPECT_EQ(r.outcome.kind, command_outcome_kind::retryable);
  }
  EXPECT_EQ(reported, submitted); // each once

  auto late = jobs.make("call-A");
  sender.submit(late);
  reports = box->all(); // reported before submit() returned
  ASSERT_EQ(reports.size(), 6u);
  EXPECT_EQ(reports[5].command.command_id, late.command.command_id);
  EXPECT_EQ(reports[5].outcome.detail, "sender stopped");

  sender.stop(); // idempotent
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(box->count(), 6u);
  const auto& stats = sender.statistics();
  EXPECT_EQ(stats.submitted.load(), 6u);
  EXPECT_EQ(stats.failed.load(), 6u);
  EXPECT_EQ(stats.queued.load(), 0);
  EXPECT_EQ(api.count(), 3u);
}

TEST(TelnyxCommandSender, ReportCallbackMaySubmit) {
  fake_telnyx api(always_ok());
  auto box = std::make_shared<report_box>();
  job_maker jobs;
  std::mutex jobs_mutex;
  telnyx_command_sender* self = nullptr;
  telnyx_command_sender sender(fast_options(api.base_url()), [&, box](telnyx_command_report r) {
    bool more = false;
    {
      std::lock_guard lock(box->mutex);
      box->got.push_back(std::move(r));
      more = box->got.size() < 10;
      box->changed.notify_all();
    }
    if (!more) return;
    std::lock_guard lock(jobs_mutex);
    self->submit(jobs.make("call-1"));
  });
  self = &sender;

  {
    std::lock_guard lock(jobs_mutex);
    sender.submit(jobs.make("call-1"));
  }
  ASSERT_TRUE(box->wait(10));
  sender.stop();
  EXPECT_EQ(box->count(), 10u);
  EXPECT_EQ(sender.statistics().succeeded.load(), 10u);
}

// ---- load -----------------------------------------------------------------------------------------

TEST(TelnyxCommandSender, ManyCallsConcurrentlyKeepEachCallsOrder) {
  constexpr int calls = 200;
  constexpr int per_call = 5;
  fake_telnyx api(always_ok(), 2);
  auto box = std::make_shared<report_box>();
  auto options = fast_options(api.base_url());
  options.attempt_timeout = 3s;
  options.io_threads = 2;
  telnyx_command_sender sender(options, into(box));
  job_maker jobs;
  std::map<std::string, std::vector<std::string>> expected;

  for (int n = 0; n < per_call; ++n)
    for (int c = 0; c < calls; ++c) {
      auto job = jobs.make("call-" + std::to_string(c), n == 0 ? command_kind::answer : command_kind::speak);
      expected[job.command.carrier_call_id].push_back(id_of(job));
      sender.submit(std::move(job));
    }
  ASSERT_TRUE(box->wait(calls * per_call, 8s)) << box->count() << " reports";

  std::map<std::string, std::vector<std::string>> on_wire;
  for (const auto& r : api.requests()) on_wire[r.call].push_back(r.command_id);
  EXPECT_EQ(on_wire, expected);
  EXPECT_EQ(api.overlaps(), 0);
  std::map<std::string, std::vector<std::string>> in_reports;
  for (const auto& r : box->all()) {
    EXPECT_EQ(r.outcome.kind, command_outcome_kind::success);
    in_reports[r.command.carrier_call_id].push_back(r.command.command_id.to_string());
  }
  EXPECT_EQ(in_reports, expected);
  const auto& stats = sender.statistics();
  EXPECT_EQ(stats.submitted.load(), uint64_t{calls * per_call});
  EXPECT_EQ(stats.succeeded.load(), stats.submitted.load());
  EXPECT_EQ(stats.attempts.load(), stats.submitted.load());
  EXPECT_EQ(stats.retries.load(), 0u);
  EXPECT_EQ(stats.queued.load(), 0);
  EXPECT_EQ(stats.latency.count(), stats.submitted.load());
}

} // namespace
} // namespace ringbid
