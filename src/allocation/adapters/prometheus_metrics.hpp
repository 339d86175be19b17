#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace allocation::adapters {

// The service's counters, rendered in the Prometheus text format for GET /metrics.
// Thread-safe: counters are atomics; the per-route table takes a mutex.
class PrometheusMetrics {
 public:
  PrometheusMetrics();

  void count_request(const std::string& route, int status, double seconds);
  void count_allocation() { allocations_.fetch_add(1, std::memory_order_relaxed); }
  void count_out_of_stock() { out_of_stock_.fetch_add(1, std::memory_order_relaxed); }
  void count_conflict_retry() { conflict_retries_.fetch_add(1, std::memory_order_relaxed); }
  void count_event_handler_failure() { handler_failures_.fetch_add(1, std::memory_order_relaxed); }
  void count_notification_failure() {
    notification_failures_.fetch_add(1, std::memory_order_relaxed);
  }
  // A committed event of `kind` (service_layer::kAllEventKinds): allocation_events_total{kind}.
  void count_event(std::string_view kind) {
    events_.at(kind).fetch_add(1, std::memory_order_relaxed);
  }
  // A gauge read at each scrape (e.g. a backlog); called without any lock held.
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  // A counter kept by someone else (e.g. a cache's hits), read at each scrape likewise.
  void add_counter(std::string name, std::string help, std::function<double()> read);
  // A gauge of value 1 whose labels carry facts (e.g. the build's version): name{label="value"}.
  // Label values are escaped as the text format requires.
  void add_info(std::string name, std::string help,
                const std::vector<std::pair<std::string, std::string>>& labels);
  // Gauges kept by someone else, one per value of `label` (name{label="value"}), each read at
  // each scrape.
  void add_gauge_family(std::string name, std::string help, std::string label,
                        std::vector<std::pair<std::string, std::function<double()>>> members);

  std::string render() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  struct Histogram {
    std::array<unsigned long long, kBuckets.size()> counts{};  // not cumulative
    unsigned long long total = 0;
    double sum = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, unsigned long long> requests_;
  std::map<std::string, Histogram> latency_;
  struct Reading {
    std::string type, name, help;
    std::function<double()> read;
  };
  std::vector<Reading> readings_;
  struct Family {
    std::string name, help, label;
    std::vector<std::pair<std::string, std::function<double()>>> members;
  };
  std::vector<Family> gauge_families_;
  std::string infos_;  // rendered once, when added
  std::atomic<unsigned long long> allocations_ = 0, out_of_stock_ = 0, conflict_retries_ = 0,
                                  handler_failures_ = 0, notification_failures_ = 0;
  // One counter per event kind, all made by the constructor: the map is never changed after,
  // so threads look up in it without a lock.
  std::map<std::string_view, std::atomic<unsigned long long>> events_;
};

}  // namespace allocation::adapters
