#include "allocation/adapters/redis/redis_connection.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "support/test_redis.hpp"
#include "support/test_servers.hpp"

namespace allocation::adapters::redis {
namespace {

using namespace std::chrono_literals;

TEST(RedisUrl, NamesHostAndPortWith6379ByDefault) {
  const RedisAddress address = parse_redis_url("redis://cache.internal:6380");
  EXPECT_EQ(address.host, "cache.internal");
  EXPECT_EQ(address.port, 6380);
  EXPECT_EQ(parse_redis_url("redis://127.0.0.1").port, 6379);
  EXPECT_EQ(parse_redis_url("redis://127.0.0.1:7000/0").port, 7000) << "a database is ignored";
}

TEST(RedisUrl, RejectsMalformedUrlsNamingThem) {
  for (const char* url : {"", "127.0.0.1:6379", "http://h:6379", "redis://", "redis://:6379",
                          "redis://h:", "redis://h:0", "redis://h:65536", "redis://h:12x"}) {
    try {
      parse_redis_url(url);
      ADD_FAILURE() << "accepted " << url;
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find(std::string("'") + url + "'"), std::string::npos)
          << error.what();
    }
  }
}

TEST(RedisConnection, AnUnreachableServerIsARuntimeError) {
  EXPECT_THROW(RedisConnection({"127.0.0.1", 1}), std::runtime_error);
}

TEST(RedisConnection, PublishingWithNoSubscriberReachesNobody) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  RedisConnection publisher(testing::test_redis());
  EXPECT_EQ(publisher.publish(testing::unique_redis_name("nobody"), "{}"), 0);
}

TEST(RedisConnection, ASubscriberReceivesWhatIsPublishedOnItsChannelInOrder) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string channel = testing::unique_redis_name("orders");
  RedisConnection subscriber(testing::test_redis());
  subscriber.subscribe(channel);  // the server has confirmed when it returns
  RedisConnection publisher(testing::test_redis());
  EXPECT_EQ(publisher.publish(channel, R"({"qty": 1})"), 1);
  EXPECT_EQ(publisher.publish(channel, R"({"qty": 2})"), 1);
  EXPECT_EQ(subscriber.next_message(5s), R"({"qty": 1})");
  EXPECT_EQ(subscriber.next_message(5s), R"({"qty": 2})");
}

TEST(RedisConnection, NoMessageIsNothingOnceTheWaitIsOver) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  RedisConnection subscriber(testing::test_redis());
  subscriber.subscribe(testing::unique_redis_name("quiet"));
  EXPECT_EQ(subscriber.next_message(0ms), std::nullopt);
}

TEST(RedisConnection, MessagesOfOtherChannelsAreNotReceived) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string mine = testing::unique_redis_name("mine");
  RedisConnection subscriber(testing::test_redis());
  subscriber.subscribe(mine);
  RedisConnection publisher(testing::test_redis());
  EXPECT_EQ(publisher.publish(testing::unique_redis_name("other"), "not for you"), 0);
  EXPECT_EQ(publisher.publish(mine, "for you"), 1);
  EXPECT_EQ(subscriber.next_message(5s), "for you");
}

TEST(RedisConnection, PayloadsAreSentByteForByte) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string channel = testing::unique_redis_name("with spaces %s and\nnewline");
  constexpr char kBytes[] = "a b %s\r\n\0\xff end";  // a NUL inside; not the final one
  const std::string payload(kBytes, sizeof kBytes - 1);
  RedisConnection subscriber(testing::test_redis());
  subscriber.subscribe(channel);
  RedisConnection publisher(testing::test_redis());
  EXPECT_EQ(publisher.publish(channel, payload), 1);
  EXPECT_EQ(subscriber.next_message(5s), payload);
}

}  // namespace
}  // namespace allocation::adapters::redis
