#include "allocation/adapters/sql/outbox_relay.hpp"

#include <soci/session.h>

#include <stdexcept>

#include "support/sql_test.hpp"

namespace allocation::adapters::sql {
namespace {

using testing::SqlTest;

class OutboxRelayTest : public SqlTest {
 protected:
  void store(int messages) {
    auto lease = database->acquire();
    for (int i = 1; i <= messages; ++i) {
      lease.session() << "INSERT INTO outbox (message_id, channel, payload) VALUES ('m" +
                             std::to_string(i) + "', 'line_allocated', 'p" + std::to_string(i) +
                             "')";
    }
  }

  std::vector<std::string> sent;
  OutboxRelay::Send recording = [this](std::string_view channel, std::string_view payload) {
    sent.push_back(std::string(channel) + " " + std::string(payload));
  };
};

TEST_P(OutboxRelayTest, PublishesOldestFirstAndForgetsWhatItSent) {
  store(3);
  OutboxRelay relay(database, recording);
  EXPECT_EQ(relay.publish_backlog(), 3);
  EXPECT_EQ(sent, (std::vector<std::string>{"line_allocated p1", "line_allocated p2",
                                            "line_allocated p3"}));
  EXPECT_EQ(outbox_backlog(*database), 0);
  EXPECT_EQ(relay.publish_backlog(), 0);
}

TEST_P(OutboxRelayTest, PublishesAtMostTheLimitAtOnce) {
  store(5);
  OutboxRelay relay(database, recording);
  EXPECT_EQ(relay.publish_backlog(2), 2);
  EXPECT_EQ(outbox_backlog(*database), 3);
  EXPECT_EQ(relay.publish_backlog(), 3);
  EXPECT_EQ(sent.size(), 5u);
}

// A send that fails stops the batch. Nothing is lost: what was not sent stays, and what was
// sent may go again (PostgreSQL takes the batch's deletes back), never less than once.
TEST_P(OutboxRelayTest, ASendThatFailsLeavesTheRestForTheNextTime) {
  store(3);
  int calls = 0;
  OutboxRelay failing(database, [&](std::string_view channel, std::string_view payload) {
    if (++calls == 2) throw std::runtime_error("broker down");
    recording(channel, payload);
  });
  EXPECT_THROW(failing.publish_backlog(), std::runtime_error);
  EXPECT_EQ(outbox_backlog(*database), GetParam() == Backend::sqlite ? 2 : 3);
  OutboxRelay relay(database, recording);
  relay.publish_backlog();
  EXPECT_EQ(outbox_backlog(*database), 0);
  for (const char* payload : {"line_allocated p1", "line_allocated p2", "line_allocated p3"})
    EXPECT_NE(std::find(sent.begin(), sent.end(), payload), sent.end()) << payload;
}

INSTANTIATE_FOR_BOTH_DATABASES(OutboxRelayTest);

}  // namespace
}  // namespace allocation::adapters::sql
