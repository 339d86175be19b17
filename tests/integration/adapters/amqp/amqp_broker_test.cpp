#include "allocation/adapters/amqp/amqp_broker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/test_redis.hpp"
#include "support/test_servers.hpp"

namespace allocation::adapters::amqp {
namespace {

using namespace std::chrono_literals;

AmqpAddress test_server() { return parse_amqp_url(std::getenv("ALLOCATION_TEST_AMQP")); }

// A channel no other test, nor another run of this one, uses on the shared RabbitMQ.
std::string unique_channel(const char* name) { return testing::unique_redis_name(name); }

// A queue of the test's own bound to `routing_key` on the exchange, consumed: what the broker
// routed there.
class Listener {
 public:
  Listener(const std::string& queue, const std::string& routing_key) : connection_(test_server()) {
    connection_.declare_exchange(kExchange);
    connection_.declare_queue(queue, kExchange, routing_key);
    connection_.consume(queue, 100);
  }
  std::optional<std::string> next(std::chrono::milliseconds wait = 5s) {
    auto delivery = next_delivery(wait);
    if (!delivery) return std::nullopt;
    return delivery->body;
  }
  std::optional<AmqpDelivery> next_delivery(std::chrono::milliseconds wait = 5s) {
    auto delivery = connection_.next_delivery(wait);
    if (delivery) connection_.ack(delivery->tag);
    return delivery;
  }

 private:
  AmqpConnection connection_;
};

TEST(AmqpUrl, NamesHostPortUserPasswordAndVhost) {
  const AmqpAddress address = parse_amqp_url("amqp://app:s3cret@mq.internal:5673/shop");
  EXPECT_EQ(address.host, "mq.internal");
  EXPECT_EQ(address.port, 5673);
  EXPECT_EQ(address.user, "app");
  EXPECT_EQ(address.password, "s3cret");
  EXPECT_EQ(address.vhost, "shop");
  const AmqpAddress defaults = parse_amqp_url("amqp://mq.internal");
  EXPECT_EQ(defaults.port, 5672);
  EXPECT_EQ(defaults.user, "guest");
  EXPECT_EQ(defaults.vhost, "/");
  EXPECT_EQ(parse_amqp_url("amqp://h/%2F").vhost, "/");
}

TEST(AmqpUrl, RejectsMalformedUrlsWithoutShowingThePassword) {
  for (const char* url : {"", "mq:5672", "http://h:5672", "amqp://", "amqp://u:s3cret@h:port"}) {
    try {
      parse_amqp_url(url);
      ADD_FAILURE() << "accepted " << url;
    } catch (const std::invalid_argument& error) {
      const std::string what = error.what();
      EXPECT_NE(what.find("malformed AMQP URL"), std::string::npos) << what;
      EXPECT_EQ(what.find("s3cret"), std::string::npos) << what;
    }
  }
}

TEST(AmqpPublisher, PublishesEachMessageWithItsChannelAsRoutingKeyInOrder) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_AMQP");
  const std::string channel = unique_channel("line_allocated");
  Listener listener("test." + channel, channel);
  AmqpPublisher publisher(test_server());
  publisher.publish(channel, R"({"orderid": "o1"})");
  publisher.publish(unique_channel("elsewhere"), "not routed here");
  publisher.publish(channel, R"({"orderid": "o2"})");
  publisher.confirm();
  EXPECT_EQ(listener.next(), R"({"orderid": "o1"})");
  EXPECT_EQ(listener.next(), R"({"orderid": "o2"})");
  EXPECT_EQ(listener.next(100ms), std::nullopt);
}

TEST(AmqpPublisher, ConfirmsManyMessagesAtOnce) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_AMQP");
  const std::string channel = unique_channel("many");
  Listener listener("test." + channel, channel);
  AmqpPublisher publisher(test_server());
  for (int i = 0; i < 500; ++i) publisher.publish(channel, std::to_string(i));
  publisher.confirm();
  for (int i = 0; i < 500; ++i) ASSERT_EQ(listener.next(), std::to_string(i));
}

TEST(AmqpConsumer, ReceivesWhatWasPublishedBeforeItStartedOnceItsQueueExisted) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_AMQP");
  const std::string channel = unique_channel("change_batch_quantity");
  { AmqpConsumer declares_the_queue(test_server(), channel); }
  AmqpPublisher publisher(test_server());
  publisher.publish(channel, "while nobody consumed");
  publisher.confirm();
  AmqpConsumer consumer(test_server(), channel);
  const auto delivery = consumer.next(5s);
  ASSERT_TRUE(delivery);
  EXPECT_EQ(delivery->payload, "while nobody consumed");
  EXPECT_EQ(delivery->deliveries, 1);
  consumer.acknowledge(*delivery);
  EXPECT_EQ(consumer.next(100ms), std::nullopt);
}

// A consumer that dies holding a message (its connection closes unacknowledged): the message
// goes to the next consumer, counted as its second delivery.
TEST(AmqpConsumer, AMessageLeftUnacknowledgedIsDeliveredAgainAndCounted) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_AMQP");
  const std::string channel = unique_channel("change_batch_quantity");
  {
    AmqpConsumer dies(test_server(), channel);
    AmqpPublisher publisher(test_server());
    publisher.publish(channel, "orphan");
    publisher.confirm();
    const auto first = dies.next(5s);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->deliveries, 1);
  }
  AmqpConsumer next(test_server(), channel);
  const auto again = next.next(5s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->payload, "orphan");
  EXPECT_EQ(again->deliveries, 2);
  next.acknowledge(*again);
  EXPECT_EQ(next.next(100ms), std::nullopt);
}

TEST(AmqpConsumer, DeadLettersGoToTheirQueueWithTheReason) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_AMQP");
  const std::string channel = unique_channel("change_batch_quantity");
  AmqpConsumer consumer(test_server(), channel);
  AmqpPublisher publisher(test_server());
  publisher.publish(channel, "{");
  publisher.publish(channel, "fine");
  publisher.confirm();
  const auto poison = consumer.next(5s);
  ASSERT_TRUE(poison);
  consumer.dead_letter(*poison, "malformed: not JSON");
  const auto fine = consumer.next(5s);
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->payload, "fine");
  consumer.acknowledge(*fine);
  Listener dead("allocation." + channel + ".dead", channel + ".dead");
  const auto letter = dead.next_delivery();
  ASSERT_TRUE(letter);
  EXPECT_EQ(letter->body, "{");
  EXPECT_EQ(letter->reason, "malformed: not JSON");
}

TEST(AmqpConsumer, TellsHowManyMessagesWaitInItsQueue) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_AMQP");
  const std::string channel = unique_channel("change_batch_quantity");
  { AmqpConsumer declares_the_queue(test_server(), channel); }
  AmqpPublisher publisher(test_server());
  for (int i = 0; i < 20; ++i) publisher.publish(channel, std::to_string(i));
  publisher.confirm();
  AmqpConsumer consumer(test_server(), channel);
  EXPECT_EQ(consumer.lag(), 20) << "read before it consumed";
}

TEST(AmqpConsumer, AnUnreachableServerIsARuntimeError) {
  EXPECT_THROW(AmqpConsumer({"127.0.0.1", 1}, "c"), std::runtime_error);
  EXPECT_THROW(AmqpPublisher({"127.0.0.1", 1}), std::runtime_error);
}

}  // namespace
}  // namespace allocation::adapters::amqp
