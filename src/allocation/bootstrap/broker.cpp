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

Broker::Kind Broker::kind_of(std::string_view url) {
  if (url.starts_with(kStreamsScheme)) return Kind::streams;
  if (url.starts_with(kAmqpScheme)) return Kind::amqp;
  // Without a scheme: a Redis URL missing its scheme, as the parser says.
  if (url.starts_with("redis://") || url.find("://") == std::string_view::npos) return Kind::pubsub;
  throw std::invalid_argument("unknown broker URL '" + adapters::redis::without_password(url) +
                              "': give redis://host:port (pub/sub), redis-streams://host:port or "
                              "amqp://user:password@host:port/vhost");
}

Broker::Broker(std::string_view url, const Settings& settings)
    : kind_(kind_of(url)),
      address_(kind_ == Kind::amqp      ? adapters::redis::RedisAddress{}
               : kind_ == Kind::streams ? adapters::redis::parse_redis_url(url, kStreamsScheme)
                                        : adapters::redis::parse_redis_url(url)),
      amqp_address_(kind_ == Kind::amqp ? adapters::amqp::parse_amqp_url(url)
                                        : adapters::amqp::AmqpAddress{}),
      shown_url_(adapters::redis::without_password(url)),
      stream_max_length_(settings.stream_max_length),
      claim_after_(settings.claim_after_seconds),
      consumer_name_(settings.consumer_name.empty() ? default_consumer_name()
                                                    : settings.consumer_name),
      max_deliveries_(settings.max_deliveries) {}

std::unique_ptr<adapters::broker::MessagePublisher> Broker::publisher() const {
  if (kind_ == Kind::amqp) return std::make_unique<adapters::amqp::AmqpPublisher>(amqp_address_);
  if (kind_ == Kind::streams) {
    return std::make_unique<adapters::redis::StreamsPublisher>(address_, stream_max_length_);
  }
  return std::make_unique<adapters::redis::PubSubPublisher>(address_);
}

std::unique_ptr<adapters::broker::MessageConsumer> Broker::consumer(
    std::string_view channel) const {
  if (kind_ == Kind::amqp) {
    auto consumer = std::make_unique<adapters::amqp::AmqpConsumer>(amqp_address_, channel);
    spdlog::info("consuming RabbitMQ queue allocation.{} at {}:{}", channel, amqp_address_.host,
                 amqp_address_.port);
    return consumer;
  }
  if (kind_ == Kind::streams) {
    adapters::redis::StreamsConsumerOptions options{
        .stream = std::string(channel), .consumer = consumer_name_, .claim_after = claim_after_};
    auto consumer = std::make_unique<adapters::redis::StreamsConsumer>(address_, options);
    spdlog::info("consuming Redis stream {} as {} of group {} at {}:{}", channel, consumer_name_,
                 options.group, address_.host, address_.port);
    return consumer;
  }
  auto consumer = std::make_unique<adapters::redis::PubSubConsumer>(address_, channel);
  spdlog::info("consuming Redis channel {} at {}:{}", channel, address_.host, address_.port);
  return consumer;
}

}  // namespace allocation::bootstrap
