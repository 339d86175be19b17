#include "allocation/adapters/sql/buffered_log_vfs.hpp"

#include <gtest/gtest.h>
#include <soci/session.h>
#include <sqlite3.h>

#include <string>

#include "support/scratch_database.hpp"

namespace allocation::adapters::sql {
namespace {

using testing::ScratchDatabase;

int count_rows(soci::session& session) {
  int count = 0;
  session << "SELECT COUNT(*) FROM notes", soci::into(count);
  return count;
}

TEST(BufferedLogVfs, IsSqlitesDefaultOnceADatabaseIsOpen) {
  ScratchDatabase scratch{Backend::sqlite};
  auto database = scratch.open();
  EXPECT_STREQ(sqlite3_vfs_find(nullptr)->zName, "allocation-buffered-log");
}

// What a commit wrote is in the log once the COMMIT returns, for another connection at once and
// after the database is opened again: a commit of 6 MiB (more than the VFS keeps at once, and
// many times the 128 KiB that one write of SQLite's own VFS takes), then small ones.
TEST(BufferedLogVfs, EveryCommitReachesTheLog) {
  ScratchDatabase scratch{Backend::sqlite};
  const std::string body(1000, 'x');
  {
    auto database = scratch.open({.pool_size = 2});
    auto writer = database->acquire();
    auto reader = database->acquire();
    writer.session() << "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)";
    writer.session() << "BEGIN";
    for (int i = 0; i < 6000; ++i)
      writer.session() << "INSERT INTO notes (body) VALUES (:body)", soci::use(body);
    writer.session() << "COMMIT";
    EXPECT_EQ(count_rows(reader.session()), 6000);
    for (int i = 1; i <= 50; ++i) {
      writer.session() << "INSERT INTO notes (body) VALUES (:body)", soci::use(body);
      ASSERT_EQ(count_rows(reader.session()), 6000 + i);
    }
  }
  auto reopened = scratch.open({.pool_size = 1});
  auto lease = reopened->acquire();
  EXPECT_EQ(count_rows(lease.session()), 6050);
  std::string integrity;
  lease.session() << "PRAGMA integrity_check", soci::into(integrity);
  EXPECT_EQ(integrity, "ok");
}

}  // namespace
}  // namespace allocation::adapters::sql
