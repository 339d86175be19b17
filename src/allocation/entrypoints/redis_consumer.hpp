#pragma once

#include <deque>
#include <stop_token>
#include <string>
#include <string_view>
#include <unordered_set>

#include "allocation/adapters/redis/redis_connection.hpp"
#include "allocation/service_layer/message_bus.hpp"

namespace allocation::entrypoints {

inline constexpr std::string_view kChangeBatchQuantityChannel = "change_batch_quantity";

// The broker consumer: each message on channel change_batch_quantity, {"batchref": str,
// "qty": int}, becomes a ChangeBatchQuantity command. A malformed message or an unknown batch
// is logged and skipped; a message whose "message_id" was seen recently is dropped as a
// duplicate. Reconnects and subscribes again when Redis restarts.
class RedisConsumer {
 public:
  RedisConsumer(adapters::redis::RedisAddress address, const service_layer::MessageBus& bus)
      : address_(std::move(address)), bus_(bus) {}

  // Consumes until `stop` is requested (within a fraction of a second).
  void run(std::stop_token stop);

  // One message; never throws.
  void handle_message(std::string_view payload);

 private:
  bool seen_before(const std::string& message_id);

  adapters::redis::RedisAddress address_;
  const service_layer::MessageBus& bus_;
  std::unordered_set<std::string> recent_ids_;
  std::deque<std::string> recent_order_;  // oldest first, to forget beyond a bound
};

}  // namespace allocation::entrypoints
