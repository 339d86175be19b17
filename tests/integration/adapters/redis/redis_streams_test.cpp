#include "allocation/adapters/redis/redis_streams.hpp"

#include <gtest/gtest.h>
#include <hiredis.h>

#include <chrono>
#include <string>

#include "support/test_redis.hpp"
#include "support/test_servers.hpp"

namespace allocation::adapters::redis {
namespace {

using namespace std::chrono_literals;

// The stream's entries, each as its fields' values joined by '|'.
std::vector<std::string> entries(const std::string& stream) {
  RedisConnection connection(testing::test_redis());
  const auto reply = connection.command({"XRANGE", stream, "-", "+"});
  std::vector<std::string> found;
  for (std::size_t i = 0; i < reply->elements; ++i) {
    const redisReply* fields = reply->element[i]->element[1];
    std::string entry;
    for (std::size_t f = 0; f < fields->elements; ++f) {
      entry += std::string(fields->element[f]->str, fields->element[f]->len) +
               (f + 1 < fields->elements ? "|" : "");
    }
    found.push_back(entry);
  }
  return found;
}

long long pending(const std::string& stream, const std::string& group = "allocation") {
  RedisConnection connection(testing::test_redis());
  return connection.command({"XPENDING", stream, group})->element[0]->integer;
}

StreamsConsumerOptions options(const std::string& stream, const std::string& consumer) {
  return {.stream = stream, .consumer = consumer, .claim_after = 30s};
}

TEST(StreamsPublisher, AppendsEachMessageToItsChannelsStreamInOrder) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string allocated = testing::unique_redis_name("line_allocated");
  const std::string out = testing::unique_redis_name("out_of_stock");
  StreamsPublisher publisher(testing::test_redis(), 1000);
  publisher.publish(allocated, R"({"orderid": "o1"})");
  publisher.publish(out, R"({"sku": "LAMP"})");
  publisher.publish(allocated, R"({"orderid": "o2"})");
  publisher.confirm();
  EXPECT_EQ(entries(allocated), (std::vector<std::string>{R"(payload|{"orderid": "o1"})",
                                                          R"(payload|{"orderid": "o2"})"}));
  EXPECT_EQ(entries(out), std::vector<std::string>{R"(payload|{"sku": "LAMP"})"});
}

TEST(StreamsPublisher, KeepsAboutTheMaximumLength) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string stream = testing::unique_redis_name("trimmed");
  StreamsPublisher publisher(testing::test_redis(), 100);
  for (int i = 0; i < 1000; ++i) publisher.publish(stream, std::to_string(i));
  publisher.confirm();
  const auto kept = entries(stream).size();
  // Approximate trimming drops whole nodes (100 entries each by default): at least 100 stay.
  EXPECT_GE(kept, 100u);
  EXPECT_LT(kept, 1000u);
}

TEST(StreamsPublisher, AnEntryRedisRefusesIsNotConfirmed) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  StreamsPublisher publisher(testing::test_redis(), 1000);
  // A reply that is an error (a key of another type) is no confirmation.
  const std::string not_a_stream = testing::unique_redis_name("a-string");
  RedisConnection(testing::test_redis()).command({"SET", not_a_stream, "x"});
  publisher.publish(not_a_stream, "m");
  EXPECT_THROW(publisher.confirm(), std::runtime_error);
}

TEST(StreamsConsumer, ReadsWhatWasAddedBeforeItsGroupExistedAndAcknowledgesIt) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string stream = testing::unique_redis_name("change_batch_quantity");
  StreamsPublisher publisher(testing::test_redis(), 1000);
  publisher.publish(stream, "first");
  publisher.publish(stream, "second");
  publisher.confirm();

  StreamsConsumer consumer(testing::test_redis(), options(stream, "c1"));
  const auto first = consumer.next(1s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->payload, "first");
  EXPECT_EQ(first->deliveries, 1);
  const auto second = consumer.next(1s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->payload, "second");
  EXPECT_EQ(pending(stream), 2);
  consumer.acknowledge(*first);
  consumer.acknowledge(*second);
  EXPECT_EQ(pending(stream), 0);
  EXPECT_EQ(consumer.next(10ms), std::nullopt);
}

TEST(StreamsConsumer, EachEntryGoesToOneConsumerOfTheGroup) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string stream = testing::unique_redis_name("change_batch_quantity");
  StreamsConsumer one(testing::test_redis(), options(stream, "one"));
  StreamsConsumer two(testing::test_redis(), options(stream, "two"));  // the group exists: joins it
  StreamsPublisher publisher(testing::test_redis(), 1000);
  publisher.publish(stream, "only");
  publisher.confirm();
  const auto got = one.next(1s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->payload, "only");
  EXPECT_EQ(two.next(10ms), std::nullopt);
}

