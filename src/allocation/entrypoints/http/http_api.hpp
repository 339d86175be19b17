#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "allocation/adapters/event_stream/server_sent_events.hpp"
#include "allocation/adapters/prometheus_metrics.hpp"
#include "allocation/entrypoints/http/readiness.hpp"
#include "allocation/service_layer/message_bus.hpp"
#include "allocation/service_layer/ports/clock.hpp"
#include "allocation/service_layer/ports/order_lines.hpp"
#include "allocation/service_layer/ports/random_source.hpp"
#include "allocation/service_layer/ports/read_model.hpp"
#include "allocation/service_layer/ports/reservations.hpp"
#include "allocation/service_layer/ports/stock_ledger.hpp"
#include "allocation/service_layer/ports/stock_states.hpp"
#include "allocation/service_layer/ports/warehouses.hpp"

namespace allocation::entrypoints {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 5005;
  // One thread serves one keep-alive connection for as long as it is open (cpp-httplib), so
  // this is also how many clients are served at once.
  int threads = 64;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{10};
  std::chrono::seconds keep_alive_timeout{5};
};

// What the HTTP API turns requests into, and reads from.
struct HttpServices {
  const service_layer::MessageBus& bus;
  service_layer::ReadModel& read_model;
  service_layer::StockStates& stock_states;  // products' and batches' stock
  service_layer::OrderLines& order_lines;
  service_layer::StockLedger& stock_ledger;   // the ledger's movements
  service_layer::Reservations& reservations;  // holds, live and ended
  service_layer::Warehouses& warehouses;      // their priorities
  const service_layer::Clock& clock;          // whether a hold expired
  service_layer::RandomSource& random;        // the ids of requests that come without one
  std::function<void()> check_health;         // throws when the database is down
  adapters::PrometheusMetrics& metrics;
  adapters::ServerSentEvents& events;     // what this process commits, for GET /events
  std::vector<ReadinessCheck> readiness;  // the database's, and the broker's when configured
};

// The HTTP API (SPEC sections 2 and 8): JSON in and out; every error is {"message": ...}.
class HttpApi {
 public:
  // Listens at once, so that a port in use fails before anything else has started (the
  // database, a migration). Throws std::runtime_error, with the system's reason, when it cannot.
  explicit HttpApi(HttpOptions options);
  ~HttpApi();

  // The port listened on: the one asked for, or the one the system chose for port 0.
  int port() const;
  // Serves until stop(); then returns once the requests in flight are answered.
  void serve(HttpServices services);
  // Stops accepting; safe from another thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace allocation::entrypoints
