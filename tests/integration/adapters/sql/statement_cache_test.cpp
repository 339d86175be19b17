#include "allocation/adapters/sql/statement_cache.hpp"

#include <gtest/gtest.h>
#include <soci/session.h>
#include <soci/sqlite3/soci-sqlite3.h>

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

INSTANTIATE_FOR_BOTH_DATABASES(StatementCacheTest);

}  // namespace
}  // namespace allocation::adapters::sql
