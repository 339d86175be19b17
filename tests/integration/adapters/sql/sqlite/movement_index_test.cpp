#include "allocation/adapters/sql/sqlite/movement_index.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "allocation/adapters/in_memory/recording_clock.hpp"
#include "allocation/adapters/sql/migrations.hpp"
#include "allocation/adapters/sql/sql_stock_ledger.hpp"
#include "allocation/adapters/sql/sqlite/sqlite_unit_of_work.hpp"
#include "support/scratch_database.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::Batch;
using domain::OrderLine;
using domain::Product;
using service_layer::UnitOfWork;
using testing::ScratchDatabase;

// SQLite's ledger index, kept in arrears: what catch_up() indexes, and that a reader of a
// product's movements gets each once and in order, whether indexed or not.
class MovementIndexTest : public ::testing::Test {
 protected:
  void add_product(const std::string& sku) {
    units_of_work->perform([&](UnitOfWork& uow) {
      uow.products()
          .add(Product(sku))
          .add_batch(Batch(sku + "-b1", sku, 1000, std::nullopt), kTestNow);
      uow.commit();
    });
  }
  void allocate(const std::string& orderid, const std::string& sku) {
    units_of_work->perform([&](UnitOfWork& uow) {
      uow.products().get(sku, orderid)->allocate(OrderLine(orderid, sku, 1), kTestNow);
      uow.commit();
    });
  }
  long long query_number(const std::string& sql) {
    auto lease = database->acquire();
    return *std::get<0>(lease.connection().query<long long>(sql).at(0));
  }
  long long catch_up(long long at_least) {
    auto lease = database->acquire();
    Connection connection = lease.connection();
    return movement_index::Indexer(at_least).catch_up(connection);
  }
  // A product's movements as the ledger pages them, `limit` at a time: "orderid kind" each.
  std::vector<std::string> paged(const std::string& sku, int limit) {
    SqlStockLedger ledger(database);
    std::vector<std::string> all;
    long long after = 0;
    while (true) {
      const auto page = ledger.movements(sku, after, limit).value();
      for (const auto& m : page.movements) {
        EXPECT_GT(m.seq, after) << "in seq order, each once";
        after = m.seq;
        all.push_back(m.orderid.value_or("-") + " " + m.kind);
      }
      if (!page.next) break;
      EXPECT_EQ(*page.next, after);
    }
    return all;
  }

  ScratchDatabase scratch{Backend::sqlite};
  std::shared_ptr<Database> database = scratch.open();
  // A group leaves any backlog: the tests call catch_up() themselves.
  std::unique_ptr<SqliteUnitsOfWork> units_of_work = std::make_unique<SqliteUnitsOfWork>(
      database, std::make_shared<adapters::RecordingClock>(), 1'000'000);
};

TEST_F(MovementIndexTest, CatchUpIndexesEveryUnindexedMovementOnceTheBacklogIsLongEnough) {
  add_product("LAMP");
  add_product("DESK");
  for (int i = 0; i < 3; ++i) allocate("o" + std::to_string(i), i % 2 ? "LAMP" : "DESK");
  // 2 received + 3 allocated.
  EXPECT_EQ(catch_up(6), 0) << "a shorter backlog waits";
  EXPECT_EQ(query_number("SELECT COUNT(*) FROM movement_index"), 0);
  EXPECT_EQ(catch_up(5), 5);
  EXPECT_EQ(query_number("SELECT COUNT(*) FROM movement_index"), 5);
  EXPECT_EQ(query_number("SELECT upto FROM movement_index_state"),
            query_number("SELECT MAX(seq) FROM movements"));
  EXPECT_EQ(catch_up(0), 0) << "nothing left to index";
  allocate("o9", "LAMP");
  EXPECT_EQ(catch_up(1), 1);
  EXPECT_EQ(query_number("SELECT COUNT(*) FROM movement_index i JOIN movements m"
                         " ON m.seq = i.seq AND m.sku = i.sku"),
            6)
      << "each entry names its movement's SKU";
}

