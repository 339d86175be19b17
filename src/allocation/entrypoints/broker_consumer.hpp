#pragma once

#include <functional>
#include <memory>
#include <stop_token>
#include <string_view>

#include "allocation/adapters/broker/message_consumer.hpp"
#include "allocation/service_layer/message_bus.hpp"

namespace allocation::entrypoints {

inline constexpr std::string_view kChangeBatchQuantityChannel = "change_batch_quantity";

// The broker's consumer: each message of channel change_batch_quantity, {"batchref": str,
// "qty": int, "message_id": str}, becomes a ChangeBatchQuantity command.
//
// A delivery is acknowledged once its command committed. One whose message was applied
// already (a broker delivers at least once) is acknowledged without doing anything: the
// message_id is recorded in the command's transaction. One that can never apply (malformed, an
// unknown batch) is dead-lettered with the reason. One that failed for now (the database is
// down) is left unacknowledged, for the broker to deliver again.
class BrokerConsumer {
 public:
  // Opens a consumer of change_batch_quantity; throws std::runtime_error when it cannot.
  using Open = std::function<std::unique_ptr<adapters::broker::MessageConsumer>()>;

  BrokerConsumer(Open open, const service_layer::MessageBus& bus)
      : open_(std::move(open)), bus_(bus) {}

  // Consumes until `stop` is requested (within a fraction of a second), opening the consumer
  // again, after a pause, whenever its connection breaks.
  void run(std::stop_token stop);

  // One delivery. Throws only what `consumer` throws (its connection broke).
  void handle(adapters::broker::MessageConsumer& consumer,
              const adapters::broker::Delivery& delivery) const;

 private:
  Open open_;
  const service_layer::MessageBus& bus_;
};

}  // namespace allocation::entrypoints
