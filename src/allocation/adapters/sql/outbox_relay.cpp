#include "allocation/adapters/sql/outbox_relay.hpp"

#include <soci/into.h>
#include <soci/session.h>
#include <soci/statement.h>
#include <soci/use.h>
#include <spdlog/spdlog.h>

#include <vector>

#include "allocation/adapters/backoff.hpp"
#include "allocation/adapters/sql/connection.hpp"

namespace allocation::adapters::sql {

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
    // Deleted together once sent: one write per batch (on SQLite, one fsync) rather than one
    // per message.
    std::vector<long long> published;
    const auto forget_published = [&] {
      if (published.empty()) return;
      std::string ids;
      for (const long long id : published) {
        if (!ids.empty()) ids += ',';
        ids += std::to_string(id);
      }
      session << "DELETE FROM outbox WHERE id IN (" + ids + ")";
    };
    try {
      Connection connection = lease.connection();
      for (const auto& [id, channel, payload] :
           connection.query<long long, std::string, std::string>(
               "SELECT id, channel, payload FROM outbox ORDER BY id LIMIT :n", limit)) {
        send_(*channel, *payload);
        published.push_back(*id);
      }
      forget_published();
      if (postgres) session << "COMMIT";
      sent = static_cast<int>(published.size());
    } catch (...) {
      // On SQLite (autocommit) what was sent is deleted still; on PostgreSQL nothing is, and
      // those messages go again: at least once either way.
      try {
        if (postgres) {
          session << "ROLLBACK";
        } else {
          forget_published();
        }
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
