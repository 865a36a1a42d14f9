#pragma once
// The life of a call, as the live board and the lead record name it.

#include <cstdint>
#include <string_view>

namespace ringbid {

enum class call_state : uint8_t {
  greeting, ///< answered (or being answered); greeting speech playing
  hold,     ///< greeting over, hold audio playing, capacity being reserved
  auction,  ///< pings out, or the ranked winners being dialed in turn
  bridged,  ///< caller talking to a buyer
  ending,   ///< ending message, hangup and recording being wrapped up
  done,     ///< final; the lead record is written exactly once
};

constexpr int call_state_count = 6;

std::string_view to_string(call_state s) noexcept;

/// How a call ended, as the lead record reports it.
enum class disposition : uint8_t {
  in_progress,     ///< not ended yet
  bridged,         ///< connected to a buyer
  no_buyer,        ///< no valid bid, or every buyer capped or paused
  buyer_no_answer, ///< winners were dialed, none answered
  abandoned,       ///< the caller hung up before being connected
  unknown_number,  ///< the dialed number is not assigned to a campaign
  failed,          ///< the carrier could not answer or serve the call
  interrupted,     ///< the engine lost the call (crash, shutdown deadline)
  paused,          ///< its campaign was paused: told so (or refused at the carrier), not auctioned
};

/// The last disposition: loops over every disposition go up to it.
constexpr disposition last_disposition = disposition::paused;

std::string_view to_string(disposition d) noexcept;

} // namespace ringbid
