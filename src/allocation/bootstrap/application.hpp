#pragma once

#include <memory>
#include <stop_token>

#include "allocation/adapters/event_stream/server_sent_events.hpp"
#include "allocation/adapters/prometheus_metrics.hpp"
#include "allocation/bootstrap/broker.hpp"
#include "allocation/bootstrap/settings.hpp"
#include "allocation/service_layer/message_bus.hpp"
#include "allocation/service_layer/ports/clock.hpp"
#include "allocation/service_layer/ports/idempotency_keys.hpp"
#include "allocation/service_layer/ports/order_lines.hpp"
#include "allocation/service_layer/ports/pending_reallocations.hpp"
#include "allocation/service_layer/ports/random_source.hpp"
#include "allocation/service_layer/ports/read_model.hpp"
#include "allocation/service_layer/ports/reservations.hpp"
#include "allocation/service_layer/ports/stock_export.hpp"
#include "allocation/service_layer/ports/stock_ledger.hpp"
#include "allocation/service_layer/ports/stock_states.hpp"
#include "allocation/service_layer/ports/warehouses.hpp"

namespace allocation::adapters::sql {
class Database;
}

namespace allocation::bootstrap {

// The running service, composed from settings: the one place that picks the real adapters.
// Entrypoints (HTTP, command line) take what they need from it.
class Application {
 public:
  // Opens the database and creates or upgrades its schema. Throws std::invalid_argument for
  // bad settings, service_layer::Unavailable for an unreachable database, and
  // adapters::sql::SchemaTooNew.
  explicit Application(const Settings& settings);
  ~Application();

  const service_layer::MessageBus& bus() const { return *bus_; }
  service_layer::ReadModel& read_model() const { return *read_model_; }
  service_layer::OrderLines& order_lines() const { return *order_lines_; }
  // What a process that died left for recovery (MessageBus::recover).
  service_layer::PendingReallocations& pending_reallocations() const {
    return *pending_reallocations_;
  }
  service_layer::UnitsOfWork& units_of_work() const { return *units_of_work_; }
  service_layer::StockLedger& stock_ledger() const { return *stock_ledger_; }
  service_layer::StockExport& stock_export() const { return *stock_export_; }
  service_layer::StockStates& stock_states() const { return *stock_states_; }
  service_layer::Reservations& reservations() const { return *reservations_; }
  service_layer::Warehouses& warehouses() const { return *warehouses_; }
  service_layer::IdempotencyKeys& idempotency_keys() const { return *idempotency_keys_; }
  // What this process commits, for GET /events.
  adapters::ServerSentEvents& events() const { return *events_; }
  const service_layer::Clock& clock() const { return *clock_; }
  service_layer::RandomSource& random() const { return *random_; }
  adapters::PrometheusMetrics& metrics() const { return *metrics_; }
  int schema_version() const { return schema_version_; }
  // The message broker, when one is configured.
  const std::optional<Broker>& broker() const { return broker_; }

  // Publishes the outbox to the broker until `stop`; returns at once without a broker (the
  // messages wait in the outbox until one is configured).
  void relay_outbox(std::stop_token stop) const;

  // Throws service_layer::Unavailable unless the database answers now.
  void check_health() const;
  // Throws std::runtime_error unless the broker, when one is configured, answers now (a new
  // connection is opened and closed).
  void check_broker() const;

 private:
  std::optional<Broker> broker_;
  std::shared_ptr<adapters::sql::Database> database_;
  int schema_version_ = 0;
  std::shared_ptr<adapters::PrometheusMetrics> metrics_;
  std::shared_ptr<service_layer::ReadModel> read_model_;
  std::shared_ptr<service_layer::OrderLines> order_lines_;
  std::shared_ptr<service_layer::PendingReallocations> pending_reallocations_;
  std::shared_ptr<service_layer::StockLedger> stock_ledger_;
  std::shared_ptr<service_layer::StockExport> stock_export_;
  std::shared_ptr<service_layer::StockStates> stock_states_;
  std::shared_ptr<service_layer::Reservations> reservations_;
  std::shared_ptr<service_layer::Warehouses> warehouses_;
  std::shared_ptr<service_layer::IdempotencyKeys> idempotency_keys_;
  std::shared_ptr<adapters::ServerSentEvents> events_;
  // The one clock of the service: the bus's pauses and the ledger's times.
  std::shared_ptr<service_layer::Clock> clock_;
  // The one randomness: the bus's pauses, new hold ids and request ids.
  std::shared_ptr<service_layer::RandomSource> random_;
  std::shared_ptr<service_layer::UnitsOfWork> units_of_work_;
  std::unique_ptr<service_layer::MessageBus> bus_;
};

}  // namespace allocation::bootstrap
