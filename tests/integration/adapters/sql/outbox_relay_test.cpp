#include "allocation/adapters/sql/outbox_relay.hpp"

#include <soci/session.h>

#include <stdexcept>

#include "allocation/adapters/in_memory/recording_message_publisher.hpp"
#include "support/sql_test.hpp"

namespace allocation::adapters::sql {
namespace {

using testing::SqlTest;

class OutboxRelayTest : public SqlTest {
 protected:
  // Messages m<from>.. with payloads p<from>..
  void store(int messages, int from = 1) {
    auto lease = database->acquire();
    for (int i = from; i < from + messages; ++i) {
      lease.session() << "INSERT INTO outbox (message_id, channel, payload) VALUES ('m" +
                             std::to_string(i) + "', 'line_allocated', 'p" + std::to_string(i) +
                             "')";
    }
  }

  // The relay's connections to the broker: each records in `broker`.
  OutboxRelay relay_to_broker() {
    return OutboxRelay(database, [this] {
      ++connections;
      return std::make_unique<RecordingMessagePublisher>(broker);
    });
  }

  std::shared_ptr<PublishedRecord> broker = std::make_shared<PublishedRecord>();
  int connections = 0;
};

const std::vector<std::string> kAllThree = {"line_allocated p1", "line_allocated p2",
                                            "line_allocated p3"};

TEST_P(OutboxRelayTest, PublishesOldestFirstAndForgetsWhatTheBrokerConfirmed) {
  store(3);
  OutboxRelay relay = relay_to_broker();
  EXPECT_EQ(relay.publish_backlog(), 3);
  EXPECT_EQ(broker->confirmed, kAllThree);
  EXPECT_EQ(outbox_backlog(*database), 0);
  EXPECT_EQ(relay.publish_backlog(), 0);
  EXPECT_EQ(connections, 1) << "one connection, kept";
}

TEST_P(OutboxRelayTest, PublishesAtMostTheLimitAtOnce) {
  store(5);
  OutboxRelay relay = relay_to_broker();
  EXPECT_EQ(relay.publish_backlog(2), 2);
  EXPECT_EQ(outbox_backlog(*database), 3);
  EXPECT_EQ(relay.publish_backlog(), 3);
  EXPECT_EQ(broker->confirmed.size(), 5u);
}

// Two relays at once (two processes on one SQLite file): the second sends and deletes the
// messages the first is still sending, and a new message takes an id SQLite freed so (a rowid is
// reused). The first deletes what it sent, not the new message. Without the message ids in its
// delete, the new message was lost (found by the fault run).
TEST_P(OutboxRelayTest, ARelayDeletesWhatItSentNotAMessageThatTookItsIdMeanwhile) {
  store(3);
  OutboxRelay first = relay_to_broker(), second = relay_to_broker();
  broker->before_confirm = [&] {
    EXPECT_EQ(second.publish_backlog(), GetParam() == Backend::sqlite ? 3 : 0)
        << "on PostgreSQL one relay at a time";
    store(1, 4);
  };
  EXPECT_EQ(first.publish_backlog(), 3);
  EXPECT_EQ(outbox_backlog(*database), 1) << "the new message was deleted unsent";
  EXPECT_EQ(second.publish_backlog(), 1);
  EXPECT_EQ(broker->confirmed.back(), "line_allocated p4");
}

// A send that fails stops the batch and deletes nothing: what the broker may have taken goes
// again (at least once), over a new connection.
TEST_P(OutboxRelayTest, ASendThatFailsLeavesTheBatchForTheNextTime) {
  store(3);
  broker->failing_publish = 2;
  OutboxRelay relay = relay_to_broker();
  EXPECT_THROW(relay.publish_backlog(), std::runtime_error);
  EXPECT_EQ(outbox_backlog(*database), 3);
  EXPECT_EQ(relay.publish_backlog(), 3);
  EXPECT_EQ(outbox_backlog(*database), 0);
  EXPECT_EQ(broker->confirmed, kAllThree);
  EXPECT_EQ(connections, 2);
}

// Sent but not confirmed (a nack, a connection lost before the confirm): kept, and sent again.
TEST_P(OutboxRelayTest, MessagesNotConfirmedStayInTheOutbox) {
  store(3);
  broker->confirm_fails = true;
  OutboxRelay relay = relay_to_broker();
  EXPECT_THROW(relay.publish_backlog(), std::runtime_error);
  EXPECT_EQ(outbox_backlog(*database), 3);
  EXPECT_TRUE(broker->confirmed.empty());
  broker->confirm_fails = false;
  EXPECT_EQ(relay.publish_backlog(), 3);
  EXPECT_EQ(broker->confirmed, kAllThree);
  EXPECT_EQ(outbox_backlog(*database), 0);
}

// The broker away: the relay fails to connect and tries again next time.
TEST_P(OutboxRelayTest, ABrokerThatCannotBeReachedLeavesTheOutboxAsItIs) {
  store(2);
  bool reachable = false;
  OutboxRelay relay(database, [&]() -> std::unique_ptr<broker::MessagePublisher> {
    if (!reachable) throw std::runtime_error("cannot reach the broker");
    return std::make_unique<RecordingMessagePublisher>(broker);
  });
  EXPECT_THROW(relay.publish_backlog(), std::runtime_error);
  EXPECT_EQ(outbox_backlog(*database), 2);
  reachable = true;
  EXPECT_EQ(relay.publish_backlog(), 2);
}

INSTANTIATE_FOR_BOTH_DATABASES(OutboxRelayTest);

}  // namespace
}  // namespace allocation::adapters::sql
