#pragma once

#include <memory>
#include <string>
#include <vector>

#include "allocation/adapters/prometheus_metrics.hpp"
#include "allocation/entrypoints/http/readiness.hpp"

namespace allocation::entrypoints {

// The worker's HTTP, on --metrics-port: GET /metrics for Prometheus, and GET /health/live and
// /health/ready for an orchestrator's probes; nothing else (404). Listens when constructed (a
// port in use throws std::runtime_error, with the system's reason), serves on a thread of its
// own, and stops when destroyed.
class MetricsServer {
 public:
  MetricsServer(const std::string& host, int port, const adapters::PrometheusMetrics& metrics,
                std::vector<ReadinessCheck> readiness);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The port listened on: the one asked for, or the one the system chose for port 0.
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace allocation::entrypoints
