#include "allocation/adapters/amqp/amqp_envelope.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace allocation::adapters::amqp {
namespace {

TEST(AmqpDeliveries, AQuorumQueueCountsTheDeliveriesBeforeThisOne) {
  EXPECT_EQ(deliveries(0, false), 1);
  EXPECT_EQ(deliveries(3, true), 4);
}

TEST(AmqpDeliveries, WithoutACountARedeliveryIsAtLeastTheSecond) {
  EXPECT_EQ(deliveries(std::nullopt, false), 1);
  EXPECT_EQ(deliveries(std::nullopt, true), 2);
}

// Found by fuzz/amqp_properties_fuzzer: a publisher may write x-delivery-count itself, of any
// 32- or 64-bit integer type. 4294967295 (unsigned) made 0 deliveries, 2147483647 overflowed an
// int, and a negative count made fewer than one.
TEST(AmqpDeliveries, ACountNoQueueWritesIsStillACount) {
  constexpr int kMost = std::numeric_limits<int>::max();
  EXPECT_EQ(deliveries(4'294'967'295LL, false), kMost);
  EXPECT_EQ(deliveries(kMost, false), kMost);
  EXPECT_EQ(deliveries(std::numeric_limits<long long>::max(), false), kMost);
  EXPECT_EQ(deliveries(-5, false), 1);
  EXPECT_EQ(deliveries(-5, true), 2);
}

}  // namespace
}  // namespace allocation::adapters::amqp
