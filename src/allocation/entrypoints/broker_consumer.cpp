#include "allocation/entrypoints/broker_consumer.hpp"

#include <spdlog/spdlog.h>

#include "allocation/adapters/backoff.hpp"
#include "allocation/adapters/crash_point.hpp"
#include "allocation/adapters/logging/log_fields.hpp"
#include "allocation/entrypoints/decoding.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::entrypoints {

void BrokerConsumer::run(std::stop_token stop) {
  adapters::Backoff backoff(std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
  while (!stop.stop_requested()) {
    try {
      const auto consumer = open_();
      counters_.consumer_connected = true;
      backoff.succeeded();
      while (!stop.stop_requested()) {
        auto delivery = consumer->next(std::chrono::milliseconds(200));
        counters_.consumer_lag = consumer->lag().value_or(-1);
        if (!delivery) continue;
        // Tried again here while the database is down: an outage is not a delivery that failed,
        // and does not bring a message nearer its dead letters.
        adapters::Backoff pause(std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
        for (bool settled = handle(*consumer, *delivery); !settled && pause.wait(stop);) {
          settled = try_to_apply(*consumer, *delivery);
        }
      }
    } catch (const std::exception& error) {
      counters_.consumer_connected = false;
      spdlog::warn("consumer of {}: {}; trying again in {} ms", kChangeBatchQuantityChannel,
                   error.what(), backoff.next().count());
      backoff.wait(stop);
    }
  }
}

namespace {

// Left unacknowledged, for now.
bool later(const std::exception& error) {
  spdlog::warn("message on {} not applied for now: {}", kChangeBatchQuantityChannel, error.what());
  return false;
}

}  // namespace

bool BrokerConsumer::handle(adapters::broker::MessageConsumer& consumer,
                            const adapters::broker::Delivery& delivery) const {
  counters_.delivered.fetch_add(1, std::memory_order_relaxed);
  if (delivery.deliveries > 1) counters_.redelivered.fetch_add(1, std::memory_order_relaxed);
  return try_to_apply(consumer, delivery);
}

bool BrokerConsumer::try_to_apply(adapters::broker::MessageConsumer& consumer,
                                  const adapters::broker::Delivery& delivery) const {
  const auto give_up = [&](std::string_view reason) {
    consumer.dead_letter(delivery, reason);
    counters_.dead_letters.fetch_add(1, std::memory_order_relaxed);
    return true;
  };
  if (delivery.deliveries > max_deliveries_) {
    spdlog::warn("skipped message on {}: delivered {} times", kChangeBatchQuantityChannel,
                 delivery.deliveries);
    return give_up("delivered " + std::to_string(delivery.deliveries - 1) +
                   " times without being acknowledged");
  }
  domain::commands::ChangeBatchQuantity command;
  try {
    command = decode_change_batch_quantity_message(delivery.payload);
  } catch (const std::invalid_argument& error) {
    spdlog::warn("skipped message on {}: {}", kChangeBatchQuantityChannel, error.what());
    return give_up(std::string("malformed: ") + error.what());
  }
  // The lines this message causes carry its id, as a request's carry the request's.
  std::optional<adapters::logging::ScopedLogContext> context;
  if (command.message_id) context.emplace("message_id", *command.message_id);
  try {
    if (bus_.handle(command)) {
      counters_.applied.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("batch {} quantity set to {} (message {})", command.ref, command.qty,
                   command.message_id.value_or("without id"));
    } else {
      counters_.duplicates.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("dropped duplicate message {}", *command.message_id);
    }
  } catch (const service_layer::Unavailable& error) {
    return later(error);
  } catch (const service_layer::ConcurrencyError& error) {
    return later(error);
  } catch (const std::exception& error) {
    spdlog::warn("skipped message on {}: {}", kChangeBatchQuantityChannel, error.what());
    return give_up(error.what());
  }
  adapters::crash_point("consumer_applied");
  consumer.acknowledge(delivery);
  return true;
}

}  // namespace allocation::entrypoints
