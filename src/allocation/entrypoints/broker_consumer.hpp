#pragma once

#include <functional>
#include <memory>
#include <stop_token>
#include <string_view>

#include "allocation/adapters/broker/broker_counters.hpp"
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
// unknown batch) is dead-lettered with the reason, and so is one delivered too many times
// (its consumers died on it). One that failed for now (the database is down) stays
// unacknowledged while this consumer tries it again; if this consumer stops or dies meanwhile,
// the broker delivers it again.
class BrokerConsumer {
 public:
  // Opens a consumer of change_batch_quantity; throws std::runtime_error when it cannot.
  using Open = std::function<std::unique_ptr<adapters::broker::MessageConsumer>()>;

  // `counters`: where it counts the deliveries and what became of them.
  // A delivery counted above `max_deliveries` (the deliveries before it all failed) is
  // dead-lettered rather than tried again.
  BrokerConsumer(Open open, const service_layer::MessageBus& bus, int max_deliveries,
                 adapters::broker::BrokerCounters& counters)
      : open_(std::move(open)), bus_(bus), max_deliveries_(max_deliveries), counters_(counters) {}

  // Consumes until `stop` is requested (within a fraction of a second), opening the consumer
  // again, after a pause, whenever its connection breaks.
  void run(std::stop_token stop);

  // One delivery, counted and tried: true when it was settled (acknowledged or
  // dead-lettered), false when it could not be applied for now and is still unacknowledged.
  // Throws only what `consumer` throws (its connection broke).
  bool handle(adapters::broker::MessageConsumer& consumer,
              const adapters::broker::Delivery& delivery) const;
  // The same delivery tried again, once handle() said it could not be applied for now.
  bool try_to_apply(adapters::broker::MessageConsumer& consumer,
                    const adapters::broker::Delivery& delivery) const;

 private:
  Open open_;
  const service_layer::MessageBus& bus_;
  int max_deliveries_;
  adapters::broker::BrokerCounters& counters_;
};

}  // namespace allocation::entrypoints
