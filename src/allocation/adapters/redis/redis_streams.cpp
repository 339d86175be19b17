#include "allocation/adapters/redis/redis_streams.hpp"

#include <hiredis.h>

#include <algorithm>
#include <stdexcept>

#include "allocation/adapters/redis/consumer_replies.hpp"

namespace allocation::adapters::redis {

namespace {

constexpr std::string_view kReadCount = "16";  // entries read or claimed at once

}  // namespace

void StreamsPublisher::publish(std::string_view channel, std::string_view payload) {
  connection_.append({"XADD", channel, "MAXLEN", "~", max_length_, "*", kPayloadField, payload});
  ++unconfirmed_;
}

void StreamsPublisher::confirm() {
  for (; unconfirmed_ > 0; --unconfirmed_) connection_.reply();
}

StreamsConsumer::StreamsConsumer(const RedisAddress& address, StreamsConsumerOptions options)
    : connection_(address), options_(std::move(options)) {
  try {
    connection_.command({"XGROUP", "CREATE", options_.stream, options_.group, "0", "MKSTREAM"});
  } catch (const std::runtime_error& error) {
    // BUSYGROUP: another consumer, or an earlier run, made it.
    if (std::string_view(error.what()).find("BUSYGROUP") == std::string_view::npos) throw;
  }
}

std::optional<broker::Delivery> StreamsConsumer::next(std::chrono::milliseconds wait) {
  const auto now = std::chrono::steady_clock::now();
  if (claimed_.empty() && now >= next_claim_) {
    claim();
    read_lag();
    next_claim_ =
        now + std::min<std::chrono::milliseconds>(options_.claim_after, std::chrono::seconds(1));
  }
  if (claimed_.empty()) {
    const auto reply = connection_.command(
        {"XREADGROUP", "GROUP", options_.group, options_.consumer, "COUNT", kReadCount, "BLOCK",
         std::to_string(std::max<long long>(wait.count(), 1)), "STREAMS", options_.stream, ">"});
    if (reply->type == REDIS_REPLY_NIL) return std::nullopt;
    for (auto& delivery : read_deliveries(reply.get())) claimed_.push_back(std::move(delivery));
    if (claimed_.empty()) return std::nullopt;
  }
  broker::Delivery delivery = std::move(claimed_.front());
  claimed_.pop_front();
  return delivery;
}

void StreamsConsumer::claim() {
  const auto reply = connection_.command(
      {"XAUTOCLAIM", options_.stream, options_.group, options_.consumer,
       std::to_string(options_.claim_after.count()), "0-0", "COUNT", kReadCount});
  for (auto& delivery : claimed_deliveries(reply.get())) {
    delivery.deliveries = deliveries_of(delivery.id);  // this claim included
    claimed_.push_back(std::move(delivery));
  }
}

int StreamsConsumer::deliveries_of(const std::string& id) {
  return pending_deliveries(
      connection_.command({"XPENDING", options_.stream, options_.group, id, id, "1"}).get());
}

void StreamsConsumer::read_lag() {
  lag_ = group_lag(connection_.command({"XINFO", "GROUPS", options_.stream}).get(), options_.group);
}

void StreamsConsumer::acknowledge(const broker::Delivery& delivery) {
  connection_.command({"XACK", options_.stream, options_.group, delivery.id});
}

void StreamsConsumer::dead_letter(const broker::Delivery& delivery, std::string_view reason) {
  const std::string dead = dead_letter_stream();
  const std::string deliveries = std::to_string(delivery.deliveries);
  connection_.append({"MULTI"});
  connection_.append({"XADD", dead, "*", kPayloadField, delivery.payload, "reason", reason, "entry",
                      delivery.id, "deliveries", deliveries});
  connection_.append({"XACK", options_.stream, options_.group, delivery.id});
  connection_.append({"EXEC"});
  for (int reply = 0; reply < 4; ++reply) connection_.reply();
}

}  // namespace allocation::adapters::redis
