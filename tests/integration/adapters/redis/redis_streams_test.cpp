#include "allocation/adapters/redis/redis_streams.hpp"

#include <gtest/gtest.h>
#include <hiredis.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

#include "support/test_servers.hpp"

namespace allocation::adapters::redis {
namespace {

using namespace std::chrono_literals;

// Streams no other test (nor another run of this one) uses: the Redis server is shared.
std::string unique_stream(const char* name) {
  static std::atomic<int> counter = 0;
  return std::string(name) + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

RedisAddress test_server() { return parse_redis_url(std::getenv("ALLOCATION_TEST_REDIS")); }

// The stream's entries, each as its fields' values joined by '|'.
std::vector<std::string> entries(const std::string& stream) {
  RedisConnection connection(test_server());
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
  RedisConnection connection(test_server());
  return connection.command({"XPENDING", stream, group})->element[0]->integer;
}

StreamsConsumerOptions options(const std::string& stream, const std::string& consumer) {
  return {.stream = stream, .consumer = consumer, .claim_after = 30s, .max_deliveries = 5};
}

TEST(StreamsPublisher, AppendsEachMessageToItsChannelsStreamInOrder) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string allocated = unique_stream("line_allocated");
  const std::string out = unique_stream("out_of_stock");
  StreamsPublisher publisher(test_server(), 1000);
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
  const std::string stream = unique_stream("trimmed");
  StreamsPublisher publisher(test_server(), 100);
  for (int i = 0; i < 1000; ++i) publisher.publish(stream, std::to_string(i));
  publisher.confirm();
  const auto kept = entries(stream).size();
  // Approximate trimming drops whole nodes (100 entries each by default): at least 100 stay.
  EXPECT_GE(kept, 100u);
  EXPECT_LT(kept, 1000u);
}

TEST(StreamsPublisher, AnEntryRedisRefusesIsNotConfirmed) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  StreamsPublisher publisher(test_server(), 1000);
  // A reply that is an error (a key of another type) is no confirmation.
  const std::string not_a_stream = unique_stream("a-string");
  RedisConnection(test_server()).command({"SET", not_a_stream, "x"});
  publisher.publish(not_a_stream, "m");
  EXPECT_THROW(publisher.confirm(), std::runtime_error);
}

TEST(StreamsConsumer, ReadsWhatWasAddedBeforeItsGroupExistedAndAcknowledgesIt) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string stream = unique_stream("change_batch_quantity");
  StreamsPublisher publisher(test_server(), 1000);
  publisher.publish(stream, "first");
  publisher.publish(stream, "second");
  publisher.confirm();

  StreamsConsumer consumer(test_server(), options(stream, "c1"));
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
  const std::string stream = unique_stream("change_batch_quantity");
  StreamsConsumer one(test_server(), options(stream, "one"));
  StreamsConsumer two(test_server(), options(stream, "two"));  // the group exists: joins it
  StreamsPublisher publisher(test_server(), 1000);
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
  const std::string stream = unique_stream("change_batch_quantity");
  StreamsPublisher publisher(test_server(), 1000);
  publisher.publish(stream, "orphan");
  publisher.confirm();
  {
    StreamsConsumer dead(test_server(), options(stream, "dead"));
    ASSERT_TRUE(dead.next(1s));  // read, never acknowledged
  }
  StreamsConsumer patient(test_server(), options(stream, "patient"));
  EXPECT_EQ(patient.next(10ms), std::nullopt) << "claimed before claim_after";

  auto eager_options = options(stream, "eager");
  eager_options.claim_after = 0ms;
  StreamsConsumer eager(test_server(), eager_options);
  const auto claimed = eager.next(10ms);
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->payload, "orphan");
  EXPECT_EQ(claimed->deliveries, 2);
  eager.acknowledge(*claimed);
  EXPECT_EQ(pending(stream), 0);
}

TEST(StreamsConsumer, AnEntryDeliveredTooOftenMovesToTheDeadLetters) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string stream = unique_stream("change_batch_quantity");
  StreamsPublisher publisher(test_server(), 1000);
  publisher.publish(stream, "poison");
  publisher.confirm();
  auto claiming = options(stream, "c");
  claiming.claim_after = 0ms;
  claiming.max_deliveries = 2;
  StreamsConsumer consumer(test_server(), claiming);
  // Delivered, not acknowledged (its consumer failed), claimed and delivered again: twice.
  auto poison = consumer.next(1s);
  ASSERT_TRUE(poison);
  ASSERT_EQ(poison->payload, "poison");
  poison = consumer.next(1s);
  ASSERT_TRUE(poison);
  ASSERT_EQ(poison->payload, "poison");
  EXPECT_EQ(poison->deliveries, 2);
  // Its third delivery is not made: it is dead-lettered, and the next entry comes.
  publisher.publish(stream, "fine");
  publisher.confirm();
  const auto fine = consumer.next(1s);
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->payload, "fine");
  consumer.acknowledge(*fine);
  EXPECT_EQ(pending(stream), 0);
  const auto dead = entries(stream + ".dead");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0], "payload|poison|reason|delivered 2 times without being acknowledged|entry|" +
                         poison->id + "|deliveries|2");
}

TEST(StreamsConsumer, DeadLettersWithTheReasonGiven) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_REDIS");
  const std::string stream = unique_stream("change_batch_quantity");
  StreamsPublisher publisher(test_server(), 1000);
  publisher.publish(stream, "{");
  publisher.confirm();
  StreamsConsumer consumer(test_server(), options(stream, "c"));
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
  const std::string stream = unique_stream("change_batch_quantity");
  RedisConnection(test_server()).command({"XADD", stream, "*", "batchref", "b1", "qty", "3"});
  StreamsConsumer consumer(test_server(), options(stream, "c"));
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
