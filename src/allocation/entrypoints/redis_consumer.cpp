#include "allocation/entrypoints/redis_consumer.hpp"

#include <spdlog/spdlog.h>

#include "allocation/adapters/backoff.hpp"
#include "allocation/entrypoints/decoding.hpp"

namespace allocation::entrypoints {

namespace {
constexpr std::size_t kRememberedIds = 100'000;
}

void RedisConsumer::run(std::stop_token stop) {
  adapters::Backoff backoff(std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
  while (!stop.stop_requested()) {
    try {
      adapters::redis::RedisConnection connection(address_);
      connection.subscribe(kChangeBatchQuantityChannel);
      spdlog::info("consuming Redis channel {} at {}:{}", kChangeBatchQuantityChannel,
                   address_.host, address_.port);
      backoff.succeeded();
      while (!stop.stop_requested()) {
        if (auto message = connection.next_message(std::chrono::milliseconds(200))) {
          handle_message(*message);
        }
      }
    } catch (const std::exception& error) {
      spdlog::warn("Redis consumer: {}; trying again in {} ms", error.what(),
                   backoff.next().count());
      backoff.wait(stop);
    }
  }
}

void RedisConsumer::handle_message(std::string_view payload) {
  try {
    const auto message = decode_change_batch_quantity_message(payload);
    if (message.message_id && seen_before(*message.message_id)) {
      spdlog::info("dropped duplicate message {}", *message.message_id);
      return;
    }
    bus_.handle(message.command);
  } catch (const std::exception& error) {
    spdlog::warn("skipped message on {}: {}", kChangeBatchQuantityChannel, error.what());
  }
}

bool RedisConsumer::seen_before(const std::string& message_id) {
  if (!recent_ids_.insert(message_id).second) return true;
  recent_order_.push_back(message_id);
  if (recent_order_.size() > kRememberedIds) {
    recent_ids_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
  return false;
}

}  // namespace allocation::entrypoints
