#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "allocation/adapters/sql/database_url.hpp"

namespace soci {
class session;
class connection_pool;
}  // namespace soci

namespace allocation::adapters::sql {

class Connection;
class StatementCache;

struct DatabaseOptions {
  // Connections kept open. SQLite: readers run in parallel (WAL) and writers queue on its
  // write lock; PostgreSQL: as many transactions at once.
  int pool_size = 16;
  // How long a unit of work waits for a free connection before giving up (503).
  std::chrono::milliseconds acquire_timeout{10'000};
};

// A pool of connections to one database, shared by every unit of work and read-model query of
// the process. Thread-safe: each caller leases a connection of its own.
class Database {
 public:
  // Opens every connection. Throws std::invalid_argument for a malformed URL and
  // service_layer::Unavailable when the database cannot be reached.
  explicit Database(std::string_view url, DatabaseOptions options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Backend backend() const { return backend_; }
  const DatabaseOptions& options() const { return options_; }

  // A connection leased from the pool until the lease is destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    soci::session& session() const;
    // The session with its prepared statements.
    Connection connection() const;

   private:
    friend class Database;
    Lease(Database& database, std::size_t position);
    Database* database_;
    std::size_t position_;
  };

  // Reconnects a connection whose server went away (a restart) before handing it out.
  // Throws service_layer::Unavailable when none is free in time or the server is down.
  Lease acquire();

  // Runs `work` and translates what the database throws: a lost race (serialization failure,
  // deadlock, unique violation, SQLite busy) becomes service_layer::ConcurrencyError, a lost
  // connection service_layer::Unavailable; anything else propagates as it is.
  void translate_errors(const Lease& lease, const std::function<void()>& work) const;
  void translate_errors(soci::session& session, const std::function<void()>& work) const;

  // A connection of its own, outside the pool, configured like the pooled ones.
  std::unique_ptr<soci::session> connect() const;

  // Runs a statement that starts a conversation with the server (BEGIN, or a statement on its
  // own): if the connection turns out dead (the server restarted while it was idle), reconnects
  // and runs it once more, as nothing was done on the dead connection. Errors translated.
  void execute_first(const Lease& lease, const std::string& sql) const;
  // The same for any work that may safely run twice (a query, or the first statement).
  void run_first(const Lease& lease, const std::function<void()>& work) const;

  // Whether the transaction open on the connection can go on no more: one of its statements
  // failed (PostgreSQL aborts the rest), or the connection is lost. No round trip.
  bool transaction_aborted(const Lease& lease) const;

  // Throws service_layer::Unavailable unless the database answers a query now.
  void ping();

  // The pool as /metrics shows it.
  struct PoolStats {
    int size;
    int in_use;          // leased now
    long long waits;     // acquisitions that found no connection free and waited
    long long timeouts;  // of those, the ones that gave up (503)
  };
  PoolStats pool_stats() const;

 private:
  void open(soci::session& session) const;
  // Opens the leased connection again, with the setup of a new one.
  void reconnect(const Lease& lease) const;
  // Whether the connection was still up when last used (no round trip).
  bool connection_ok(soci::session& session) const;
  void configure(soci::session& session) const;

  Backend backend_;
  std::string target_;
  DatabaseOptions options_;
  std::unique_ptr<soci::connection_pool> pool_;
  // The prepared statements of each pooled connection, used by its holder. After pool_: destroyed
  // before the connections.
  std::vector<std::unique_ptr<StatementCache>> statements_;
  std::atomic<int> in_use_ = 0;
  std::atomic<long long> waits_ = 0, timeouts_ = 0;
};

}  // namespace allocation::adapters::sql
