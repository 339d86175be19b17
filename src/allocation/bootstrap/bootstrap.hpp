#pragma once

#include <memory>

#include "allocation/adapters/prometheus_metrics.hpp"
#include "allocation/adapters/real_clock.hpp"
#include "allocation/adapters/thread_local_random.hpp"
#include "allocation/service_layer/message_bus.hpp"
#include "allocation/service_layer/ports/change_feed.hpp"
#include "allocation/service_layer/ports/clock.hpp"
#include "allocation/service_layer/ports/event_publisher.hpp"
#include "allocation/service_layer/ports/notifications.hpp"
#include "allocation/service_layer/ports/order_lines.hpp"
#include "allocation/service_layer/ports/random_source.hpp"
#include "allocation/service_layer/ports/read_model.hpp"
#include "allocation/service_layer/ports/reservations.hpp"

namespace allocation::bootstrap {

// The adapters a bus is built on. The handlers share them, hence shared ownership; each
// adapter is thread-safe on its own.
struct Adapters {
  std::shared_ptr<service_layer::UnitsOfWork> units_of_work;
  // Told of every Allocated and Deallocated event once its change is committed. nullptr when
  // nothing needs telling: the unit of work updates the read model in its own transaction
  // (SQL), and no cache sits in front of it.
  std::shared_ptr<service_layer::ReadModelWriter> read_model;
  std::shared_ptr<service_layer::Notifications> notifications;
  // nullptr when the unit of work keeps a transactional outbox that a relay publishes (SQL):
  // then no event handler publishes.
  std::shared_ptr<service_layer::EventPublisher> publisher;
  // Optional: counts allocations, out-of-stock events, retries and handler failures.
  std::shared_ptr<adapters::PrometheusMetrics> metrics = nullptr;
  // Where the bus's pauses between retries are drawn and waited: the real ones unless a test
  // gives a ScriptedRandom and a RecordingClock (adapters/in_memory/).
  std::shared_ptr<service_layer::RandomSource> random =
      std::make_shared<adapters::ThreadLocalRandom>();
  std::shared_ptr<service_layer::Clock> clock = std::make_shared<adapters::RealClock>();
  // Where CancelOrder finds an order's lines; nullptr: CancelOrder fails (a bus without orders).
  std::shared_ptr<service_layer::OrderLines> order_lines = nullptr;
  // Where the sweep finds the products with expired holds; nullptr: ExpireReservations fails.
  std::shared_ptr<service_layer::Reservations> reservations = nullptr;
  // Told of every event once committed, for live subscribers (GET /events); nullptr: none.
  std::shared_ptr<service_layer::ChangeFeed> change_feed = nullptr;
  // Whether every event is logged at info as a change of stock (adapters/logging/).
  bool log_stock_changes = false;
};

// The composition root: binds every handler to the adapters it needs and returns a ready bus.
// Tests pass in-memory adapters; the service passes the real ones.
service_layer::MessageBus make_message_bus(Adapters adapters,
                                           service_layer::RetryPolicy retry = {});

}  // namespace allocation::bootstrap
