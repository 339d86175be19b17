#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/adapters/broker/message_consumer.hpp"

struct redisReply;

// The replies a consumer reads from Redis, as deliveries and figures: those to the stream
// commands, and the messages of a subscription. A reader of stream replies throws
// std::runtime_error("unexpected Redis reply") where a reply is not of the shape Redis gives;
// what a producer wrote into an entry (its fields, their values) never makes one throw.
namespace allocation::adapters::redis {

// XREADGROUP's, not nil: [[stream, [entry, ...]]]; each entry [id, [field, value, ...]] is a
// delivery of its payload field's value, empty when it has none (what a producer that does not
// follow SPEC §9 adds fails to decode, and is dead-lettered).
std::vector<broker::Delivery> read_deliveries(const redisReply* reply);

// XAUTOCLAIM's: [next cursor, [entry, ...], ...], entries as above (their deliveries not
// counted here).
std::vector<broker::Delivery> claimed_deliveries(const redisReply* reply);

// XPENDING's for one entry: [[id, consumer, idle ms, deliveries]]; 1 when it is not pending.
int pending_deliveries(const redisReply* reply);

// XINFO GROUPS': [[field, value, ...] per group]; the lag of `group` ("lag", Redis 7's), nullopt
// when Redis cannot tell or has no such group.
std::optional<long long> group_lag(const redisReply* reply, std::string_view group);

// A message of a subscription: the payload of ["message", channel, payload]; nullopt for any
// other reply (a subscription's confirmation), which is skipped.
std::optional<std::string> published_message(const redisReply* reply);

}  // namespace allocation::adapters::redis
