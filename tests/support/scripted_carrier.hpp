#pragma once
// A carrier for tests that is neither the simulator nor Telnyx, built on the
// carrier port alone: it answers each command at once with the events a
// carrier would send, in a fixed script:
//   answer   -> answered          speak -> speak_ended
//   transfer -> bridged, and the caller hangs up (the talk is over)
//   hangup   -> the caller leg ends (our own hangup)
//   record_stop, or the caller leg's end while recording -> recording_saved
// It keeps every command it was sent, and events can be posted by hand.

#include "actors/ports/carrier_port.hpp"
#include "actors/ports/ports.hpp"
#include "adapters/carrier/carrier_inbox.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace ringbid::test {

class scripted_carrier final : public carrier_port {
public:
  explicit scripted_carrier(std::shared_ptr<const wall_clock> clock,
                            std::chrono::milliseconds hold = std::chrono::milliseconds{0})
    : clock_(std::move(clock)), hold_(hold) {}

  /// A caller dials `to`.
  void place_call(const std::string& carrier_call_id, const std::string& from, const std::string& to) {
    auto ev = event(carrier_call_id, carrier_event_kind::initiated);
    ev.from = from;
    ev.to = to;
    post(std::move(ev));
  }

  /// Any event, as the carrier would send it (dated now).
  void post(carrier_event ev) {
    ev.occurred_at = clock_->now();
    inbox_.post(std::move(ev));
  }

  carrier_event event(const std::string& carrier_call_id, carrier_event_kind kind,
                      call_leg leg = call_leg::caller) const {
    carrier_event ev;
    ev.carrier_call_id = carrier_call_id;
    ev.kind = kind;
    ev.leg = leg;
    return ev;
  }

  std::vector<carrier_command> commands() const {
    std::lock_guard lock{mutex_};
    return commands_;
  }

  void attach(std::shared_ptr<carrier_event_sink> sink) override { inbox_.attach(std::move(sink)); }
  void detach(const carrier_event_sink* sink) override { inbox_.detach(sink); }
  void forwarded(uint64_t ticket) override { inbox_.forwarded(ticket); }

  void send(const carrier_command& cmd) override {
    std::lock_guard lock{mutex_};
    commands_.push_back(cmd);
    const auto& id = cmd.carrier_call_id;
    if (ended_.count(id)) return;
    switch (cmd.kind) {
      case command_kind::answer: post(event(id, carrier_event_kind::answered)); return;
      case command_kind::speak: post(event(id, carrier_event_kind::speak_ended)); return;
      case command_kind::transfer:
        post(event(id, carrier_event_kind::bridged));
        end(id, hangup_source::caller);
        return;
      case command_kind::hangup: end(id, hangup_source::callee); return;
      case command_kind::record_start: recording_.insert(id); return;
      case command_kind::record_stop:
        if (recording_.erase(id)) saved(id);
        return;
      case command_kind::play:
      case command_kind::stop_play: return;
    }
  }

  void stop() override {}
  bool ready() const override { return inbox_.attached(); }
  std::chrono::milliseconds hangup_hold() const override { return hold_; }
  carrier_port_metrics metrics() const override { return carrier_port_metrics{0, inbox_.pending(), inbox_.unkept()}; }

private:
  void end(const std::string& id, hangup_source source) {
    ended_.insert(id);
    auto ev = event(id, carrier_event_kind::hangup);
    ev.cause = hangup_cause::normal_clearing;
    ev.source = source;
    post(std::move(ev));
    if (recording_.erase(id)) saved(id);
  }

  void saved(const std::string& id) {
    auto ev = event(id, carrier_event_kind::recording_saved);
    ev.detail = "https://recordings.example.invalid/" + id + ".mp3";
    post(std::move(ev));
  }

  std::shared_ptr<const wall_clock> clock_;
  std::chrono::milliseconds hold_;
  carrier_inbox inbox_;
  mutable std::mutex mutex_;
  std::vector<carrier_command> commands_;
  std::set<std::string> ended_;
  std::set<std::string> recording_;
};

} // namespace ringbid::test
