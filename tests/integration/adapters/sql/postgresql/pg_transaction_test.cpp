#include "allocation/adapters/sql/postgresql/pg_transaction.hpp"

#include <gtest/gtest.h>
#include <soci/session.h>

#include <memory>
#include <optional>
#include <string>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/service_layer/errors.hpp"
#include "support/scratch_database.hpp"

namespace allocation::adapters::sql {
namespace {

using namespace std::chrono_literals;

// A PgTransaction on the test PostgreSQL server, watched from a connection of the test's own.
// pg_current_xact_id() tells which transaction a statement ran in: a statement on its own gets
// a transaction id of its own, statements in one transaction share one.
class PgTransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_AVAILABLE(scratch);
    database = scratch.open({.pool_size = 1, .acquire_timeout = 2s});
    observer = database->connect();
    *observer << "CREATE TABLE probe (id INTEGER PRIMARY KEY)";
  }

  // The rows of probe as another connection sees them (committed ones).
  long long committed_rows() {
    long long count = 0;
    *observer << "SELECT COUNT(*) FROM probe", soci::into(count);
    return count;
  }

  static void insert(Connection& connection, int id) {
    connection.execute("INSERT INTO probe (id) VALUES (:id)", id);
  }
  static std::string transaction_id(Connection& connection) {
    return *std::get<0>(
        connection.query<std::string>("SELECT CAST(pg_current_xact_id() AS TEXT)").at(0));
  }
  static int backend(Connection& connection) {
    return *std::get<0>(connection.query<int>("SELECT pg_backend_pid()").at(0));
  }

  testing::ScratchDatabase scratch{Backend::postgresql};
  std::shared_ptr<Database> database;
  std::unique_ptr<soci::session> observer;
};

TEST_F(PgTransactionTest, WritesAreSeenByOthersOnlyOnceCommitted) {
  PgTransaction transaction(*database, /*lone_writes=*/false);
  transaction.write([](Connection& c) { insert(c, 1); });
  transaction.write([](Connection& c) { insert(c, 2); });
  EXPECT_EQ(committed_rows(), 0);
  transaction.commit();
  EXPECT_EQ(committed_rows(), 2);
}

TEST_F(PgTransactionTest, WritesAreRolledBackUnlessCommitted) {
  {
    PgTransaction transaction(*database, false);
    transaction.write([](Connection& c) { insert(c, 1); });
  }
  PgTransaction transaction(*database, false);
  transaction.write([](Connection& c) { insert(c, 2); });
  transaction.rollback();
  EXPECT_EQ(committed_rows(), 0);
}

TEST_F(PgTransactionTest, WritesShareOneTransactionAndReadsAfterThemSeeThem) {
  PgTransaction transaction(*database, false);
  std::string first, second;
  long long seen = 0;
  transaction.write([&](Connection& c) {
    insert(c, 1);
    first = transaction_id(c);
  });
  transaction.write([&](Connection& c) { second = transaction_id(c); });
  transaction.read([&](Connection& c) {
    seen = *std::get<0>(c.query<long long>("SELECT COUNT(*) FROM probe").at(0));
  });
  EXPECT_EQ(first, second);
  EXPECT_EQ(seen, 1);
}

TEST_F(PgTransactionTest, ReadsBeforeAnyWriteRunEachOnTheirOwn) {
  PgTransaction transaction(*database, false);
  std::string first, second, write;
  transaction.read([&](Connection& c) { first = transaction_id(c); });
  transaction.read([&](Connection& c) { second = transaction_id(c); });
  transaction.write([&](Connection& c) { write = transaction_id(c); });
  EXPECT_NE(first, second);
  EXPECT_NE(write, first);
  EXPECT_NE(write, second);
}

TEST_F(PgTransactionTest, EveryStatementRunsOnTheConnectionLeasedAtTheFirst) {
  PgTransaction transaction(*database, false);
  int read = 0, write = 0, after = 0;
  transaction.read([&](Connection& c) { read = backend(c); });
  transaction.write([&](Connection& c) { write = backend(c); });
  transaction.read([&](Connection& c) { after = backend(c); });
  EXPECT_EQ(read, write);
  EXPECT_EQ(write, after);
}

TEST_F(PgTransactionTest, ALoneWriteWithNoTransactionOpenIsCommittedAtOnce) {
  PgTransaction transaction(*database, /*lone_writes=*/true);
  transaction.read([](Connection& c) { c.query<long long>("SELECT COUNT(*) FROM probe"); });
  transaction.write_alone([](Connection& c) { insert(c, 1); });
  EXPECT_EQ(committed_rows(), 1);
  transaction.rollback();
  EXPECT_EQ(committed_rows(), 1) << "nothing was left to roll back";
}

