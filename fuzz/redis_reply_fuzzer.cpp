// Any bytes as replies from Redis (RESP, parsed by hiredis as the consumer's connection parses
// them): to the stream commands of the consumer, XREADGROUP's and XAUTOCLAIM's become deliveries
// (id and payload, byte for byte), XPENDING's and XINFO GROUPS' figures, and a reply of another
// shape may only throw std::runtime_error; a subscription's ["message", channel, payload]
// becomes its payload. Each payload is then decoded as a message.
#include <hiredis.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "allocation/adapters/redis/consumer_replies.hpp"
#include "allocation/adapters/redis/redis_streams.hpp"
#include "decoded_command_checks.hpp"

using namespace allocation;
using namespace allocation::fuzz;
using adapters::broker::Delivery;

namespace {

// hiredis 0.14 trusts the sizes a reply announces (an array of "*<n>" is allocated at once, a
// "$<n>" near the largest long long overflows its arithmetic); Redis announces what it sends.
// An input announcing more than this is skipped: it would test hiredis, not this consumer.
constexpr std::uint64_t kMaxAnnounced = 4096;

bool announces_too_much(std::string_view input) {
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (input[i] != '*' && input[i] != '$') continue;
    std::size_t j = i + 1;
    if (j < input.size() && (input[j] == '-' || input[j] == '+')) ++j;
    std::uint64_t size = 0;
    for (; j < input.size() && input[j] >= '0' && input[j] <= '9'; ++j) {
      if (size <= kMaxAnnounced) size = size * 10 + static_cast<std::uint64_t>(input[j] - '0');
    }
    if (size > kMaxAnnounced) return true;
  }
  return false;
}

bool is_text(const redisReply* reply) {
  return reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS;
}

std::string_view text(const redisReply* reply) { return {reply->str, reply->len}; }

bool is_array(const redisReply* reply, std::size_t at_least) {
  return reply->type == REDIS_REPLY_ARRAY && reply->elements >= at_least;
}

// The deliveries of an array of entries of the shape Redis gives ([id, [field, value, ...]],
// fields nil for an entry deleted since), as SPEC §9 reads them: the entry's id, and the value
// of its first field named payload (empty without one); nullopt for entries of another shape.
std::optional<std::vector<Delivery>> documented_deliveries(const redisReply* entries) {
  if (entries->type != REDIS_REPLY_ARRAY) return std::nullopt;
  std::vector<Delivery> deliveries;
  for (std::size_t i = 0; i < entries->elements; ++i) {
    const redisReply* entry = entries->element[i];
    if (!is_array(entry, 2) || !is_text(entry->element[0])) return std::nullopt;
    Delivery delivery{.id = std::string(text(entry->element[0])), .payload = {}};
    const redisReply* fields = entry->element[1];
    if (fields->type != REDIS_REPLY_NIL) {
      if (fields->type != REDIS_REPLY_ARRAY) return std::nullopt;
      for (std::size_t f = 0; f < fields->elements; ++f) {
        if (!is_text(fields->element[f])) return std::nullopt;
      }
      for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
        if (text(fields->element[f]) == adapters::redis::kPayloadField) {
          delivery.payload = text(fields->element[f + 1]);
          break;
        }
      }
    }
    deliveries.push_back(std::move(delivery));
  }
  return deliveries;
}

// `read` (a reader over `reply`) either throws std::runtime_error, or gives the deliveries of
// `entries` when those are of the documented shape; it must give them when the reply is.
template <class Read>
void require_deliveries(Read read, const redisReply* entries) {
  const auto expected = entries ? documented_deliveries(entries) : std::nullopt;
  std::optional<std::vector<Delivery>> got;
  try {
    got = read();
  } catch (const std::runtime_error&) {
    require(!expected);
    return;
  }
  if (expected) {
    require(got->size() == expected->size());
    for (std::size_t i = 0; i < got->size(); ++i) {
      require((*got)[i].id == (*expected)[i].id && (*got)[i].payload == (*expected)[i].payload &&
              (*got)[i].deliveries == 1);
    }
  }
  // Whatever a producer put in the payload, decoding it refuses it or makes a command.
  for (const Delivery& delivery : *got) {
    decode_or_refuse(
        [&] { (void)entrypoints::decode_change_batch_quantity_message(delivery.payload); });
  }
}

void check(const redisReply* reply) {
  // XREADGROUP: [[stream, [entry, ...]]]
  require_deliveries([&] { return adapters::redis::read_deliveries(reply); },
                     is_array(reply, 1) && is_array(reply->element[0], 2)
                         ? reply->element[0]->element[1]
                         : nullptr);
  // XAUTOCLAIM: [next cursor, [entry, ...], ...]
  require_deliveries([&] { return adapters::redis::claimed_deliveries(reply); },
                     is_array(reply, 2) ? reply->element[1] : nullptr);
  // XPENDING: [[id, consumer, idle ms, deliveries]], or none when it is no longer pending.
  try {
    const int deliveries = adapters::redis::pending_deliveries(reply);
    if (!is_array(reply, 1)) require(deliveries == 1);
    if (is_array(reply, 1) && is_array(reply->element[0], 4) &&
        reply->element[0]->element[3]->type == REDIS_REPLY_INTEGER &&
        reply->element[0]->element[3]->integer >= 1 &&
        reply->element[0]->element[3]->integer <= std::numeric_limits<int>::max()) {
      require(deliveries == reply->element[0]->element[3]->integer);
    }
  } catch (const std::runtime_error&) {
  }
  // XINFO GROUPS: [[field, value, ...] per group]
  try {
    (void)adapters::redis::group_lag(reply, "allocation");
  } catch (const std::runtime_error&) {
  }
  // A subscription's message: ["message", channel, payload]; anything else is skipped.
  const auto message = adapters::redis::published_message(reply);
  if (!is_array(reply, 3) || reply->elements != 3) require(!message);
  if (is_array(reply, 3) && reply->elements == 3 && is_text(reply->element[0]) &&
      text(reply->element[0]) == "message" && is_text(reply->element[2])) {
    require(message == text(reply->element[2]));
  }
  if (message) {
    decode_or_refuse([&] { (void)entrypoints::decode_change_batch_quantity_message(*message); });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (announces_too_much(input)) return 0;
  redisReader* reader = redisReaderCreate();
  require(redisReaderFeed(reader, input.data(), input.size()) == REDIS_OK);
  void* reply = nullptr;
  while (redisReaderGetReply(reader, &reply) == REDIS_OK && reply != nullptr) {
    check(static_cast<const redisReply*>(reply));
    freeReplyObject(reply);
  }
  redisReaderFree(reader);
  return 0;
}