TEST_F(MovementIndexTest, PagesReadIndexedAndUnindexedMovementsAsOneLedger) {
  add_product("LAMP");
  add_product("DESK");
  std::vector<std::string> expected{"- received"};
  for (int i = 0; i < 5; ++i) {
    allocate("a" + std::to_string(i), "LAMP");
    allocate("a" + std::to_string(i), "DESK");
    expected.push_back("a" + std::to_string(i) + " allocated");
  }
  catch_up(0);
  for (int i = 0; i < 4; ++i) {
    allocate("b" + std::to_string(i), "LAMP");
    allocate("b" + std::to_string(i), "DESK");
    expected.push_back("b" + std::to_string(i) + " allocated");
  }
  // 6 indexed and 4 after the watermark, read by pages of every size.
  for (int limit : {1, 2, 3, 6, 7, 10, 100}) {
    EXPECT_EQ(paged("LAMP", limit), expected) << "pages of " << limit;
  }
  const auto tail = SqlStockLedger(database).movements("LAMP", 0, 100).value();
  const long long after_watermark = tail.movements.at(7).seq;
  const auto from_tail = SqlStockLedger(database).movements("LAMP", after_watermark, 100).value();
  ASSERT_EQ(from_tail.movements.size(), 2u) << "after a seq past the watermark";
  EXPECT_EQ(from_tail.movements[0].orderid, "b2");
}

// `allocation verify` checks the index too: an entry missing, or one naming no movement.
TEST_F(MovementIndexTest, VerifyFindsAnEntryMissingOrNamingNoMovement) {
  add_product("LAMP");
  for (int i = 0; i < 3; ++i) allocate("o" + std::to_string(i), "LAMP");
  catch_up(0);
  allocate("o3", "LAMP");  // unindexed, as it may be
  SqlStockLedger ledger(database);
  EXPECT_TRUE(ledger.verify().differences.empty());
  const auto execute = [&](const std::string& sql) {
    auto lease = database->acquire();
    lease.connection().execute(sql);
  };
  execute("DELETE FROM movement_index WHERE seq = 2");
  EXPECT_EQ(ledger.verify().differences,
            (std::vector<service_layer::LedgerDifference>{{"", "movement index entries", 3, 4}}));
  execute("INSERT INTO movement_index (sku, seq) VALUES ('DESK', 2)");
  EXPECT_EQ(ledger.verify().differences,
            (std::vector<service_layer::LedgerDifference>{
                {"", "movement index entries naming no movement", 1, 0}}));
}

// A batch is entered a slice at a time, in index order; meanwhile each reader gets every movement
// once and `verify` finds the index as the state says. Any writer's group goes on with a batch
// under way, and movements committed after it began wait for the next one.
TEST_F(MovementIndexTest, ABatchIsEnteredASliceAtATimeInIndexOrder) {
  for (const char* sku : {"LAMP", "DESK", "SOFA"}) add_product(sku);
  std::map<std::string, std::vector<std::string>> expected;
  for (const char* sku : {"LAMP", "DESK", "SOFA"}) expected[sku] = {"- received"};
  for (int i = 0; i < 9; ++i) {
    const std::string orderid = "o" + std::to_string(i), sku = i % 3 == 0 ? "LAMP" : "DESK";
    allocate(orderid, sku);
    expected[sku].push_back(orderid + " allocated");
  }
  const long long batch_end = query_number("SELECT MAX(seq) FROM movements");  // 12 movements
  auto lease = database->acquire();
  Connection connection = lease.connection();
  movement_index::Indexer indexer(0, 5);
  const auto entries = [&] {
    std::vector<std::string> found;
    for (const auto& [sku, seq] : connection.query<std::string, long long>(
             "SELECT sku, seq FROM movement_index ORDER BY sku, seq")) {
      found.push_back(*sku + " " + std::to_string(*seq));
    }
    return found;
  };
  const auto readers_see_every_movement_once = [&] {
    for (const auto& [sku, movements] : expected) {
      for (int limit : {1, 2, 4, 100}) EXPECT_EQ(paged(sku, limit), movements) << sku << limit;
    }
    EXPECT_TRUE(SqlStockLedger(database).verify().differences.empty());
  };

  EXPECT_EQ(indexer.catch_up(connection), 5);
  ASSERT_EQ(entries().size(), 5u);
  EXPECT_EQ(entries().front().rfind("DESK ", 0), 0u) << "DESK comes first in the index";
  EXPECT_EQ(query_number("SELECT upto FROM movement_index_state"), 0)
      << "the watermark waits for the whole batch";
  readers_see_every_movement_once();
  EXPECT_EQ(indexer.catch_up(connection), 5);
  EXPECT_EQ(entries().size(), 10u);
  readers_see_every_movement_once();

  // The group that writes this movement goes on with the batch: its last 2 entries.
  allocate("late", "SOFA");
  expected["SOFA"].push_back("late allocated");
  EXPECT_EQ(entries().size(), 12u);
  EXPECT_EQ(query_number("SELECT upto FROM movement_index_state"), batch_end)
      << "the late movement is not of the batch";
  EXPECT_EQ(query_number("SELECT batch_to FROM movement_index_state"), 0);
  readers_see_every_movement_once();
  EXPECT_EQ(indexer.catch_up(connection), 1) << "the next batch: the late movement";
  EXPECT_EQ(entries().size(), 13u);
  EXPECT_EQ(query_number("SELECT upto FROM movement_index_state"), batch_end + 1);
  readers_see_every_movement_once();
}

