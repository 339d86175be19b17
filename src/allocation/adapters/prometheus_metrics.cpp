#include "allocation/adapters/prometheus_metrics.hpp"

#include <fmt/format.h>

#include <string_view>

#include "allocation/service_layer/event_kinds.hpp"

namespace allocation::adapters {

PrometheusMetrics::PrometheusMetrics() {
  for (const std::string_view kind : service_layer::kAllEventKinds) events_[kind];
}

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

namespace {

// A label's value in the text format: backslash, double quote and line feed escaped.
std::string escaped_label_value(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

void PrometheusMetrics::add_info(std::string name, std::string help,
                                 const std::vector<std::pair<std::string, std::string>>& labels) {
  std::string rendered = fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0}{{", name, help);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    rendered += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first,
                            escaped_label_value(labels[i].second));
  }
  rendered += "} 1\n";
  std::lock_guard lock(mutex_);
  infos_ += rendered;
}

void PrometheusMetrics::add_gauge_family(
    std::string name, std::string help, std::string label,
    std::vector<std::pair<std::string, std::function<double()>>> members) {
  std::lock_guard lock(mutex_);
  gauge_families_.push_back(
      {std::move(name), std::move(help), std::move(label), std::move(members)});
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
  counter("allocation_notification_failures_total",
          "Notifications (out of stock) that could not be sent.", notification_failures_.load());
  out +=
      "# HELP allocation_events_total Events committed, by kind.\n"
      "# TYPE allocation_events_total counter\n";
  for (const auto& [kind, count] : events_) {
    out += fmt::format("allocation_events_total{{kind=\"{}\"}} {}\n", kind, count.load());
  }

  std::vector<Reading> readings;
  std::vector<Family> families;
  {
    std::lock_guard lock(mutex_);
    readings = readings_;
    families = gauge_families_;
    out += infos_;
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
  for (const auto& family : families) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n", family.name, family.help);
    for (const auto& [value, read] : family.members) {
      out += fmt::format("{}{{{}=\"{}\"}} {}\n", family.name, family.label,
                         escaped_label_value(value), read());
    }
  }
  return out;
}

}  // namespace allocation::adapters
