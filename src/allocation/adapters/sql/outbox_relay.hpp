#pragma once

#include <functional>
#include <memory>
#include <stop_token>
#include <string_view>

#include "allocation/adapters/sql/database.hpp"

namespace allocation::adapters::sql {

// Publishes the outbox: the messages units of work stored with the changes that raised them
// (table outbox), oldest first, deleting them once sent. At least once: a crash between a send
// and its delete sends that message again, with the same message_id. While sending fails
// (broker down) the backlog waits and is tried again.
//
// Several processes on one PostgreSQL database: one relay publishes at a time (an advisory
// lock), so messages keep their commit order per product.
class OutboxRelay {
 public:
  // Sends one message; throws when it cannot.
  using Send = std::function<void(std::string_view channel, std::string_view payload)>;

  OutboxRelay(std::shared_ptr<Database> database, Send send)
      : database_(std::move(database)), send_(std::move(send)) {}

  // Until `stop`: publishes whatever is in the outbox, polling when it is empty.
  void run(std::stop_token stop);
  // Publishes up to `limit` messages now; returns how many. Throws what send throws.
  int publish_backlog(int limit = 500);

 private:
  std::shared_ptr<Database> database_;
  Send send_;
};

// How many messages wait to be published.
long long outbox_backlog(Database& database);

}  // namespace allocation::adapters::sql
