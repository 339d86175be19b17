#include "allocation/adapters/sql/migrations.hpp"

#include <gtest/gtest.h>
#include <soci/session.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/sql_order_lines.hpp"
#include "allocation/adapters/sql/sql_read_model.hpp"
#include "allocation/adapters/sql/sql_stock_ledger.hpp"
#include "allocation/service_layer/errors.hpp"
#include "support/sql_test.hpp"

namespace allocation::adapters::sql {
namespace {

class Migrations : public testing::SqlTest {};

// Rows of allocations against its rules, of product LAMP with a batch b1: none goes in.
void expect_lines_against_the_rules_refused(Connection& connection) {
  for (const std::string values : {
           "('x', 'LAMP', 1, NULL, 3, NULL)",  // no such state
           "('x', 'LAMP', 1, NULL, -1, NULL)",
           "('x', 'LAMP', 1, NULL, 0, NULL)",  // allocated without a batch
           "('x', 'LAMP', 1, 'b1', 1, NULL)",  // waiting on a batch
           "('x', 'LAMP', 0, 'b1', 0, NULL)",  // no units
           "('x', 'LAMP', 2, 'b1', 0, 2)",     // a part as large as its line
       }) {
    EXPECT_ANY_THROW(connection.execute(
        "INSERT INTO allocations (orderid, sku, qty, batchref, state, line_qty) VALUES " + values))
        << values;
  }
}

TEST_P(Migrations, MigratingAgainIsHarmlessAndKeepsData) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  EXPECT_EQ(migrate(*database), latest_schema_version());
  EXPECT_EQ(migrate(*database), latest_schema_version());
  units_of_work->perform(
      [](service_layer::UnitOfWork& uow) { EXPECT_TRUE(uow.products().get("LAMP")); });
}

TEST_P(Migrations, ProcessesStartingTogetherMigrateOnce) {
  testing::ScratchDatabase fresh(GetParam());
  std::vector<std::thread> starters;
  std::mutex failures_lock;
  std::vector<std::string> failures;
  for (int i = 0; i < 4; ++i) {
    starters.emplace_back([&] {
      try {
        Database own(fresh.url(), {.pool_size = 1});
        migrate(own);
      } catch (const std::exception& error) {
        const std::scoped_lock lock(failures_lock);
        failures.emplace_back(error.what());
      }
    });
  }
  for (auto& starter : starters) starter.join();
  EXPECT_EQ(failures, std::vector<std::string>{});

  // Each migration was applied by one of them: every version recorded once, none missing.
  Database database(fresh.url(), {.pool_size = 1});
  auto lease = database.acquire();
  std::vector<std::pair<int, long long>> recorded;
  for (const auto& [version, times] : lease.connection().query<int, long long>(
           "SELECT version, COUNT(*) FROM schema_migrations GROUP BY version ORDER BY version")) {
    recorded.emplace_back(*version, *times);
  }
  std::vector<std::pair<int, long long>> once;
  for (int version = 1; version <= latest_schema_version(); ++version) {
    once.emplace_back(version, 1);
  }
  EXPECT_EQ(recorded, once);
}

TEST_P(Migrations, Version5KeepsTheOutboxAndDropsTheUniqueIndexOnMessageIds) {
  testing::ScratchDatabase old(GetParam());
  Database database(old.url(), {.pool_size = 2});
  ASSERT_EQ(migrate(database, 4), 4);
  auto lease = database.acquire();
  soci::session& session = lease.session();
  for (const char* id : {"m1", "m2"}) {
    session << "INSERT INTO outbox (message_id, channel, payload) VALUES ('" + std::string(id) +
                   "', 'line_allocated', '{}')";
  }
  EXPECT_THROW(session << "INSERT INTO outbox (message_id, channel, payload)"
                          " VALUES ('m1', 'line_allocated', '{}')",
               soci::soci_error);

  ASSERT_EQ(migrate(database), latest_schema_version());
  session << "INSERT INTO outbox (message_id, channel, payload) VALUES ('m1', 'again', '{}')";
  std::vector<std::string> rows;
  long long last_id = 0;
  for (const auto& [id, message_id, channel] :
       lease.connection().query<long long, std::string, std::string>(
           "SELECT id, message_id, channel FROM outbox ORDER BY id")) {
    EXPECT_GT(*id, last_id);
    last_id = *id;
    rows.push_back(*message_id + " " + *channel);
  }
  EXPECT_EQ(rows, (std::vector<std::string>{"m1 line_allocated", "m2 line_allocated", "m1 again"}));
}

// A process that starts beside a busy one finds the schema up to date by reading its version:
// on SQLite the other's writer may keep the write lock for longer than the busy timeout in all
// (it is taken again after each commit), and a start that asked for it failed with "database is
// locked" (found by the fault run). It fails without the read first (tried): 10 s, then that.
TEST_P(Migrations, AnUpToDateSchemaIsFoundWithoutTheWriteLock) {
  if (GetParam() != Backend::sqlite)
    GTEST_SKIP() << "PostgreSQL: only migrations take their lock, and readers never wait";
  auto writer = database->connect();
  *writer << "BEGIN IMMEDIATE";
  EXPECT_EQ(migrate(*database), latest_schema_version());
  *writer << "ROLLBACK";
}

TEST_P(Migrations, ADatabaseNewerThanTheBinaryIsAClearError) {
  {
    auto lease = database->acquire();
    lease.session()
        << "INSERT INTO schema_migrations (version, description) VALUES (999, 'future')";
  }
  try {
    migrate(*database);
    FAIL() << "no error";
  } catch (const SchemaTooNew& error) {
    EXPECT_NE(std::string(error.what()).find("999"), std::string::npos) << error.what();
  }
}

// A database of before the ledger: its stock becomes the ledger's opening movements, so that
// the ledger accounts for all of it right after the migration.
TEST_P(Migrations, Version7OpensTheLedgerWithTheStockThere) {
  testing::ScratchDatabase old(GetParam());
  auto database = std::make_shared<Database>(old.url(), DatabaseOptions{.pool_size = 2});
  ASSERT_EQ(migrate(*database, 6), 6);
  {
    auto lease = database->acquire();
    Connection connection = lease.connection();
    connection.execute("INSERT INTO products (sku, version_number) VALUES ('LAMP', 3)");
    connection.execute(
        "INSERT INTO batches (reference, sku, purchased_quantity, eta, allocated_quantity)"
        " VALUES ('b1', 'LAMP', 10, NULL, 7), ('b2', 'LAMP', 5, '2031-05-01', 0)");
    connection.execute(
        "INSERT INTO allocations (orderid, sku, qty, batchref)"
        " VALUES ('o1', 'LAMP', 3, 'b1'), ('o2', 'LAMP', 4, 'b1')");
  }
  ASSERT_EQ(migrate(*database), latest_schema_version());

  SqlStockLedger ledger(database);
  const auto check = ledger.verify();
  EXPECT_TRUE(check.differences.empty());
  EXPECT_EQ(check.batches, 2);
  const auto page = ledger.movements("LAMP", 0, 100).value();
  std::vector<std::string> opening;
  for (const auto& m : page.movements) {
    opening.push_back(m.batchref + " " + m.kind + " " + std::to_string(m.qty) + " " +
                      m.orderid.value_or("-"));
    EXPECT_EQ(m.at.size(), std::string("2031-05-01T09:00:00.000Z").size()) << m.at;
    EXPECT_TRUE(m.at.ends_with("Z")) << m.at;
  }
  EXPECT_EQ(opening, (std::vector<std::string>{"b1 received 10 -", "b2 received 5 -",
                                               "b1 allocated -3 o1", "b1 allocated -4 o2"}));
}

// Waiting and released lines become rows of allocations in their state: the queue keeps its
// order, the read model still lists allocated lines only, and an order's line of a SKU is in one
// state at most.
TEST_P(Migrations, Version10KeepsEveryLineInItsState) {
  testing::ScratchDatabase old(GetParam());
  auto database = std::make_shared<Database>(old.url(), DatabaseOptions{.pool_size = 2});
  ASSERT_EQ(migrate(*database, 6), 6);  // the queue's and the released lines' tables are new
  {
    auto lease = database->acquire();
    Connection connection = lease.connection();
    connection.execute(
        "INSERT INTO products (sku, version_number) VALUES ('LAMP', 3), ('SOFA', 1)");
    connection.execute(
        "INSERT INTO batches (reference, sku, purchased_quantity, eta, allocated_quantity)"
        " VALUES ('b1', 'LAMP', 10, NULL, 7)");
    connection.execute(
        "INSERT INTO allocations (orderid, sku, qty, batchref)"
        " VALUES ('o1', 'LAMP', 3, 'b1'), ('o2', 'LAMP', 4, 'b1')");
    connection.execute(
        "INSERT INTO waiting_lines (orderid, sku, qty) VALUES ('late', 'LAMP', 9), ('o1', 'SOFA',"
        " 2)");
    connection.execute("INSERT INTO released_lines (orderid, sku, qty) VALUES ('gone', 'LAMP', 1)");
  }
  ASSERT_EQ(migrate(*database), latest_schema_version());

  auto lease = database->acquire();
  Connection connection = lease.connection();
  std::vector<std::string> rows;
  for (const auto& [orderid, sku, state, batchref] :
       connection.query<std::string, std::string, int, std::string>(
           "SELECT orderid, sku, state, batchref FROM allocations ORDER BY id")) {
    rows.push_back(*orderid + " " + *sku + " " + std::to_string(*state) + " " +
                   batchref.value_or("-"));
  }
  EXPECT_EQ(rows, (std::vector<std::string>{"o1 LAMP 0 b1", "o2 LAMP 0 b1", "late LAMP 1 -",
                                            "o1 SOFA 1 -", "gone LAMP 2 -"}));
  EXPECT_EQ(SqlReadModel(database).allocations("o1"),
            (std::vector<service_layer::AllocationRow>{{"LAMP", "b1"}}))
      << "the read model lists allocated lines only";
  const auto o1 = SqlOrderLines(database).of_order("o1");
  ASSERT_EQ(o1.size(), 2u);
  EXPECT_EQ(o1[0].status, service_layer::LineStatus::allocated);
  EXPECT_EQ(o1[1].status, service_layer::LineStatus::backordered);
  EXPECT_EQ(SqlOrderLines(database).of_order("gone").at(0).status,
            service_layer::LineStatus::cancelled);
  EXPECT_TRUE(SqlStockLedger(database).verify().differences.empty());

  // A state says whether a row has a batch. (Since version 12 an order's line of a SKU may be
  // several rows: the parts of a split line.)
  EXPECT_ANY_THROW(connection.execute(
      "INSERT INTO allocations (orderid, sku, qty, state) VALUES ('o9', 'LAMP', 1, 0)"));
  EXPECT_ANY_THROW(connection.execute(
      "INSERT INTO allocations (orderid, sku, qty, batchref, state) VALUES ('o9', 'LAMP', 1, 'b1',"
      " 2)"));
}

// Batches that were there before warehouses are in `main` and keep; no warehouse is ranked.
TEST_P(Migrations, Version11PutsEveryBatchInMainWithNoExpiry) {
  testing::ScratchDatabase old(GetParam());
  auto database = std::make_shared<Database>(old.url(), DatabaseOptions{.pool_size = 2});
  ASSERT_EQ(migrate(*database, 10), 10);
  {
    auto lease = database->acquire();
    Connection connection = lease.connection();
    connection.execute("INSERT INTO products (sku, version_number) VALUES ('LAMP', 1)");
    connection.execute(
        "INSERT INTO batches (reference, sku, purchased_quantity, eta) VALUES ('b1', 'LAMP', 10,"
        " NULL)");
  }
  ASSERT_EQ(migrate(*database), latest_schema_version());
  auto lease = database->acquire();
  Connection connection = lease.connection();
  const auto rows = connection.query<std::string, std::string>(
      "SELECT warehouse, expires FROM batches WHERE reference = 'b1'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(std::get<0>(rows[0]), "main");
  EXPECT_EQ(std::get<1>(rows[0]), std::nullopt);
  EXPECT_TRUE(connection.query<std::string>("SELECT id FROM warehouses").empty());
  // A warehouse has one priority.
  connection.execute("INSERT INTO warehouses (id, priority) VALUES ('east', 1)");
  EXPECT_ANY_THROW(connection.execute("INSERT INTO warehouses (id, priority) VALUES ('east', 2)"));
}

// Lines stored before split lines are whole (line_qty NULL), and so is every line taken off and
// pending; a part's line is larger than the part.
TEST_P(Migrations, Version12KeepsEveryLineWholeAndLetsALineHaveParts) {
  testing::ScratchDatabase old(GetParam());
  auto database = std::make_shared<Database>(old.url(), DatabaseOptions{.pool_size = 2});
  ASSERT_EQ(migrate(*database, 11), 11);
  {
    auto lease = database->acquire();
    Connection connection = lease.connection();
    connection.execute("INSERT INTO products (sku, version_number) VALUES ('LAMP', 1)");
    connection.execute(
        "INSERT INTO batches (reference, sku, purchased_quantity, eta, allocated_quantity)"
        " VALUES ('b1', 'LAMP', 10, NULL, 3), ('b2', 'LAMP', 10, NULL, 0)");
    connection.execute(
        "INSERT INTO allocations (orderid, sku, qty, batchref) VALUES ('o1', 'LAMP', 3, 'b1')");
    connection.execute(
        "INSERT INTO pending_reallocations (orderid, sku, qty, batchref)"
        " VALUES ('o2', 'LAMP', 4, 'b2')");
  }
  ASSERT_EQ(migrate(*database), latest_schema_version());
  auto lease = database->acquire();
  Connection connection = lease.connection();
  const auto lines =
      connection.query<std::string, int, int>("SELECT orderid, qty, line_qty FROM allocations");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(std::get<2>(lines[0]), std::nullopt);
  EXPECT_EQ(
      std::get<1>(
          connection.query<std::string, int>("SELECT orderid, line_qty FROM pending_reallocations")
              .at(0)),
      std::nullopt);
  connection.execute(
      "INSERT INTO allocations (orderid, sku, qty, batchref, line_qty)"
      " VALUES ('o3', 'LAMP', 2, 'b1', 5), ('o3', 'LAMP', 3, 'b2', 5)");
  EXPECT_ANY_THROW(
      connection.execute("INSERT INTO allocations (orderid, sku, qty, batchref, line_qty)"
                         " VALUES ('o4', 'LAMP', 2, 'b1', 2)"));
}

// Every line keeps its row, id and state; the table refuses what it refused; and on SQLite,
// writing a line builds no temporary table (the CHECK's `IN` list did, at every row).
TEST_P(Migrations, Version15KeepsEveryLineAndChecksItWithoutATemporaryTable) {
  testing::ScratchDatabase old(GetParam());
  auto database = std::make_shared<Database>(old.url(), DatabaseOptions{.pool_size = 2});
  ASSERT_EQ(migrate(*database, 14), 14);
  {
    auto lease = database->acquire();
    Connection connection = lease.connection();
    connection.execute("INSERT INTO products (sku, version_number) VALUES ('LAMP', 1)");
    connection.execute(
        "INSERT INTO batches (reference, sku, purchased_quantity, eta, allocated_quantity)"
        " VALUES ('b1', 'LAMP', 10, NULL, 5)");
    connection.execute(
        "INSERT INTO allocations (orderid, sku, qty, batchref, state, line_qty) VALUES"
        " ('o1', 'LAMP', 3, 'b1', 0, NULL), ('o2', 'LAMP', 2, 'b1', 0, 6),"
        " ('late', 'LAMP', 4, NULL, 1, NULL), ('gone', 'LAMP', 1, NULL, 2, NULL)");
  }
  const auto rows = [&] {
    auto lease = database->acquire();
    std::vector<std::string> found;
    for (const auto& [id, orderid, state, batchref, line_qty] :
         lease.connection().query<long long, std::string, int, std::string, int>(
             "SELECT id, orderid, state, batchref, line_qty FROM allocations ORDER BY id")) {
      found.push_back(std::to_string(*id) + " " + *orderid + " " + std::to_string(*state) + " " +
                      batchref.value_or("-") + " " +
                      (line_qty ? std::to_string(*line_qty) : std::string("-")));
    }
    return found;
  };
  const std::vector<std::string> before = rows();
  ASSERT_EQ(before.size(), 4u);
  ASSERT_EQ(migrate(*database), latest_schema_version());
  EXPECT_EQ(rows(), before) << "each line keeps its id: a waiting line keeps its place";

  auto lease = database->acquire();
  Connection connection = lease.connection();
  EXPECT_EQ(SqlReadModel(database).allocations("o1"),
            (std::vector<service_layer::AllocationRow>{{"LAMP", "b1"}}));
  EXPECT_EQ(SqlOrderLines(database).of_order("late").at(0).status,
            service_layer::LineStatus::backordered);

  expect_lines_against_the_rules_refused(connection);
  EXPECT_ANY_THROW(
      connection.execute("INSERT INTO allocations (orderid, sku, qty, batchref, state, line_qty)"
                         " VALUES ('x', 'LAMP', 1, 'nope', 0, NULL)"));  // no such batch
  EXPECT_EQ(std::get<0>(connection.query<long long>("SELECT COUNT(*) FROM allocations").at(0)), 4);

  if (GetParam() != Backend::sqlite) return;
  std::vector<std::string> indexes;
  for (const auto& [name] : connection.query<std::string>(
           "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'allocations'"
           " ORDER BY name")) {
    indexes.push_back(*name);
  }
  EXPECT_EQ(indexes, (std::vector<std::string>{"allocations_by_batch", "allocations_by_line",
                                               "allocations_waiting"}));
  std::vector<std::string> opcodes;
  for (const auto& [address, opcode] : connection.query<long long, std::string>(
           "EXPLAIN INSERT INTO allocations (orderid, sku, qty, batchref, line_qty)"
           " VALUES ('o3', 'LAMP', 1, 'b1', NULL)")) {
    opcodes.push_back(*opcode);
  }
  EXPECT_FALSE(opcodes.empty());
  EXPECT_EQ(std::count(opcodes.begin(), opcodes.end(), "OpenEphemeral"), 0);
}

// PostgreSQL's batches, allocations and holds each have one CHECK, which refuses what the ones
// it replaced refused; SQLite's tables are as they were, and refuse the same.
TEST_P(Migrations, Version18ChecksEachTableWithOneCheckThatRefusesWhatItRefused) {
  testing::ScratchDatabase old(GetParam());
  auto database = std::make_shared<Database>(old.url(), DatabaseOptions{.pool_size = 2});
  ASSERT_EQ(migrate(*database, 17), 17);
  {
    auto lease = database->acquire();
    Connection connection = lease.connection();
    connection.execute("INSERT INTO products (sku, version_number) VALUES ('LAMP', 1)");
    connection.execute(
        "INSERT INTO batches (reference, sku, purchased_quantity, eta, allocated_quantity,"
        " reserved_quantity) VALUES ('b1', 'LAMP', 10, NULL, 5, 2)");
    connection.execute(
        "INSERT INTO allocations (orderid, sku, qty, batchref, state, line_qty)"
        " VALUES ('o1', 'LAMP', 5, 'b1', 0, NULL)");
    connection.execute(
        "INSERT INTO reservations (id, sku, batchref, qty, expires_at, ttl_s)"
        " VALUES ('h1', 'LAMP', 'b1', 2, 0, 60)");
  }
  ASSERT_EQ(migrate(*database), latest_schema_version());

  auto lease = database->acquire();
  Connection connection = lease.connection();
  const auto count = [&](const std::string& table) {
    return *std::get<0>(connection.query<long long>("SELECT COUNT(*) FROM " + table).at(0));
  };
  const auto refused = [&](const std::string& statement) {
    EXPECT_ANY_THROW(connection.execute(statement)) << statement;
  };
  const std::string batch =
      "INSERT INTO batches (reference, sku, purchased_quantity, eta, allocated_quantity,"
      " reserved_quantity) VALUES ";
  refused(batch + "('x', 'LAMP', -1, NULL, 0, 0)");  // fewer than no units bought
  refused(batch + "('x', 'LAMP', 5, NULL, -1, 0)");
  refused(batch + "('x', 'LAMP', 5, NULL, 0, -1)");
  refused(batch + "('x', 'LAMP', 5, NULL, 6, 0)");  // more allocated than bought
  refused(batch + "('x', 'LAMP', 5, NULL, 0, 6)");
  refused(batch + "('x', 'LAMP', 5, NULL, 3, 3)");  // allocated and held: more than bought
  refused("UPDATE batches SET allocated_quantity = 9 WHERE reference = 'b1'");
  EXPECT_EQ(count("batches WHERE allocated_quantity = 5 AND reserved_quantity = 2"), 1);
  EXPECT_EQ(count("batches"), 1);

  expect_lines_against_the_rules_refused(connection);
  connection.execute(
      "INSERT INTO allocations (orderid, sku, qty, batchref, state, line_qty)"
      " VALUES ('w', 'LAMP', 4, NULL, 1, NULL), ('p', 'LAMP', 1, 'b1', 0, 3)");
  EXPECT_EQ(count("allocations"), 3);

  const std::string hold =
      "INSERT INTO reservations (id, sku, batchref, qty, expires_at, ttl_s) VALUES ";
  refused(hold + "('x', 'LAMP', 'b1', 0, 0, 60)");  // no units
  refused(hold + "('x', 'LAMP', 'b1', 1, 0, 0)");   // no time to live
  EXPECT_EQ(count("reservations"), 1);

  if (GetParam() != Backend::postgresql) return;
  std::vector<std::string> checks;
  for (const auto& [name] : connection.query<std::string>(
           "SELECT k.conname FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid"
           " JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()"
           " WHERE k.contype = 'c' AND t.relname IN ('batches', 'allocations', 'reservations')"
           " ORDER BY k.conname")) {
    checks.push_back(*name);
  }
  EXPECT_EQ(checks, (std::vector<std::string>{"allocations_line", "batches_quantities",
                                              "reservations_hold"}));
}

// Live and ended holds in one table: every hold keeps its data and its state, the live ones
// their order within a batch; an ended hold of before has no ttl_s; an id stays taken whichever
// way its hold went; the indexes on live holds leave the ended ones out (a product's go by its
// batches: no index by SKU).
TEST_P(Migrations, Version19KeepsEveryHoldLiveOrEndedInOneTable) {
  testing::ScratchDatabase old(GetParam());
  auto database = std::make_shared<Database>(old.url(), DatabaseOptions{.pool_size = 2});
  ASSERT_EQ(migrate(*database, 18), 18);
  {
    auto lease = database->acquire();
    Connection connection = lease.connection();
    connection.execute("INSERT INTO products (sku, version_number) VALUES ('LAMP', 1)");
    connection.execute(
        "INSERT INTO batches (reference, sku, purchased_quantity, eta, allocated_quantity,"
        " reserved_quantity) VALUES ('b1', 'LAMP', 10, NULL, 0, 5)");
    connection.execute(
        "INSERT INTO reservations (id, sku, batchref, qty, expires_at, ttl_s)"
        " VALUES ('h2', 'LAMP', 'b1', 2, 7000, 60), ('h1', 'LAMP', 'b1', 3, 9000, 90)");
    connection.execute(
        "INSERT INTO ended_reservations (id, sku, batchref, qty, expires_at, ended) VALUES"
        " ('e1', 'LAMP', 'b1', 1, 1000, 'expired'), ('e2', 'LAMP', 'b1', 4, 2000, 'released'),"
        " ('e3', 'LAMP', 'b1', 5, 3000, 'consumed')");
  }
  ASSERT_EQ(migrate(*database), latest_schema_version());

  auto lease = database->acquire();
  Connection connection = lease.connection();
  std::vector<std::string> holds;
  for (const auto& [id, qty, expires_at, ttl, ended] :
       connection.query<std::string, int, long long, int, std::string>(
           "SELECT id, qty, expires_at, ttl_s, ended FROM reservations ORDER BY seq")) {
    holds.push_back(*id + " " + std::to_string(*qty) + " " + std::to_string(*expires_at) + " " +
                    (ttl ? std::to_string(*ttl) : "-") + " " + ended.value_or("live"));
  }
  EXPECT_EQ(holds, (std::vector<std::string>{"h2 2 7000 60 live", "h1 3 9000 90 live",
                                             "e1 1 1000 - expired", "e2 4 2000 - released",
                                             "e3 5 3000 - consumed"}));
  const bool sqlite = GetParam() == Backend::sqlite;
  EXPECT_EQ(*std::get<0>(connection
                             .query<long long>(sqlite ? "SELECT COUNT(*) FROM sqlite_master"
                                                        " WHERE name = 'ended_reservations'"
                                                      : "SELECT COUNT(*) FROM pg_tables"
                                                        " WHERE tablename = 'ended_reservations'"
                                                        " AND schemaname = current_schema()")
                             .at(0)),
            0);
  for (const std::string taken : {"h1", "e1", "e2", "e3"}) {
    EXPECT_ANY_THROW(
        connection.execute("INSERT INTO reservations (id, sku, batchref, qty, expires_at, ttl_s)"
                           " VALUES ('" +
                           taken + "', 'LAMP', 'b1', 1, 0, 60)"))
        << taken;
  }
  std::vector<std::string> live_only;
  for (const auto& [name] : connection.query<std::string>(
           sqlite ? "SELECT name FROM sqlite_master WHERE tbl_name = 'reservations'"
                    " AND sql LIKE '%WHERE ended IS NULL%' ORDER BY name"
                  : "SELECT indexname FROM pg_indexes WHERE tablename = 'reservations'"
                    " AND schemaname = current_schema() AND indexdef LIKE '%WHERE (ended IS "
                    "NULL)%' ORDER BY indexname")) {
    live_only.push_back(*name);
  }
  EXPECT_EQ(live_only,
            (std::vector<std::string>{"reservations_by_batch", "reservations_by_expiry"}));
  EXPECT_EQ(*std::get<0>(connection
                             .query<long long>("SELECT SUM(qty) FROM reservations"
                                               " WHERE batchref = 'b1' AND ended IS NULL")
                             .at(0)),
            5)
      << "b1's reserved_quantity: h1's and h2's units";
}

INSTANTIATE_FOR_BOTH_DATABASES(Migrations);

TEST(DatabaseUrl, AcceptsSqliteAndPostgresql) {
  EXPECT_EQ(parse_database_url("sqlite:allocation.db").target, "allocation.db");
  EXPECT_EQ(parse_database_url("sqlite:///var/lib/a.db").target, "/var/lib/a.db");
  auto pg = parse_database_url("postgresql://u:p@localhost:5432/alloc");
  EXPECT_EQ(pg.backend, Backend::postgresql);
  EXPECT_EQ(pg.target, "postgresql://u:p@localhost:5432/alloc");
  EXPECT_EQ(parse_database_url("postgres://h/db").backend, Backend::postgresql);
}

TEST(DatabaseUrl, RejectsMalformedUrls) {
  for (const char* url : {"", "sqlite:", "mysql://h/db", "postgresql://", "postgresql://host",
                          "postgresql://host/", "postgresql:///db", "allocation.db"}) {
    EXPECT_THROW(parse_database_url(url), std::invalid_argument) << url;
  }
}

TEST(Database, UnreachableDatabaseIsUnavailable) {
  EXPECT_THROW(Database("sqlite:/nonexistent-folder/x/allocation.db"), service_layer::Unavailable);
  EXPECT_THROW(Database("postgresql://nobody:x@127.0.0.1:1/none"), service_layer::Unavailable);
}

}  // namespace
}  // namespace allocation::adapters::sql
