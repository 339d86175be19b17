#include "allocation/adapters/redis/consumer_replies.hpp"

#include <hiredis.h>

#include <stdexcept>
#include <string>

#include "allocation/adapters/redis/redis_streams.hpp"

namespace allocation::adapters::redis {

namespace {

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

std::vector<broker::Delivery> deliveries_of(const redisReply* entries) {
  std::vector<broker::Delivery> deliveries;
  for (std::size_t i = 0; i < entries->elements; ++i) {
    deliveries.push_back(delivery_of(entries->element[i]));
  }
  return deliveries;
}

}  // namespace

std::vector<broker::Delivery> read_deliveries(const redisReply* reply) {
  return deliveries_of(element(element(reply, 0), 1));
}

std::vector<broker::Delivery> claimed_deliveries(const redisReply* reply) {
  return deliveries_of(element(reply, 1));
}

int pending_deliveries(const redisReply* reply) {
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) return 1;
  return static_cast<int>(element(element(reply, 0), 3)->integer);
}

std::optional<long long> group_lag(const redisReply* reply, std::string_view group) {
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
    if (name == group) return lag;
  }
  return std::nullopt;
}

std::optional<std::string> published_message(const redisReply* reply) {
  if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
      std::string_view(reply->element[0]->str, reply->element[0]->len) == "message") {
    return std::string(reply->element[2]->str, reply->element[2]->len);
  }
  return std::nullopt;
}

}  // namespace allocation::adapters::redis
