#include "allocation/adapters/sql/outbox_relay.hpp"

#include <soci/into.h>
#include <soci/session.h>
#include <soci/statement.h>
#include <soci/use.h>
#include <spdlog/spdlog.h>

#include <vector>

#include "allocation/adapters/backoff.hpp"
#include "allocation/adapters/crash_point.hpp"
#include "allocation/adapters/sql/connection.hpp"

namespace allocation::adapters::sql {

namespace {

// A string literal of SQL.
std::string quoted(const std::string& text) {
  std::string literal = "'";
  for (const char c : text) {
    literal += c;
    if (c == '\'') literal += c;
  }
  return literal + "'";
}

}  // namespace

int OutboxRelay::publish_backlog(int limit) {
  auto lease = database_->acquire();
  soci::session& session = lease.session();
  int sent = 0;
  const bool postgres = database_->backend() == Backend::postgresql;
  database_->translate_errors(lease, [&] {
    if (postgres) {
      database_->execute_first(lease, "BEGIN");
      int locked = 0;
      // Held until COMMIT: one relay at a time over the whole database.
      session << "SELECT CASE WHEN pg_try_advisory_xact_lock(7283191) THEN 1 ELSE 0 END",
          soci::into(locked);
      if (!locked) {
        session << "ROLLBACK";
        return;
      }
    }
    try {
      if (!publisher_) {
        publisher_ = connect_();
        counters_->publisher_connected = true;
      }
      // Sent at once (a broker's round trip per batch, not per message), confirmed together,
      // and deleted together: one write per batch (on SQLite, one fsync).
      Connection connection = lease.connection();
      std::string ids, message_ids;
      for (const auto& [id, message_id, channel, payload] :
           connection.query<long long, std::string, std::string, std::string>(
               "SELECT id, message_id, channel, payload FROM outbox ORDER BY id LIMIT :n", limit)) {
        publisher_->publish(*channel, *payload);
        if (!ids.empty()) {
          ids += ',';
          message_ids += ',';
        }
        ids += std::to_string(*id);
        message_ids += quoted(*message_id);
        ++sent;
      }
      if (sent > 0) {
        publisher_->confirm();
        counters_->published.fetch_add(sent, std::memory_order_relaxed);
        crash_point("outbox_confirmed");
        // By message id too: on SQLite, where another process's relay may send and delete the
        // same messages meanwhile, a new message can take a freed id (a rowid is reused), and
        // must not go unsent.
        session << "DELETE FROM outbox WHERE id IN (" + ids + ") AND message_id IN (" +
                       message_ids + ")";
      }
      if (postgres) session << "COMMIT";
    } catch (...) {
      // Nothing is deleted: what the broker may have taken goes again, at least once.
      publisher_.reset();
      counters_->publisher_connected = false;
      sent = 0;
      try {
        if (postgres) session << "ROLLBACK";
      } catch (...) {
      }
      throw;
    }
  });
  return sent;
}

void OutboxRelay::run(std::stop_token stop) {
  Backoff backoff(std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
  while (!stop.stop_requested()) {
    try {
      if (publish_backlog() == 0) sleep_unless_stopped(stop, std::chrono::milliseconds(20));
      backoff.succeeded();
    } catch (const std::exception& error) {
      spdlog::warn("outbox: {}; trying again in {} ms", error.what(), backoff.next().count());
      backoff.wait(stop);
    }
  }
}

long long outbox_backlog(Database& database) {
  auto lease = database.acquire();
  long long count = 0;
  database.run_first(lease,
                     [&] { lease.session() << "SELECT COUNT(*) FROM outbox", soci::into(count); });
  return count;
}

}  // namespace allocation::adapters::sql
