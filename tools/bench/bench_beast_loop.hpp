#pragma once
// The baseline of the auction benchmark: the same pings an auction sends, fired
// by a bare Boost.Beast client loop with nothing else around it. Each lane
// keeps one keep-alive connection per buyer, sends every buyer its ping at
// once, and starts the next round when all have answered.

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

struct beast_loop_options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::vector<std::string> targets; ///< one request path per buyer
  std::string body;                 ///< the ping, the same for every request
  int lanes = 8;                    ///< rounds in flight at once
  uint64_t rounds = 2'000;          ///< in total
};

struct beast_loop_result {
  uint64_t rounds = 0;
  uint64_t failures = 0; ///< exchanges that failed (connection errors, non-200)
  double seconds = 0;
};

beast_loop_result run_beast_loop(const beast_loop_options& options);

} // namespace ringbid