// A consumer died holding an entry: another claims it once it has been idle claim_after, and
// the delivery is counted.
TEST(StreamsConsumer, ClaimsWhatADeadConsumerLeftPending) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string stream = testing::unique_redis_name("change_batch_quantity");
  StreamsPublisher publisher(testing::test_redis(), 1000);
  publisher.publish(stream, "orphan");
  publisher.confirm();
  {
    StreamsConsumer dead(testing::test_redis(), options(stream, "dead"));
    ASSERT_TRUE(dead.next(1s));  // read, never acknowledged
  }
  StreamsConsumer patient(testing::test_redis(), options(stream, "patient"));
  EXPECT_EQ(patient.next(10ms), std::nullopt) << "claimed before claim_after";

  auto eager_options = options(stream, "eager");
  eager_options.claim_after = 0ms;
  StreamsConsumer eager(testing::test_redis(), eager_options);
  const auto claimed = eager.next(10ms);
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->payload, "orphan");
  EXPECT_EQ(claimed->deliveries, 2);
  eager.acknowledge(*claimed);
  EXPECT_EQ(pending(stream), 0);
}

// Each claim of an entry left unacknowledged is one more delivery, as Redis counts them (what
// the consumer's max_deliveries is checked against), and entries after it still come.
TEST(StreamsConsumer, EachClaimCountsOneMoreDelivery) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string stream = testing::unique_redis_name("change_batch_quantity");
  StreamsPublisher publisher(testing::test_redis(), 1000);
  publisher.publish(stream, "poison");
  publisher.confirm();
  auto claiming = options(stream, "c");
  claiming.claim_after = 0ms;
  StreamsConsumer consumer(testing::test_redis(), claiming);
  for (int deliveries = 1; deliveries <= 3; ++deliveries) {
    const auto poison = consumer.next(1s);  // never acknowledged: its consumer failed
    ASSERT_TRUE(poison);
    EXPECT_EQ(poison->payload, "poison");
    EXPECT_EQ(poison->deliveries, deliveries);
    if (deliveries == 3) consumer.dead_letter(*poison, "delivered 2 times");
  }
  publisher.publish(stream, "fine");
  publisher.confirm();
  const auto fine = consumer.next(1s);
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->payload, "fine");
  consumer.acknowledge(*fine);
  EXPECT_EQ(pending(stream), 0);
  EXPECT_EQ(entries(stream + ".dead").size(), 1u);
}

// The group's lag: entries added and not yet read by any of its consumers.
TEST(StreamsConsumer, TellsItsGroupsLag) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string stream = testing::unique_redis_name("change_batch_quantity");
  StreamsConsumer consumer(testing::test_redis(), options(stream, "c"));
  StreamsPublisher publisher(testing::test_redis(), 1000);
  for (const char* payload : {"a", "b", "c"}) publisher.publish(stream, payload);
  publisher.confirm();
  ASSERT_TRUE(consumer.next(1s));  // reads the 3 at once, after reading the lag: 3
  EXPECT_EQ(consumer.lag(), 3);
}

TEST(StreamsConsumer, DeadLettersWithTheReasonGiven) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string stream = testing::unique_redis_name("change_batch_quantity");
  StreamsPublisher publisher(testing::test_redis(), 1000);
  publisher.publish(stream, "{");
  publisher.confirm();
  StreamsConsumer consumer(testing::test_redis(), options(stream, "c"));
  const auto delivery = consumer.next(1s);
  ASSERT_TRUE(delivery);
  consumer.dead_letter(*delivery, "malformed: not JSON");
  EXPECT_EQ(pending(stream), 0);
  EXPECT_EQ(entries(consumer.dead_letter_stream()),
            std::vector<std::string>{"payload|{|reason|malformed: not JSON|entry|" + delivery->id +
                                     "|deliveries|1"});
}

TEST(StreamsConsumer, AnEntryWithoutPayloadIsDeliveredEmpty) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string stream = testing::unique_redis_name("change_batch_quantity");
  RedisConnection(testing::test_redis())
      .command({"XADD", stream, "*", "batchref", "b1", "qty", "3"});
  StreamsConsumer consumer(testing::test_redis(), options(stream, "c"));
  const auto delivery = consumer.next(1s);
  ASSERT_TRUE(delivery);
  EXPECT_EQ(delivery->payload, "");
}

TEST(StreamsConsumer, AnUnreachableServerIsARuntimeError) {
  EXPECT_THROW(StreamsConsumer({"127.0.0.1", 1}, options("s", "c")), std::runtime_error);
  EXPECT_THROW(StreamsPublisher({"127.0.0.1", 1}, 10), std::runtime_error);
}

}  // namespace
}  // namespace allocation::adapters::redis
