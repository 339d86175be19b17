#include "allocation/adapters/sql/postgresql/pg_transaction.hpp"

#include <soci/session.h>

#include "allocation/adapters/sql/connection.hpp"

namespace allocation::adapters::sql {

void PgTransaction::commit() {
  if (in_transaction_) {
    database_.translate_errors(*lease_, [&] { lease_->session() << "COMMIT"; });
    in_transaction_ = false;
  }
  lease_.reset();
}

void PgTransaction::rollback() noexcept {
  if (in_transaction_) {
    in_transaction_ = false;
    try {
      lease_->session() << "ROLLBACK";
    } catch (...) {
      // The connection is gone, and the transaction with it.
    }
  }
  lease_.reset();  // the next statement leases a connection again, reconnected if it is lost
}

void PgTransaction::run(const std::function<void(Connection&)>& work, bool in_transaction) {
  bool first = !lease_;
  if (first) lease_.emplace(database_.acquire());
  if (in_transaction && !in_transaction_) {
    // Reconnects a connection that died idle: nothing of this transaction is on it yet.
    database_.execute_first(*lease_, "BEGIN ISOLATION LEVEL READ COMMITTED");
    in_transaction_ = true;
    first = false;
  }
  Connection connection = lease_->connection();
  if (first) {
    database_.run_first(*lease_, [&] { work(connection); });  // a read, which may run again
  } else {
    database_.translate_errors(*lease_, [&] { work(connection); });
  }
}

}  // namespace allocation::adapters::sql
