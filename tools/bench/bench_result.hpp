#pragma once
// One line of ringbid-bench's table and JSON: a figure and, where one exists,
// the baseline measured in the same run.

#include <string>

namespace ringbid {

struct result_row {
  std::string name;
  double value = 0;
  std::string unit;
  double baseline = 0;
  std::string baseline_name;
  double ratio = 0;
};

} // namespace ringbid
