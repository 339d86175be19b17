#include "allocation/bootstrap/bootstrap.hpp"

#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>

#include "allocation/adapters/logging/stock_change_log.hpp"
#include "allocation/service_layer/event_kinds.hpp"
#include "allocation/service_layer/handlers.hpp"

namespace allocation::bootstrap {

using namespace allocation::domain;
namespace handlers = allocation::service_layer::handlers;

namespace {

// Registers `handler`, a side effect taking any event, for every event of domain::Event.
template <class Handler>
void on_every_event(service_layer::EventHandlers& events, const std::string& name,
                    const Handler& handler) {
  [&]<class... Es>(std::type_identity<std::variant<Es...>>) {
    (events.on<Es>(name, handler), ...);
  }(std::type_identity<domain::Event>{});
}

// A hold id for a Reserve that gives none: "r-" and 16 hex digits drawn from `random`.
std::string new_hold_id(service_layer::RandomSource& random) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "r-";
  for (int i = 0; i < 16; ++i) id += kHex[random.uniform(0, 15)];
  return id;
}

}  // namespace

service_layer::MessageBus make_message_bus(Adapters adapters, service_layer::RetryPolicy retry) {
  const auto cancel_order = [order_lines = adapters.order_lines](
                                const commands::CancelOrder& command,
                                const service_layer::MessageBus& bus) {
    if (!order_lines) throw std::logic_error("this bus was built without the orders' lines");
    return handlers::cancel_order(command, *order_lines, [&bus](const commands::Deallocate& line) {
      return bus.handle(line);
    });
  };
  // Handlers that depend on the time read it here, at each run of their unit of work.
  const std::shared_ptr<service_layer::Clock> clock = adapters.clock;
  const std::shared_ptr<service_layer::RandomSource> random = adapters.random;
  const auto add_batch = [clock](const commands::CreateBatch& command,
                                 service_layer::UnitOfWork& uow) {
    return handlers::add_batch(command, uow, service_layer::instant_now(*clock));
  };
  const auto deallocate = [clock](const commands::Deallocate& command,
                                  service_layer::UnitOfWork& uow) {
    return handlers::deallocate(command, uow, service_layer::instant_now(*clock));
  };
  const auto allocate = [clock](const commands::Allocate& command, service_layer::UnitOfWork& uow) {
    return handlers::allocate(command, uow, service_layer::instant_now(*clock));
  };
  const auto change_batch_quantity = [clock](const commands::ChangeBatchQuantity& command,
                                             service_layer::UnitOfWork& uow) {
    return handlers::change_batch_quantity(command, uow, service_layer::instant_now(*clock));
  };
  const auto reserve = [clock, random](const commands::Reserve& command,
                                       service_layer::UnitOfWork& uow) {
    return handlers::reserve(command, uow, service_layer::instant_now(*clock),
                             [&random] { return new_hold_id(*random); });
  };
  const auto extend = [clock](const commands::ExtendReservation& command,
                              service_layer::UnitOfWork& uow) {
    return handlers::extend_reservation(command, uow, service_layer::instant_now(*clock));
  };
  const auto release = [clock](const commands::ReleaseReservation& command,
                               service_layer::UnitOfWork& uow) {
    return handlers::release_reservation(command, uow, service_layer::instant_now(*clock));
  };
  const auto expire_reservations = [clock, reservations = adapters.reservations](
                                       const commands::ExpireReservations& command,
                                       const service_layer::MessageBus& bus) {
    if (!reservations) throw std::logic_error("this bus was built without the holds' query");
    return handlers::expire_reservations(
        command, *reservations, service_layer::instant_now(*clock),
        [&bus](const commands::ExpireProductReservations& product) { return bus.handle(product); });
  };
  const auto expire_product = [clock](const commands::ExpireProductReservations& command,
                                      service_layer::UnitOfWork& uow) {
    return handlers::expire_product_reservations(command, uow, service_layer::instant_now(*clock));
  };
  service_layer::CommandHandlers commands(add_batch, allocate, change_batch_quantity, deallocate,
                                          cancel_order, handlers::set_product_policy, reserve,
                                          extend, release, expire_reservations, expire_product,
                                          handlers::set_warehouse_priority);

  service_layer::EventHandlers events;
  events
      .on<events::Deallocated>(
          "reallocate",
          [clock](const events::Deallocated& e, service_layer::UnitOfWork& uow) {
            handlers::reallocate(e, uow, service_layer::instant_now(*clock));
          })
      .on<events::OutOfStock>("send_out_of_stock_notification",
                              [notifications = adapters.notifications,
                               metrics = adapters.metrics](const events::OutOfStock& e) {
                                try {
                                  handlers::send_out_of_stock_notification(e, *notifications);
                                } catch (...) {
                                  if (metrics) metrics->count_notification_failure();
                                  throw;  // the bus logs and counts a failed handler
                                }
                              });
  if (auto read_model = adapters.read_model) {
    events
        .on<events::Allocated>("add_allocation_to_read_model",
                               [read_model](const events::Allocated& e) {
                                 handlers::add_allocation_to_read_model(e, *read_model);
                               })
        .on<events::Deallocated>("remove_allocation_from_read_model",
                                 [read_model](const events::Deallocated& e) {
                                   handlers::remove_allocation_from_read_model(e, *read_model);
                                 })
        .on<events::Released>("remove_released_from_read_model",
                              [read_model](const events::Released& e) {
                                handlers::remove_released_from_read_model(e, *read_model);
                              });
  }
  if (auto publisher = adapters.publisher) {
    // Every event: which of them leave the service is the table's to say.
    on_every_event(events, "publish_external_message", [publisher](const auto& e) {
      handlers::publish_external_message(e, *publisher);
    });
  }
  if (auto feed = adapters.change_feed) {
    on_every_event(events, "feed_live_subscribers", [feed](const auto& e) {
      if (feed->listened_to()) feed->publish(domain::Event(e));
    });
  }
  if (adapters.log_stock_changes) {
    on_every_event(events, "log_stock_change",
                   [](const auto& e) { allocation::adapters::logging::log_stock_change(e); });
  }
  service_layer::BusObserver observer;
  if (auto metrics = adapters.metrics) {
    events
        .on<events::Allocated>("count_allocation",
                               [metrics](const events::Allocated&) { metrics->count_allocation(); })
        .on<events::OutOfStock>("count_out_of_stock", [metrics](const events::OutOfStock&) {
          metrics->count_out_of_stock();
        });
    on_every_event(events, "count_event", [metrics](const auto& e) {
      metrics->count_event(service_layer::kEventKinds(e));
    });
    observer.on_conflict_retry = [metrics] { metrics->count_conflict_retry(); };
    observer.on_event_handler_failure = [metrics](std::string_view) {
      metrics->count_event_handler_failure();
    };
  }
  return service_layer::MessageBus(
      std::move(adapters.units_of_work), std::move(commands), std::move(events),
      {std::move(adapters.random), std::move(adapters.clock)}, retry, std::move(observer));
}

}  // namespace allocation::bootstrap
