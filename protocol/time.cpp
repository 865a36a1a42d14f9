#include "protocol/time.hpp"

#include <chrono>
#include <cstdio>

namespace ringbid {

std::string format_iso8601(timestamp_us t) {
  using namespace std::chrono;
  auto us = sys_time<microseconds>{microseconds{t}};
  auto day = floor<days>(us);
  year_month_day ymd{day};
  hh_mm_ss hms{floor<milliseconds>(us - day)};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return buf;
}

} // namespace ringbid
