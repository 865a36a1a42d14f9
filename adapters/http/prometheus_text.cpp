#include "adapters/http/prometheus_text.hpp"

#include <fmt/format.h>

namespace ringbid {

void prometheus_family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void prometheus_sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  if (labels.empty())
    out += fmt::format("{} {}\n", name, value);
  else
    out += fmt::format("{}{{{}}} {}\n", name, labels, value);
}

} // namespace ringbid
