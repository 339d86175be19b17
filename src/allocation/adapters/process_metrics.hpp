#pragma once

#include "allocation/adapters/prometheus_metrics.hpp"

namespace allocation::adapters {

// The process's own figures under the names every Prometheus client library uses, read from
// /proc at each scrape: process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds and
// process_start_time_seconds.
void add_process_metrics(PrometheusMetrics& metrics);

}  // namespace allocation::adapters
