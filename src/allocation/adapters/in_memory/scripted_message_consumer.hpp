#pragma once

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "allocation/adapters/broker/message_consumer.hpp"

namespace allocation::adapters {

// A broker's consumer in memory, for the consumer's tests: it delivers what the test queued and
// records what was acknowledged and dead-lettered (by delivery id).
class ScriptedMessageConsumer final : public broker::MessageConsumer {
 public:
  void queue(broker::Delivery delivery) { queued_.push_back(std::move(delivery)); }

  std::optional<broker::Delivery> next(std::chrono::milliseconds) override {
    if (queued_.empty()) return std::nullopt;
    broker::Delivery delivery = std::move(queued_.front());
    queued_.pop_front();
    return delivery;
  }
  void acknowledge(const broker::Delivery& delivery) override {
    acknowledged.push_back(delivery.id);
  }
  void dead_letter(const broker::Delivery& delivery, std::string_view reason) override {
    dead_letters.emplace_back(delivery.id, std::string(reason));
  }

  std::vector<std::string> acknowledged;
  std::vector<std::pair<std::string, std::string>> dead_letters;  // id, reason

 private:
  std::deque<broker::Delivery> queued_;
};

}  // namespace allocation::adapters
