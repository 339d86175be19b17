#pragma once

#include <functional>
#include <memory>
#include <stop_token>

#include "allocation/adapters/broker/broker_counters.hpp"
#include "allocation/adapters/broker/message_publisher.hpp"
#include "allocation/adapters/sql/database.hpp"

namespace allocation::adapters::sql {

// Publishes the outbox: the messages units of work stored with the changes that raised them
// (table outbox), oldest first, deleting them once the broker confirmed them. At least once: a
// crash between a confirm and its delete sends those messages again, with the same message_id.
// While sending fails (broker down) the backlog waits and is tried again.
//
// Several processes on one PostgreSQL database: one relay publishes at a time (an advisory
// lock), so messages keep their commit order per product.
class OutboxRelay {
 public:
  // Connects to the broker; throws when it cannot.
  using Connect = std::function<std::unique_ptr<broker::MessagePublisher>()>;

  // `counters`: where it counts what the broker confirmed, and whether it is connected.
  OutboxRelay(
      std::shared_ptr<Database> database, Connect connect,
      std::shared_ptr<broker::BrokerCounters> counters = std::make_shared<broker::BrokerCounters>())
      : database_(std::move(database)),
        connect_(std::move(connect)),
        counters_(std::move(counters)) {}

  // Until `stop`: publishes whatever is in the outbox, polling when it is empty.
  void run(std::stop_token stop);
  // Publishes up to `limit` messages now; returns how many. Throws what the publisher throws,
  // after which it connects again. A batch costs about the same whatever its size (on SQLite
  // its delete waits for the write lock), so a backlog goes in large ones
  // (docs/performance.md).
  int publish_backlog(int limit = 5000);

 private:
  std::shared_ptr<Database> database_;
  Connect connect_;
  std::shared_ptr<broker::BrokerCounters> counters_;
  std::unique_ptr<broker::MessagePublisher> publisher_;  // connected on first use
};

// How many messages wait to be published.
long long outbox_backlog(Database& database);

}  // namespace allocation::adapters::sql
