#include "allocation/adapters/sql/statement_cache.hpp"

#include <gtest/gtest.h>
#include <soci/session.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "allocation/adapters/sql/connection.hpp"
#include "support/sql_test.hpp"

namespace allocation::adapters::sql {
namespace {

// A statement as the database holds it: what tells it apart from one prepared again (SQLite:
// its address; PostgreSQL: its name), and how many times it ran.
struct Prepared {
  std::string id;
  long long runs;
  friend bool operator==(const Prepared&, const Prepared&) = default;
};

void PrintTo(const Prepared& prepared, std::ostream* out) {
  *out << prepared.id << " (" << prepared.runs << " runs)";
}

// The statement cache of each pooled connection (Database::Lease::connection()), observed from
// the database's side: which statements are prepared on the connection, and how often each ran.
class StatementCacheTest : public testing::SqlTest {
 protected:
  // The statements prepared on `lease`'s connection whose SQL contains `marker`.
  std::vector<Prepared> prepared(const Database::Lease& lease, const std::string& marker) {
    std::vector<Prepared> found;
    if (GetParam() == Backend::sqlite) {
      auto* backend = static_cast<soci::sqlite3_session_backend*>(lease.session().get_backend());
      for (auto* statement = sqlite_api::sqlite3_next_stmt(backend->conn_, nullptr); statement;
           statement = sqlite_api::sqlite3_next_stmt(backend->conn_, statement)) {
        if (std::string(sqlite_api::sqlite3_sql(statement)).find(marker) == std::string::npos) {
          continue;
        }
        found.push_back({std::to_string(reinterpret_cast<std::uintptr_t>(statement)),
                         sqlite_api::sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_RUN, 0)});
      }
    } else {
      for (const auto& [name, runs] : lease.connection().query<std::string, long long>(
               "SELECT name, generic_plans + custom_plans FROM pg_prepared_statements"
               " WHERE strpos(statement, :marker) > 0",
               marker)) {
        found.push_back({*name, *runs});
      }
    }
    return found;
  }

  static constexpr const char* kSelect = "SELECT CAST(:n AS INTEGER) + 1 AS cache_probe_select";
  static int plus_one(Connection connection, int n) {
    const auto rows = connection.query<int>(kSelect, n);
    EXPECT_EQ(rows.size(), 1u);
    return rows.empty() ? 0 : std::get<0>(rows[0]).value_or(0);
  }
};

TEST_P(StatementCacheTest, AStatementIsPreparedOnceAndRunAgainWithNewValues) {
  auto lease = database->acquire();
  EXPECT_EQ(plus_one(lease.connection(), 1), 2);
  const auto first = prepared(lease, "cache_probe_select");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].runs, 1);

  EXPECT_EQ(plus_one(lease.connection(), 41), 42);
  EXPECT_EQ(plus_one(lease.connection(), -1), 0);
  EXPECT_EQ(prepared(lease, "cache_probe_select"), (std::vector<Prepared>{{first[0].id, 3}}));
}

TEST_P(StatementCacheTest, EachConnectionPreparesItsOwn) {
  auto one = database->acquire();
  auto other = database->acquire();
  EXPECT_EQ(plus_one(one.connection(), 1), 2);
  EXPECT_TRUE(prepared(other, "cache_probe_select").empty());
  EXPECT_EQ(plus_one(other.connection(), 2), 3);
  EXPECT_EQ(plus_one(other.connection(), 3), 4);
  ASSERT_EQ(prepared(one, "cache_probe_select").size(), 1u);
  EXPECT_EQ(prepared(one, "cache_probe_select")[0].runs, 1);
  ASSERT_EQ(prepared(other, "cache_probe_select").size(), 1u);
  EXPECT_EQ(prepared(other, "cache_probe_select")[0].runs, 2);
}

