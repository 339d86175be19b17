#include "allocation/adapters/amqp/amqp_broker.hpp"

#include <string>

#include "allocation/adapters/amqp/amqp_envelope.hpp"

namespace allocation::adapters::amqp {

AmqpPublisher::AmqpPublisher(const AmqpAddress& address) : connection_(address) {
  connection_.declare_exchange(kExchange);
  connection_.select_confirms();
}

void AmqpPublisher::publish(std::string_view channel, std::string_view payload) {
  connection_.publish(kExchange, channel, payload);
}

void AmqpPublisher::confirm() { connection_.wait_for_confirms(); }

AmqpConsumer::AmqpConsumer(const AmqpAddress& address, std::string_view channel, int prefetch)
    : connection_(address),
      dead_letters_(address),
      queue_("allocation." + std::string(channel)),
      dead_letter_key_(std::string(channel) + ".dead") {
  connection_.declare_exchange(kExchange);
  connection_.declare_queue(queue_, kExchange, channel);
  connection_.declare_queue(queue_ + ".dead", kExchange, dead_letter_key_);
  dead_letters_.select_confirms();
  read_lag();
  connection_.consume(queue_, prefetch);
}

void AmqpConsumer::read_lag() {
  lag_ = dead_letters_.message_count(queue_);
  next_lag_read_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
}

std::optional<broker::Delivery> AmqpConsumer::next(std::chrono::milliseconds wait) {
  if (std::chrono::steady_clock::now() >= next_lag_read_) read_lag();
  auto delivery = connection_.next_delivery(wait);
  if (!delivery) return std::nullopt;
  return broker::Delivery{
      .id = std::to_string(delivery->tag),
      .payload = std::move(delivery->body),
      .deliveries = deliveries(delivery->delivery_count, delivery->redelivered)};
}

void AmqpConsumer::acknowledge(const broker::Delivery& delivery) {
  connection_.ack(std::stoull(delivery.id));
}

void AmqpConsumer::dead_letter(const broker::Delivery& delivery, std::string_view reason) {
  dead_letters_.publish(kExchange, dead_letter_key_, delivery.payload, reason);
  dead_letters_.wait_for_confirms();
  acknowledge(delivery);
}

}  // namespace allocation::adapters::amqp
