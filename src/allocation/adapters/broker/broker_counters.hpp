#pragma once

#include <atomic>

namespace allocation::adapters::broker {

// What went through the broker, for /metrics: counted by the outbox relay and the consumer,
// read at each scrape. Atomics, relaxed: each number stands alone.
struct BrokerCounters {
  std::atomic<long long> published{0};     // messages the broker confirmed
  std::atomic<long long> delivered{0};     // deliveries received, redeliveries included
  std::atomic<long long> redelivered{0};   // deliveries of a message delivered before
  std::atomic<long long> applied{0};       // messages whose command committed
  std::atomic<long long> duplicates{0};    // deliveries of messages applied already
  std::atomic<long long> dead_letters{0};  // messages given up on
  std::atomic<bool> publisher_connected{false};
  std::atomic<bool> consumer_connected{false};
  // Messages of the consumed channel not yet delivered to any consumer, where the broker
  // tells it (Redis Streams' group lag); -1: unknown.
  std::atomic<long long> consumer_lag{-1};
};

}  // namespace allocation::adapters::broker
