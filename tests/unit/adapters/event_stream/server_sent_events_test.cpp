#include "allocation/adapters/event_stream/server_sent_events.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace allocation::adapters {
namespace {

using namespace std::chrono_literals;
namespace events = domain::events;

TEST(ServerSentEvents, APublishedMessageComesUnderItsChannelWithItsPayload) {
  EXPECT_EQ(ServerSentEvents::frame(events::Allocated{"o1", "LAMP", 3, "b1"}),
            "event: line_allocated\n"
            "data: {\"batchref\":\"b1\",\"orderid\":\"o1\",\"qty\":3,\"sku\":\"LAMP\"}\n\n");
}

TEST(ServerSentEvents, AChangeThatIsNoMessageComesUnderItsKindWithItsIds) {
  EXPECT_EQ(ServerSentEvents::frame(events::BatchAdded{"LAMP", "b1", 10}),
            "event: batch_added\ndata: {\"batchref\":\"b1\",\"qty\":10,\"sku\":\"LAMP\"}\n\n");
  // A waiting line released has no batch: no batchref, rather than a null one.
  EXPECT_EQ(ServerSentEvents::frame(events::Released{"o2", "LAMP", 1, std::nullopt}),
            "event: released\ndata: {\"orderid\":\"o2\",\"qty\":1,\"sku\":\"LAMP\"}\n\n");
}

TEST(ServerSentEvents, ANewlineInAnIdStaysInsideTheDataLine) {
  const std::string frame = ServerSentEvents::frame(events::OutOfStock{"A\nB"});
  EXPECT_EQ(frame, "event: out_of_stock\ndata: {\"sku\":\"A\\nB\"}\n\n");
}

TEST(ServerSentEvents, EachSubscriberGetsWhatWasPublishedSinceItSubscribedInOrder) {
  ServerSentEvents feed;
  EXPECT_FALSE(feed.listened_to());
  feed.publish(events::OutOfStock{"BEFORE"});
  auto first = feed.subscribe();
  ASSERT_TRUE(first);
  EXPECT_TRUE(feed.listened_to());
  feed.publish(events::OutOfStock{"A"});
  auto second = feed.subscribe();
  feed.publish(events::OutOfStock{"B"});
  EXPECT_EQ(first->next(0ms), ServerSentEvents::frame(events::OutOfStock{"A"}) +
                                  ServerSentEvents::frame(events::OutOfStock{"B"}));
  EXPECT_EQ(second->next(0ms), ServerSentEvents::frame(events::OutOfStock{"B"}));
  EXPECT_EQ(first->next(0ms), "");  // nothing new: empty after the wait
  first.reset();
  second.reset();
  EXPECT_FALSE(feed.listened_to());
}

TEST(ServerSentEvents, AWaitingSubscriberWakesWhenSomethingIsPublished) {
  ServerSentEvents feed;
  auto subscription = feed.subscribe();
  std::thread publisher([&] { feed.publish(events::OutOfStock{"A"}); });
  // However the threads interleave, the frame arrives within the wait, or was there before it.
  std::string got;
  while (got.empty()) got = *subscription->next(10s);
  publisher.join();
  EXPECT_EQ(got, ServerSentEvents::frame(events::OutOfStock{"A"}));
}

TEST(ServerSentEvents, MoreSubscribersThanTheLimitAreRefused) {
  ServerSentEvents feed({.max_subscribers = 2, .max_pending_bytes = 1 << 20});
  auto a = feed.subscribe(), b = feed.subscribe();
  EXPECT_TRUE(a && b);
  EXPECT_FALSE(feed.subscribe());
  a.reset();
  EXPECT_TRUE(feed.subscribe());
}

TEST(ServerSentEvents, ASubscriberThatFallsTooFarBehindIsDroppedAndTheOthersAreNot) {
  const std::size_t one = ServerSentEvents::frame(events::OutOfStock{"A"}).size();
  ServerSentEvents feed({.max_subscribers = 4, .max_pending_bytes = 3 * one});
  auto slow = feed.subscribe(), reading = feed.subscribe();
  for (int i = 0; i < 4; ++i) {
    feed.publish(events::OutOfStock{"A"});
    EXPECT_EQ(reading->next(0ms)->size(), one);
  }
  EXPECT_EQ(slow->next(0ms), std::nullopt);
  EXPECT_EQ(slow->next(0ms), std::nullopt);  // for good
  feed.publish(events::OutOfStock{"A"});
  EXPECT_EQ(reading->next(0ms)->size(), one);
}

}  // namespace
}  // namespace allocation::adapters
