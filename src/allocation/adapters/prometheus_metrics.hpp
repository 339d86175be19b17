#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace allocation::adapters {

// The service's counters, rendered in the Prometheus text format for GET /metrics.
// Thread-safe: counters are atomics; the per-route table takes a mutex.
class PrometheusMetrics {
 public:
  void count_request(const std::string& route, int status, double seconds);
  void count_allocation() { allocations_.fetch_add(1, std::memory_order_relaxed); }
  void count_out_of_stock() { out_of_stock_.fetch_add(1, std::memory_order_relaxed); }
  void count_conflict_retry() { conflict_retries_.fetch_add(1, std::memory_order_relaxed); }
  void count_event_handler_failure() { handler_failures_.fetch_add(1, std::memory_order_relaxed); }
  // A gauge read at each scrape (e.g. a backlog); called without any lock held.
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  // A counter kept by someone else (e.g. a cache's hits), read at each scrape likewise.
  void add_counter(std::string name, std::string help, std::function<double()> read);

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
  std::atomic<unsigned long long> allocations_ = 0, out_of_stock_ = 0, conflict_retries_ = 0,
                                  handler_failures_ = 0;
};

}  // namespace allocation::adapters
