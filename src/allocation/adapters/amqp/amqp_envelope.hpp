#pragma once

#include <amqp.h>

#include <optional>
#include <string>
#include <string_view>

// What the envelope of a message RabbitMQ delivered says of it, beyond its body: the headers
// the consumer reads, and how many times the message was delivered. Each header was written by
// whoever published the message, or by the queue.
namespace allocation::adapters::amqp {

// The first header named `key`, when it is a UTF-8 string; nullopt when absent or not text.
std::optional<std::string> string_header(const amqp_basic_properties_t& properties,
                                         std::string_view key);

// The first header named `key`, when it is a 32- or 64-bit integer; nullopt otherwise.
std::optional<long long> integer_header(const amqp_basic_properties_t& properties,
                                        std::string_view key);

// How many times the message was delivered, this time included (1 to 2147483647): a quorum
// queue counts the deliveries before this one (x-delivery-count); a redelivery it did not count
// is at least the second.
int deliveries(std::optional<long long> delivery_count, bool redelivered);

}  // namespace allocation::adapters::amqp