TEST_P(StatementCacheTest, AStatementKeepsItsPreparationAcrossLeases) {
  std::string id;
  {
    auto lease = database->acquire();
    plus_one(lease.connection(), 1);
    id = prepared(lease, "cache_probe_select").at(0).id;
  }
  // Every connection but the one used is held, so the next lease is that one again.
  std::vector<Database::Lease> others;
  while (static_cast<int>(others.size()) < database->options().pool_size) {
    auto lease = database->acquire();
    if (!prepared(lease, "cache_probe_select").empty()) {
      EXPECT_EQ(plus_one(lease.connection(), 2), 3);
      EXPECT_EQ(prepared(lease, "cache_probe_select"), (std::vector<Prepared>{{id, 2}}));
      return;
    }
    others.push_back(std::move(lease));
  }
  FAIL() << "no connection holds the statement";
}

TEST_P(StatementCacheTest, AFailedRunDropsTheStatementAndItIsPreparedAgainWhenNextUsed) {
  auto lease = database->acquire();
  lease.session() << "CREATE TABLE cache_probe_rows (id INTEGER PRIMARY KEY)";
  Connection connection = lease.connection();
  const std::string insert = "INSERT INTO cache_probe_rows (id) VALUES (:id)";
  EXPECT_EQ(connection.execute(insert, 1), 1);
  const auto before = prepared(lease, "cache_probe_rows (id)");
  ASSERT_EQ(before.size(), 1u);

  EXPECT_THROW(connection.execute(insert, 1), soci::soci_error);  // the same key again
  EXPECT_TRUE(prepared(lease, "cache_probe_rows (id)").empty());

  EXPECT_EQ(connection.execute(insert, 2), 1);
  const auto after = prepared(lease, "cache_probe_rows (id)");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].runs, 1) << "a statement of its own, run once";
  if (GetParam() == Backend::postgresql) {
    EXPECT_NE(after[0].id, before[0].id);
  }
  EXPECT_EQ(connection.query<long long>("SELECT COUNT(*) FROM cache_probe_rows").at(0),
            Row<long long>{2});
}

TEST_P(StatementCacheTest, OneStatementUsedWithOtherTypesIsAnError) {
  auto lease = database->acquire();
  plus_one(lease.connection(), 1);
  EXPECT_THROW(lease.connection().query<long long>(kSelect, 1), std::logic_error);
  EXPECT_THROW(lease.connection().query<int>(kSelect, std::string("1")), std::logic_error);
  EXPECT_EQ(plus_one(lease.connection(), 2), 3) << "the statement is still there";
}

TEST_P(StatementCacheTest, EveryTypeAndNullGoesInAndComesOutAsItWas) {
  auto lease = database->acquire();
  const std::string sql =
      "SELECT CAST(:i AS INTEGER), CAST(:l AS BIGINT), CAST(:d AS DOUBLE PRECISION),"
      " CAST(:s AS TEXT), CAST(:e AS TEXT) AS cache_probe_types";
  using Types = Row<int, long long, double, std::string, std::string>;
  // Values given as they are, then as std::optional: one statement for each set of types.
  const std::string plain = sql + " -- values as they are";
  const std::string text = "it's \"quoted\", %s ; -- ünïcode";
  EXPECT_EQ((lease.connection().query<int, long long, double, std::string, std::string>(
                plain, std::numeric_limits<int>::min(), std::numeric_limits<long long>::max(), 0.25,
                text, std::string())),
            (std::vector<Types>{{std::numeric_limits<int>::min(),
                                 std::numeric_limits<long long>::max(), 0.25, text, ""}}))
      << "an empty text is not NULL";
  const std::optional<int> no_int;
  const std::optional<long long> no_long;
  const std::optional<double> no_double;
  const std::optional<std::string> no_text;
  EXPECT_EQ((lease.connection().query<int, long long, double, std::string, std::string>(
                sql, no_int, no_long, no_double, no_text, no_text)),
            (std::vector<Types>{{}}));
  EXPECT_EQ((lease.connection().query<int, long long, double, std::string, std::string>(
                sql, std::optional<int>(7), std::optional<long long>(-8),
                std::optional<double>(-0.5), std::optional<std::string>("x"), no_text)),
            (std::vector<Types>{{7, -8, -0.5, "x", std::nullopt}}))
      << "the values of the run before are not kept";
}

