#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "allocation/service_layer/ports/change_feed.hpp"

namespace allocation::adapters {

// The changes this process commits as Server-Sent Events (SPEC §8, GET /events), for up to a
// number of subscribers at once. An event published as a message (service_layer/
// external_messages.hpp) comes under its channel's name with its payload; any other under its
// kind (service_layer/event_kinds.hpp) with its ids: "event: NAME\ndata: JSON\n\n".
//
// Thread-safe: the bus's threads publish, each subscription is read by the thread streaming it.
// Publishing never waits for a subscriber: one that falls more than max_pending_bytes behind is
// dropped (its stream ends, and its client connects again and reads the state afresh).
class ServerSentEvents final : public service_layer::ChangeFeed {
 public:
  struct Options {
    std::size_t max_subscribers = 16;
    std::size_t max_pending_bytes = 1 << 20;
  };

  ServerSentEvents() : ServerSentEvents(Options{}) {}
  explicit ServerSentEvents(Options options) : options_(options) {}

  // The frame `event` is sent as.
  static std::string frame(const domain::Event& event);

  bool listened_to() const override { return subscribed_.load(std::memory_order_relaxed) > 0; }
  void publish(const domain::Event& event) override;

  class Subscription {
   public:
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription();  // unsubscribes

    // The frames published since the last call, waiting up to `timeout` for one: empty after
    // the timeout; nullopt once this subscriber was dropped for falling behind.
    std::optional<std::string> next(std::chrono::milliseconds timeout);

   private:
    friend class ServerSentEvents;
    explicit Subscription(ServerSentEvents& feed) : feed_(feed) {}

    ServerSentEvents& feed_;
    std::string pending_;  // under feed_.mutex_
    bool ended_ = false;   // under feed_.mutex_
  };

  // nullptr when max_subscribers are subscribed already.
  std::unique_ptr<Subscription> subscribe();

 private:
  Options options_;
  std::atomic<std::size_t> subscribed_ = 0;
  std::mutex mutex_;
  std::condition_variable published_;
  std::vector<Subscription*> subscriptions_;  // under mutex_
};

}  // namespace allocation::adapters
