#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "allocation/adapters/broker/message_publisher.hpp"

namespace allocation::adapters {

// What a broker took, in memory, for the outbox's tests: "channel payload" per message, in the
// order confirmed. Several publishers (one per connection) may share one record.
struct PublishedRecord {
  std::vector<std::string> confirmed;
  // The publish() that fails, counted from 1 over every publisher sharing the record (0: none).
  int failing_publish = 0;
  int publishes = 0;
  bool confirm_fails = false;
  // Called once, by the next confirm() before it confirms: what happens meanwhile elsewhere.
  std::function<void()> before_confirm;
};

class RecordingMessagePublisher final : public broker::MessagePublisher {
 public:
  explicit RecordingMessagePublisher(std::shared_ptr<PublishedRecord> record)
      : record_(std::move(record)) {}

  void publish(std::string_view channel, std::string_view payload) override {
    if (++record_->publishes == record_->failing_publish) {
      throw std::runtime_error("broker down");
    }
    unconfirmed_.push_back(std::string(channel) + " " + std::string(payload));
  }
  void confirm() override {
    if (auto meanwhile = std::exchange(record_->before_confirm, nullptr)) meanwhile();
    if (record_->confirm_fails) throw std::runtime_error("no confirm");
    record_->confirmed.insert(record_->confirmed.end(), unconfirmed_.begin(), unconfirmed_.end());
    unconfirmed_.clear();
  }

 private:
  std::shared_ptr<PublishedRecord> record_;
  std::vector<std::string> unconfirmed_;
};

}  // namespace allocation::adapters
