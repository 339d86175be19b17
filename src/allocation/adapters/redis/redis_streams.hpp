#pragma once

#include <chrono>
#include <deque>
#include <string>

#include "allocation/adapters/broker/message_consumer.hpp"
#include "allocation/adapters/broker/message_publisher.hpp"
#include "allocation/adapters/redis/redis_connection.hpp"

namespace allocation::adapters::redis {

// The field of a stream entry that holds the message (JSON).
inline constexpr std::string_view kPayloadField = "payload";

// Redis Streams as a broker that keeps messages (SPEC §9): each message is XADDed to the stream
// named like its channel, which keeps about `max_length` entries (approximate trimming: whole
// radix-tree nodes are dropped, which costs nothing per entry).
class StreamsPublisher final : public broker::MessagePublisher {
 public:
  // Throws std::runtime_error when Redis cannot be reached.
  StreamsPublisher(const RedisAddress& address, long long max_length)
      : connection_(address), max_length_(std::to_string(max_length)) {}

  void publish(std::string_view channel, std::string_view payload) override;
  // Each XADD's reply, the entry's id, means Redis appended it.
  void confirm() override;

 private:
  RedisConnection connection_;
  std::string max_length_;
  int unconfirmed_ = 0;  // XADDs sent whose replies are not read yet
};

struct StreamsConsumerOptions {
  std::string stream;
  std::string group = "allocation";
  // This process's name in the group: each entry is delivered to one consumer of the group.
  std::string consumer;
  // Entries a consumer read and left unacknowledged this long (it died, or could not apply
  // them) are claimed by this one (XAUTOCLAIM), and delivered again.
  std::chrono::milliseconds claim_after = std::chrono::seconds(30);
};

// A consumer of a stream in a consumer group, created (from the stream's first entry, so that
// nothing added before the first consumer started is missed) when missing. Entries left pending
// by a consumer that died are delivered again, with the number of deliveries Redis counted.
class StreamsConsumer final : public broker::MessageConsumer {
 public:
  // Throws std::runtime_error when Redis cannot be reached.
  StreamsConsumer(const RedisAddress& address, StreamsConsumerOptions options);

  // Entries claimed from other consumers come first; then new entries, waiting up to `wait`.
  std::optional<broker::Delivery> next(std::chrono::milliseconds wait) override;
  void acknowledge(const broker::Delivery& delivery) override;
  // XADD to "<stream>.dead" (the payload, the reason, the entry's id and its deliveries) and
  // XACK, in one transaction (MULTI/EXEC).
  void dead_letter(const broker::Delivery& delivery, std::string_view reason) override;

  // The group's lag (XINFO GROUPS), read with each claim.
  std::optional<long long> lag() const override { return lag_; }

  std::string dead_letter_stream() const { return options_.stream + ".dead"; }

 private:
  // Claims what consumers left pending for claim_after.
  void claim();
  int deliveries_of(const std::string& id);
  void read_lag();

  RedisConnection connection_;
  StreamsConsumerOptions options_;
  std::deque<broker::Delivery> claimed_;
  std::chrono::steady_clock::time_point next_claim_{};
  std::optional<long long> lag_;
};

}  // namespace allocation::adapters::redis