TEST_P(StatementCacheTest, ARunCountsTheRowsItChanged) {
  auto lease = database->acquire();
  lease.session() << "CREATE TABLE cache_probe_counted (id INTEGER PRIMARY KEY, n INTEGER)";
  Connection connection = lease.connection();
  for (int id = 1; id <= 3; ++id) {
    EXPECT_EQ(connection.execute("INSERT INTO cache_probe_counted (id, n) VALUES (:id, 0)", id), 1);
  }
  const std::string update = "UPDATE cache_probe_counted SET n = n + 1 WHERE id <= :upto";
  EXPECT_EQ(connection.execute(update, 2), 2);
  EXPECT_EQ(connection.execute(update, 0), 0);
  EXPECT_EQ(connection.execute("DELETE FROM cache_probe_counted WHERE n = :n", 1), 2);
  EXPECT_EQ(connection.query<long long>("SELECT COUNT(*) FROM cache_probe_counted").at(0),
            Row<long long>{1});
}

TEST_P(StatementCacheTest, ManyRowsComeInTheirOrderAndTheStatementRunsAgain) {
  auto lease = database->acquire();
  const std::string sql =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :upto)"
      " SELECT i FROM n ORDER BY i";
  for (int upto : {1000, 3, 1000}) {
    const auto rows = lease.connection().query<int>(sql, upto);
    ASSERT_EQ(rows.size(), static_cast<std::size_t>(upto));
    for (int i = 0; i < upto; ++i) ASSERT_EQ(rows[i], Row<int>{i + 1});
  }
}

// SQLite's statements run through its own API: what SOCI checked, it checks itself.
TEST_P(StatementCacheTest, SqliteRefusesAStatementGivenMoreOrFewerValuesThanItsPlaceholders) {
  if (GetParam() != Backend::sqlite) GTEST_SKIP() << "SOCI's own checks, on PostgreSQL";
  auto lease = database->acquire();
  EXPECT_THROW(lease.connection().query<int>("SELECT :a + :b AS cache_probe_count", 1),
               std::logic_error);
  EXPECT_THROW(lease.connection().query<int>("SELECT :a AS cache_probe_count", 1, 2),
               std::logic_error);
  EXPECT_EQ(lease.connection().query<int>("SELECT :a + :b AS cache_probe_count", 1, 2).at(0),
            Row<int>{3});
}

TEST_P(StatementCacheTest, SqlitesLockHeldElsewhereIsItsBusyError) {
  if (GetParam() != Backend::sqlite) GTEST_SKIP() << "PostgreSQL locks rows, not the database";
  auto lease = database->acquire();
  lease.session() << "CREATE TABLE cache_probe_locked (id INTEGER PRIMARY KEY)";
  lease.session() << "PRAGMA busy_timeout = 0";
  auto other = database->connect();
  *other << "BEGIN IMMEDIATE";
  try {
    lease.connection().execute("INSERT INTO cache_probe_locked (id) VALUES (:id)", 1);
    ADD_FAILURE() << "written while another connection held the write lock";
  } catch (const soci::sqlite3_soci_error& error) {
    EXPECT_EQ(error.result() & 0xff, SQLITE_BUSY) << error.what();
  }
  *other << "ROLLBACK";
  EXPECT_EQ(lease.connection().execute("INSERT INTO cache_probe_locked (id) VALUES (:id)", 1), 1);
}

INSTANTIATE_FOR_BOTH_DATABASES(StatementCacheTest);

}  // namespace
}  // namespace allocation::adapters::sql
