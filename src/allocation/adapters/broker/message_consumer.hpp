#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace allocation::adapters::broker {

// A message as a broker delivered it.
struct Delivery {
  // The broker's name for this delivery (a stream entry's id, an AMQP delivery tag).
  std::string id;
  std::string payload;
  // How many times the broker delivered it, this time included (1 where it does not count).
  int deliveries = 1;
};

// Port: receives the messages of one channel from a message broker over one connection. A
// delivery not acknowledged (its consumer died, or could not apply it yet) is delivered again,
// where the broker keeps messages. Used by one thread at a time.
class MessageConsumer {
 public:
  virtual ~MessageConsumer() = default;

  // The next delivery, if one comes within `wait`. Throws std::runtime_error when the
  // connection breaks.
  virtual std::optional<Delivery> next(std::chrono::milliseconds wait) = 0;
  // The delivery was applied: it is not delivered again. Throws std::runtime_error.
  virtual void acknowledge(const Delivery& delivery) = 0;
  // The delivery can never be applied: it leaves the channel for its dead letters, with the
  // reason, where the broker keeps some, and is not delivered again. Throws std::runtime_error.
  virtual void dead_letter(const Delivery& delivery, std::string_view reason) = 0;
  // How many messages of the channel no consumer has received yet, where the broker tells it
  // (as of the last next()); nullopt where it does not.
  virtual std::optional<long long> lag() const { return std::nullopt; }
};

}  // namespace allocation::adapters::broker