TEST_F(PgTransactionTest, ALoneWriteJoinsATransactionAlreadyOpen) {
  PgTransaction transaction(*database, /*lone_writes=*/true);
  transaction.write([](Connection& c) { insert(c, 1); });
  transaction.write_alone([](Connection& c) { insert(c, 2); });
  EXPECT_EQ(committed_rows(), 0);
  transaction.rollback();
  EXPECT_EQ(committed_rows(), 0);
}

TEST_F(PgTransactionTest, ALoneWriteOfASharedTransactionWaitsForItsCommit) {
  PgTransaction transaction(*database, /*lone_writes=*/false);
  transaction.write_alone([](Connection& c) { insert(c, 1); });
  EXPECT_EQ(committed_rows(), 0);
  transaction.commit();
  EXPECT_EQ(committed_rows(), 1);
}

TEST_F(PgTransactionTest, CommitAndRollbackGiveTheConnectionBack) {
  // The pool has one connection: a transaction that kept it would leave none to the next.
  for (int i = 0; i < 3; ++i) {
    PgTransaction transaction(*database, false);
    transaction.write([&](Connection& c) { insert(c, i); });
    if (i % 2 == 0) {
      transaction.commit();
    } else {
      transaction.rollback();
    }
  }
  PgTransaction reader(*database, false);
  EXPECT_NO_THROW(reader.read([](Connection& c) { backend(c); }));
  EXPECT_EQ(committed_rows(), 2);
}

TEST_F(PgTransactionTest, AFailedWriteAbortsTheTransactionAndRollsItBack) {
  PgTransaction transaction(*database, false);
  transaction.write([](Connection& c) { insert(c, 1); });
  EXPECT_FALSE(transaction.aborted());
  EXPECT_THROW(transaction.write(
                   [](Connection& c) { c.query<int>("SELECT 1 / CAST(:zero AS INTEGER)", 0); }),
               soci::soci_error);
  EXPECT_TRUE(transaction.aborted());
  transaction.rollback();
  EXPECT_FALSE(transaction.aborted());

  PgTransaction next(*database, false);
  next.write([](Connection& c) { insert(c, 2); });
  next.commit();
  EXPECT_EQ(committed_rows(), 1) << "the first transaction's row is gone, the next one's kept";
}

TEST_F(PgTransactionTest, AFailedReadOutsideATransactionAbortsNothing) {
  PgTransaction transaction(*database, false);
  EXPECT_THROW(
      transaction.read([](Connection& c) { c.query<int>("SELECT 1 / CAST(:zero AS INTEGER)", 0); }),
      soci::soci_error);
  EXPECT_FALSE(transaction.aborted());
  transaction.write([](Connection& c) { insert(c, 1); });
  transaction.commit();
  EXPECT_EQ(committed_rows(), 1);
}

TEST_F(PgTransactionTest, ALostRaceIsAConcurrencyError) {
  *observer << "INSERT INTO probe (id) VALUES (1)";
  PgTransaction transaction(*database, false);
  EXPECT_THROW(transaction.write([](Connection& c) { insert(c, 1); }),
               service_layer::ConcurrencyError);
  EXPECT_TRUE(transaction.aborted());
}

TEST_F(PgTransactionTest, AConnectionLostWhileIdleIsReplacedAtTheFirstStatement) {
  for (const bool write_first : {false, true}) {
    int lost = 0;
    {
      PgTransaction transaction(*database, false);
      transaction.read([&](Connection& c) { lost = backend(c); });
      transaction.commit();
    }
    int terminated = 0;
    // Waits (up to 5 s) until the backend has exited.
    *observer << "SELECT CAST(pg_terminate_backend(:pid, 5000) AS INTEGER)", soci::use(lost),
        soci::into(terminated);
    ASSERT_EQ(terminated, 1);

    PgTransaction transaction(*database, false);
    int now = 0;
    if (write_first) {
      transaction.write([&](Connection& c) {
        insert(c, 1);
        now = backend(c);
      });
      transaction.commit();
      EXPECT_EQ(committed_rows(), 1);
    } else {
      transaction.read([&](Connection& c) { now = backend(c); });
    }
    EXPECT_NE(now, lost) << (write_first ? "write" : "read");
  }
}

}  // namespace
}  // namespace allocation::adapters::sql