// What an indexer remembers of a batch gives way to the state: a slice rolled back with its
// group is entered again, and a slice another writer entered is not.
TEST_F(MovementIndexTest, AnIndexerGoesOnFromTheStateNotFromWhatItRemembers) {
  add_product("LAMP");
  add_product("DESK");
  for (int i = 0; i < 10; ++i) allocate("o" + std::to_string(i), i % 2 ? "LAMP" : "DESK");
  auto lease = database->acquire();
  Connection connection = lease.connection();
  movement_index::Indexer one(0, 3), other(0, 3);
  EXPECT_EQ(one.catch_up(connection), 3);
  connection.execute("BEGIN IMMEDIATE");
  EXPECT_EQ(one.catch_up(connection), 3);
  connection.execute("ROLLBACK");  // its group failed
  EXPECT_EQ(one.catch_up(connection), 3) << "the slice rolled back, entered again";
  EXPECT_EQ(query_number("SELECT COUNT(*) FROM movement_index"), 6);
  EXPECT_EQ(other.catch_up(connection), 3) << "another writer goes on with the batch";
  EXPECT_EQ(one.catch_up(connection), 3) << "after the other's slice, not into it";
  EXPECT_EQ(other.catch_up(connection), 0) << "12 movements: the batch is whole";
  EXPECT_EQ(query_number("SELECT COUNT(*) FROM movement_index"), 12);
  EXPECT_EQ(query_number("SELECT upto FROM movement_index_state"),
            query_number("SELECT MAX(seq) FROM movements"));
  EXPECT_TRUE(SqlStockLedger(database).verify().differences.empty());
}

// The group commit catches up as its groups pass the backlog given, in their transaction.
TEST_F(MovementIndexTest, GroupsIndexTheLedgerOnceItsBacklogIsReached) {
  units_of_work = std::make_unique<SqliteUnitsOfWork>(
      database, std::make_shared<adapters::RecordingClock>(), 4);
  add_product("LAMP");
  for (int i = 0; i < 2; ++i) allocate("o" + std::to_string(i), "LAMP");
  EXPECT_EQ(query_number("SELECT upto FROM movement_index_state"), 0) << "3 movements";
  allocate("o2", "LAMP");
  EXPECT_EQ(query_number("SELECT COUNT(*) FROM movement_index"), 4);
  EXPECT_EQ(query_number("SELECT upto FROM movement_index_state"),
            query_number("SELECT MAX(seq) FROM movements"));
}

