#pragma once
// Prometheus text exposition: a metric family's HELP and TYPE lines, then its
// samples. Shared by the node's /metrics and the adapters that add to it.

#include <string>
#include <string_view>

namespace ringbid {

void prometheus_family(std::string& out, std::string_view name, std::string_view type, std::string_view help);

/// `labels` without braces, e.g. `outcome="success"`; empty for none.
void prometheus_sample(std::string& out, std::string_view name, std::string_view labels, double value);

} // namespace ringbid
