#include "allocation/adapters/redis/redis_publisher.hpp"

#include <nlohmann/json.hpp>
#include <random>

#include "allocation/adapters/event_json.hpp"

namespace allocation::adapters::redis {

namespace {

// 128 random bits as hex: unique without coordination between processes.
std::string new_message_id() {
  thread_local std::mt19937_64 random(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int part = 0; part < 2; ++part) {
    std::uint64_t bits = random();
    for (int i = 0; i < 16; ++i, bits >>= 4) id += kHex[bits & 15];
  }
  return id;
}

}  // namespace

void RedisPublisher::publish(std::string_view channel, const domain::Event& event) {
  nlohmann::json payload = nlohmann::json::parse(to_json(event));
  payload["message_id"] = new_message_id();
  const std::string message =
      payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(mutex_);
  for (int attempt = 0;; ++attempt) {
    try {
      if (!connection_) connection_ = std::make_unique<RedisConnection>(address_);
      connection_->publish(channel, message);
      return;
    } catch (const std::runtime_error&) {
      connection_.reset();  // a broken connection is not used again
      if (attempt == 1) throw;
    }
  }
}

}  // namespace allocation::adapters::redis
