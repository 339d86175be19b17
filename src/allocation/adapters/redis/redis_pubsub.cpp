#include "allocation/adapters/redis/redis_pubsub.hpp"

namespace allocation::adapters::redis {

void PubSubPublisher::publish(std::string_view channel, std::string_view payload) {
  connection_.append({"PUBLISH", channel, payload});
  ++unconfirmed_;
}

void PubSubPublisher::confirm() {
  for (; unconfirmed_ > 0; --unconfirmed_) connection_.reply();
}

PubSubConsumer::PubSubConsumer(const RedisAddress& address, std::string_view channel)
    : connection_(address) {
  connection_.subscribe(channel);
}

std::optional<broker::Delivery> PubSubConsumer::next(std::chrono::milliseconds wait) {
  auto payload = connection_.next_message(wait);
  if (!payload) return std::nullopt;
  return broker::Delivery{.id = {}, .payload = std::move(*payload), .deliveries = 1};
}

}  // namespace allocation::adapters::redis
