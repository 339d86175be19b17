#pragma once

#include <memory>

#include "allocation/adapters/in_memory/in_memory_order_lines.hpp"
#include "allocation/adapters/in_memory/in_memory_pending_reallocations.hpp"
#include "allocation/adapters/in_memory/in_memory_read_model.hpp"
#include "allocation/adapters/in_memory/in_memory_reservations.hpp"
#include "allocation/adapters/in_memory/in_memory_store.hpp"
#include "allocation/adapters/in_memory/in_memory_unit_of_work.hpp"
#include "allocation/adapters/in_memory/recording_clock.hpp"
#include "allocation/adapters/in_memory/recording_notifications.hpp"
#include "allocation/adapters/in_memory/recording_publisher.hpp"
#include "allocation/adapters/in_memory/scripted_random.hpp"
#include "allocation/bootstrap/bootstrap.hpp"

namespace allocation::testing {

// The service wired to in-memory adapters, which tests can look into.
struct FakeService {
  // The time of the bus's pauses and of the ledger's movements.
  std::shared_ptr<adapters::RecordingClock> clock = std::make_shared<adapters::RecordingClock>();
  std::shared_ptr<adapters::InMemoryStore> store = std::make_shared<adapters::InMemoryStore>(clock);
  std::shared_ptr<adapters::InMemoryUnitsOfWork> units_of_work =
      std::make_shared<adapters::InMemoryUnitsOfWork>(store);
  std::shared_ptr<adapters::InMemoryReadModel> read_model =
      std::make_shared<adapters::InMemoryReadModel>();
  std::shared_ptr<adapters::RecordingNotifications> notifications =
      std::make_shared<adapters::RecordingNotifications>();
  std::shared_ptr<adapters::RecordingPublisher> publisher =
      std::make_shared<adapters::RecordingPublisher>();
  // A retry's pause is recorded, not slept; each is drawn as 0 unless a test scripts it.
  std::shared_ptr<adapters::ScriptedRandom> random = std::make_shared<adapters::ScriptedRandom>();
  std::shared_ptr<adapters::InMemoryOrderLines> order_lines =
      std::make_shared<adapters::InMemoryOrderLines>(store);
  // What recovery finds left pending (MessageBus::recover).
  std::shared_ptr<adapters::InMemoryPendingReallocations> pending_reallocations =
      std::make_shared<adapters::InMemoryPendingReallocations>(store);
  // Where the sweep (ExpireReservations) finds the products with expired holds.
  std::shared_ptr<adapters::InMemoryReservations> reservations =
      std::make_shared<adapters::InMemoryReservations>(store);

  bootstrap::Adapters adapters() const {
    return {.units_of_work = units_of_work,
            .read_model = read_model,
            .notifications = notifications,
            .publisher = publisher,
            .random = random,
            .clock = clock,
            .order_lines = order_lines,
            .reservations = reservations};
  }

  service_layer::MessageBus bus = bootstrap::make_message_bus(adapters());
};

}  // namespace allocation::testing
