#include "allocation/adapters/prometheus_metrics.hpp"

#include <fmt/format.h>

namespace allocation::adapters {

void PrometheusMetrics::count_request(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  Histogram& histogram = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++histogram.counts[i];
      break;
    }
  }
  ++histogram.total;
  histogram.sum += seconds;
}

void PrometheusMetrics::add_gauge(std::string name, std::string help,
                                  std::function<double()> read) {
  std::lock_guard lock(mutex_);
  readings_.push_back({"gauge", std::move(name), std::move(help), std::move(read)});
}

void PrometheusMetrics::add_counter(std::string name, std::string help,
                                    std::function<double()> read) {
  std::lock_guard lock(mutex_);
  readings_.push_back({"counter", std::move(name), std::move(help), std::move(read)});
}

std::string PrometheusMetrics::render() const {
  std::string out;
  auto counter = [&](const char* name, const char* help, unsigned long long value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, value);
  };
  counter("allocation_allocations_total", "Order lines allocated to a batch.", allocations_.load());
  counter("allocation_out_of_stock_total", "Allocations that found no stock.",
          out_of_stock_.load());
  counter("allocation_conflict_retries_total",
          "Commands run again after losing an optimistic-concurrency race.",
          conflict_retries_.load());
  counter("allocation_event_handler_failures_total", "Event handlers that failed.",
          handler_failures_.load());

  std::vector<Reading> readings;
  {
    std::lock_guard lock(mutex_);
    readings = readings_;
    out +=
        "# HELP allocation_http_requests_total HTTP requests by route and status.\n"
        "# TYPE allocation_http_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
      out += fmt::format("allocation_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                         key.first, key.second, count);
    }
    out +=
        "# HELP allocation_http_request_duration_seconds HTTP request latency by route.\n"
        "# TYPE allocation_http_request_duration_seconds histogram\n";
    for (const auto& [route, histogram] : latency_) {
      unsigned long long cumulative = 0;
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += histogram.counts[i];
        out += fmt::format(
            "allocation_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route,
            kBuckets[i], cumulative);
      }
      out += fmt::format(
          "allocation_http_request_duration_seconds_bucket{{route=\"{0}\",le=\"+Inf\"}} {1}\n"
          "allocation_http_request_duration_seconds_sum{{route=\"{0}\"}} {2}\n"
          "allocation_http_request_duration_seconds_count{{route=\"{0}\"}} {1}\n",
          route, histogram.total, histogram.sum);
    }
  }
  for (const auto& reading : readings) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", reading.name, reading.help,
                       reading.type, reading.read());
  }
  return out;
}

}  // namespace allocation::adapters
