#include "allocation/bootstrap/broker.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <stdexcept>

#include "allocation/adapters/amqp/amqp_broker.hpp"
#include "allocation/adapters/redis/redis_pubsub.hpp"
#include "allocation/adapters/redis/redis_streams.hpp"

namespace allocation::bootstrap {

namespace {

constexpr std::string_view kStreamsScheme = "redis-streams://";
constexpr std::string_view kAmqpScheme = "amqp://";

// HOSTNAME-PID: unique among the processes of one host, and new after a restart (what the
// previous process left pending is claimed like any dead consumer's).
std::string default_consumer_name() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host = {'h', 'o', 's', 't'};
  return std::string(host.data()) + "-" + std::to_string(::getpid());
}

}  // namespace

Broker::Chosen Broker::choose(std::string_view url, const Settings& settings) {
  if (url.starts_with(kStreamsScheme)) {
    return RedisStreams{
        adapters::redis::parse_redis_url(url, kStreamsScheme), settings.stream_max_length,
        std::chrono::seconds(settings.claim_after_seconds),
        settings.consumer_name.empty() ? default_consumer_name() : settings.consumer_name};
  }
  if (url.starts_with(kAmqpScheme)) return RabbitMq{adapters::amqp::parse_amqp_url(url)};
  // Without a scheme: a Redis URL missing its scheme, as the parser says.
  if (url.starts_with("redis://") || url.find("://") == std::string_view::npos) {
    return RedisPubSub{adapters::redis::parse_redis_url(url)};
  }
  throw std::invalid_argument("unknown broker URL '" + adapters::redis::without_password(url) +
                              "': give redis://host:port (pub/sub), redis-streams://host:port or "
                              "amqp://user:password@host:port/vhost");
}

Broker::Broker(std::string_view url, const Settings& settings)
    : chosen_(choose(url, settings)),
      shown_url_(adapters::redis::without_password(url)),
      max_deliveries_(settings.max_deliveries) {}

std::unique_ptr<adapters::broker::MessagePublisher> Broker::publisher() const {
  return std::visit([](const auto& broker) { return broker.publisher(); }, chosen_);
}

std::unique_ptr<adapters::broker::MessageConsumer> Broker::consumer(
    std::string_view channel) const {
  return std::visit([channel](const auto& broker) { return broker.consumer(channel); }, chosen_);
}

std::unique_ptr<adapters::broker::MessagePublisher> Broker::RedisPubSub::publisher() const {
  return std::make_unique<adapters::redis::PubSubPublisher>(address);
}

std::unique_ptr<adapters::broker::MessageConsumer> Broker::RedisPubSub::consumer(
    std::string_view channel) const {
  auto consumer = std::make_unique<adapters::redis::PubSubConsumer>(address, channel);
  spdlog::info("consuming Redis channel {} at {}:{}", channel, address.host, address.port);
  return consumer;
}

std::unique_ptr<adapters::broker::MessagePublisher> Broker::RedisStreams::publisher() const {
  return std::make_unique<adapters::redis::StreamsPublisher>(address, max_length);
}

std::unique_ptr<adapters::broker::MessageConsumer> Broker::RedisStreams::consumer(
    std::string_view channel) const {
  adapters::redis::StreamsConsumerOptions options{
      .stream = std::string(channel), .consumer = consumer_name, .claim_after = claim_after};
  auto consumer = std::make_unique<adapters::redis::StreamsConsumer>(address, options);
  spdlog::info("consuming Redis stream {} as {} of group {} at {}:{}", channel, consumer_name,
               options.group, address.host, address.port);
  return consumer;
}

std::unique_ptr<adapters::broker::MessagePublisher> Broker::RabbitMq::publisher() const {
  return std::make_unique<adapters::amqp::AmqpPublisher>(address);
}

std::unique_ptr<adapters::broker::MessageConsumer> Broker::RabbitMq::consumer(
    std::string_view channel) const {
  auto consumer = std::make_unique<adapters::amqp::AmqpConsumer>(address, channel);
  spdlog::info("consuming RabbitMQ queue allocation.{} at {}:{}", channel, address.host,
               address.port);
  return consumer;
}

}  // namespace allocation::bootstrap
