#include "allocation/entrypoints/broker_consumer.hpp"

#include <spdlog/spdlog.h>

#include "allocation/adapters/backoff.hpp"
#include "allocation/entrypoints/decoding.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::entrypoints {

void BrokerConsumer::run(std::stop_token stop) {
  adapters::Backoff backoff(std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
  while (!stop.stop_requested()) {
    try {
      const auto consumer = open_();
      backoff.succeeded();
      while (!stop.stop_requested()) {
        if (auto delivery = consumer->next(std::chrono::milliseconds(200))) {
          handle(*consumer, *delivery);
        }
      }
    } catch (const std::exception& error) {
      spdlog::warn("consumer of {}: {}; trying again in {} ms", kChangeBatchQuantityChannel,
                   error.what(), backoff.next().count());
      backoff.wait(stop);
    }
  }
}

namespace {

// Left unacknowledged: the broker delivers it again, to this consumer or another.
void later(const std::exception& error) {
  spdlog::warn("message on {} not applied for now ({}): it will be delivered again",
               kChangeBatchQuantityChannel, error.what());
}

}  // namespace

void BrokerConsumer::handle(adapters::broker::MessageConsumer& consumer,
                            const adapters::broker::Delivery& delivery) const {
  domain::commands::ChangeBatchQuantity command;
  try {
    auto message = decode_change_batch_quantity_message(delivery.payload);
    command = std::move(message.command);
    command.message_id = std::move(message.message_id);
  } catch (const std::invalid_argument& error) {
    spdlog::warn("skipped message on {}: {}", kChangeBatchQuantityChannel, error.what());
    consumer.dead_letter(delivery, std::string("malformed: ") + error.what());
    return;
  }
  try {
    if (bus_.handle(command)) {
      spdlog::info("batch {} quantity set to {} (message {})", command.ref, command.qty,
                   command.message_id.value_or("without id"));
    } else {
      spdlog::info("dropped duplicate message {}", *command.message_id);
    }
  } catch (const service_layer::Unavailable& error) {
    return later(error);
  } catch (const service_layer::ConcurrencyError& error) {
    return later(error);
  } catch (const std::exception& error) {
    spdlog::warn("skipped message on {}: {}", kChangeBatchQuantityChannel, error.what());
    consumer.dead_letter(delivery, error.what());
    return;
  }
  consumer.acknowledge(delivery);
}

}  // namespace allocation::entrypoints
