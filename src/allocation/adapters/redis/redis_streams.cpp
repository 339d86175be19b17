#include "allocation/adapters/redis/redis_streams.hpp"

#include <hiredis.h>

#include <algorithm>
#include <stdexcept>

namespace allocation::adapters::redis {

namespace {

constexpr std::string_view kReadCount = "16";  // entries read or claimed at once

std::string_view text(const redisReply* reply) {
  if (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS) {
    throw std::runtime_error("unexpected Redis reply");
  }
  return {reply->str, reply->len};
}

const redisReply* element(const redisReply* reply, std::size_t index) {
  if (reply->type != REDIS_REPLY_ARRAY || index >= reply->elements) {
    throw std::runtime_error("unexpected Redis reply");
  }
  return reply->element[index];
}

// An entry, [id, [field, value, ...]], as a delivery: its payload field's value, empty when it
// has none (what a producer that does not follow SPEC §9 adds fails to decode, and is
// dead-lettered).
broker::Delivery delivery_of(const redisReply* entry) {
  broker::Delivery delivery{.id = std::string(text(element(entry, 0))), .payload = {}};
  const redisReply* fields = element(entry, 1);
  if (fields->type != REDIS_REPLY_ARRAY) return delivery;  // deleted since it was added
  for (std::size_t i = 0; i + 1 < fields->elements; i += 2) {
    if (text(fields->element[i]) == kPayloadField) {
      delivery.payload = text(fields->element[i + 1]);
      break;
    }
  }
  return delivery;
}

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
    // [[stream, [entry, ...]]]
    const redisReply* entries = element(element(reply.get(), 0), 1);
    for (std::size_t i = 0; i < entries->elements; ++i) {
      claimed_.push_back(delivery_of(entries->element[i]));
    }
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
  // [next cursor, [entry, ...], [deleted id, ...]]
  const redisReply* entries = element(reply.get(), 1);
  for (std::size_t i = 0; i < entries->elements; ++i) {
    broker::Delivery delivery = delivery_of(entries->element[i]);
    delivery.deliveries = deliveries_of(delivery.id);  // this claim included
    claimed_.push_back(std::move(delivery));
  }
}

int StreamsConsumer::deliveries_of(const std::string& id) {
  // [[id, consumer, idle ms, deliveries]]
  const auto reply =
      connection_.command({"XPENDING", options_.stream, options_.group, id, id, "1"});
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) return 1;
  return static_cast<int>(element(element(reply.get(), 0), 3)->integer);
}

void StreamsConsumer::read_lag() {
  // [[field, value, ...] per group]; "lag" is Redis 7's, and nil when Redis cannot tell.
  const auto reply = connection_.command({"XINFO", "GROUPS", options_.stream});
  for (std::size_t g = 0; g < reply->elements; ++g) {
    const redisReply* fields = reply->element[g];
    std::optional<std::string_view> name;
    std::optional<long long> lag;
    for (std::size_t i = 0; i + 1 < fields->elements; i += 2) {
      const std::string_view field = text(fields->element[i]);
      const redisReply* value = fields->element[i + 1];
      if (field == "name") name = text(value);
      if (field == "lag" && value->type == REDIS_REPLY_INTEGER) lag = value->integer;
    }
    if (name == options_.group) {
      lag_ = lag;
      return;
    }
  }
  lag_.reset();
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