// Two processes' group commits on one file, each catching up as its groups pass its backlog, a
// few entries a group, so that each goes on with batches the other began: each slice runs in its
// writer's transaction, so no movement is indexed twice (a duplicate would fail its group on the
// primary key) and none is left out.
TEST_F(MovementIndexTest, TwoWritersCatchingUpOnOneFileIndexEachMovementOnce) {
  constexpr int kSkus = 5, kThreadsEach = 2, kLines = 40;
  auto other_database = std::make_shared<Database>(scratch.url(), DatabaseOptions{.pool_size = 2});
  std::vector<std::unique_ptr<SqliteUnitsOfWork>> writers;
  writers.push_back(std::make_unique<SqliteUnitsOfWork>(
      database, std::make_shared<adapters::RecordingClock>(), 7, 3));
  writers.push_back(std::make_unique<SqliteUnitsOfWork>(
      other_database, std::make_shared<adapters::RecordingClock>(), 5, 4));
  for (int s = 0; s < kSkus; ++s) add_product("SKU-" + std::to_string(s));
  std::vector<std::jthread> threads;
  for (std::size_t w = 0; w < writers.size(); ++w) {
    for (int t = 0; t < kThreadsEach; ++t) {
      threads.emplace_back([&, w, t] {
        for (int i = 0; i < kLines; ++i) {
          std::string orderid = "o", sku = "SKU-";
          orderid += std::to_string(w) + "-" + std::to_string(t) + "-" + std::to_string(i);
          sku += std::to_string(i % kSkus);
          try {
            writers[w]->perform([&](UnitOfWork& uow) {
              uow.products().get(sku, orderid)->allocate(OrderLine(orderid, sku, 1), kTestNow);
              uow.commit();
            });
          } catch (const std::exception& error) {  // a group that failed: a movement twice?
            ADD_FAILURE() << orderid << ": " << error.what();
            return;
          }
        }
      });
    }
  }
  threads.clear();  // joined
  const long long movements = kSkus + 2 * kThreadsEach * kLines;
  EXPECT_EQ(query_number("SELECT COUNT(*) FROM movements"), movements);
  EXPECT_GT(query_number("SELECT upto FROM movement_index_state"), 0) << "both caught up";
  EXPECT_TRUE(SqlStockLedger(database).verify().differences.empty());
  for (int s = 0; s < kSkus; ++s) {
    EXPECT_EQ(paged("SKU-" + std::to_string(s), 7).size(),
              static_cast<std::size_t>(1 + 2 * kThreadsEach * kLines / kSkus));
  }
}

// A database of before version 9: its movements are indexed by the migration.
TEST(MovementIndexMigration, IndexesTheMovementsThere) {
  ScratchDatabase old(Backend::sqlite);
  auto database = std::make_shared<Database>(old.url(), DatabaseOptions{.pool_size = 2});
  ASSERT_EQ(migrate(*database, 8), 8);
  {
    auto lease = database->acquire();
    Connection connection = lease.connection();
    connection.execute("INSERT INTO products (sku, version_number) VALUES ('LAMP', 1)");
    connection.execute(
        "INSERT INTO batches (reference, sku, purchased_quantity, allocated_quantity)"
        " VALUES ('b1', 'LAMP', 10, 0)");
    connection.execute(
        "INSERT INTO movements (at, sku, batchref, kind, qty)"
        " VALUES ('2031-05-01T09:00:00.000Z', 'LAMP', 'b1', 'received', 10)");
  }
  ASSERT_EQ(migrate(*database), latest_schema_version());
  auto lease = database->acquire();
  Connection connection = lease.connection();
  EXPECT_EQ(*std::get<0>(connection.query<long long>("SELECT COUNT(*) FROM movement_index").at(0)),
            1);
  EXPECT_EQ(
      *std::get<0>(connection.query<long long>("SELECT upto FROM movement_index_state").at(0)), 1);
  EXPECT_EQ(SqlStockLedger(database).movements("LAMP", 0, 10).value().movements.size(), 1u);
}

}  // namespace
}  // namespace allocation::adapters::sql
