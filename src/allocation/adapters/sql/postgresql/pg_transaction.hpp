#pragma once

#include <functional>
#include <optional>

#include "allocation/adapters/sql/database.hpp"

namespace allocation::adapters::sql {

class Connection;

// A PostgreSQL transaction on a connection leased at its first statement. Reads run on their
// own (a statement sees what was committed when it began, as it would in a transaction at READ
// COMMITTED) and writes in a transaction begun for them. Reading outside the transaction is
// safe because the writes of a unit of work first move the product's version from the one it
// read: a change committed in between makes them fail and roll back. Rolled back unless
// committed. Used by one thread at a time.
class PgTransaction {
 public:
  // `lone_writes`: whether write_alone() may run outside a transaction (false when the
  // transaction is shared by several units of work: their writes commit together).
  PgTransaction(Database& database, bool lone_writes)
      : database_(database), lone_writes_(lone_writes) {}
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  ~PgTransaction() { rollback(); }

  // Run `work` on the connection, the database's errors translated.
  void read(const std::function<void(Connection&)>& work) { run(work, false); }
  void write(const std::function<void(Connection&)>& work) { run(work, true); }
  // A write of one statement, atomic by itself: when no transaction is open, it runs on its own,
  // one round trip instead of three (BEGIN, the statement, COMMIT).
  void write_alone(const std::function<void(Connection&)>& work) {
    run(work, !lone_writes_ || in_transaction_);
  }

  // COMMIT, if a transaction is open, and the connection back to the pool.
  void commit();
  // ROLLBACK, if a transaction is open (a lost connection has rolled it back already), and the
  // connection back to the pool.
  void rollback() noexcept;
  // Whether a transaction is open that can go on no more (see Database::transaction_aborted).
  bool aborted() const { return in_transaction_ && database_.transaction_aborted(*lease_); }

 private:
  void run(const std::function<void(Connection&)>& work, bool in_transaction);

  Database& database_;
  const bool lone_writes_;
  std::optional<Database::Lease> lease_;  // from the first statement on
  bool in_transaction_ = false;           // BEGIN sent, not ended
};

}  // namespace allocation::adapters::sql
