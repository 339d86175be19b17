#include "allocation/adapters/sql/sqlite/buffered_log_vfs.hpp"

#include <gtest/gtest.h>
#include <soci/session.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "allocation/adapters/sql/database.hpp"
#include "support/scratch_database.hpp"

namespace allocation::adapters::sql {
namespace {

using testing::ScratchDatabase;
// SOCI's header includes sqlite3.h inside this namespace, and the include guard keeps it there.
using namespace sqlite_api;

int count_rows(soci::session& session) {
  int count = 0;
  session << "SELECT COUNT(*) FROM notes", soci::into(count);
  return count;
}

// The name of the VFS a connection's database file was opened with.
std::string vfs_of(sqlite3* connection) {
  sqlite3_vfs* vfs = nullptr;
  EXPECT_EQ(sqlite3_file_control(connection, "main", SQLITE_FCNTL_VFS_POINTER, &vfs), SQLITE_OK);
  return vfs ? vfs->zName : "";
}

// The service's connections use it; every other SQLite connection of the process keeps
// SQLite's default, which stays the default.
TEST(BufferedLogVfs, OnlyTheServicesOwnConnectionsUseIt) {
  ScratchDatabase scratch{Backend::sqlite};
  auto database = scratch.open();
  auto lease = database->acquire();
  auto* backend = static_cast<soci::sqlite3_session_backend*>(lease.session().get_backend());
  EXPECT_EQ(vfs_of(backend->conn_), "allocation-buffered-log");

  const std::string default_vfs = sqlite3_vfs_find(nullptr)->zName;
  EXPECT_NE(default_vfs, "allocation-buffered-log");
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(scratch.url().substr(std::string("sqlite:").size()).c_str(), &other),
            SQLITE_OK);
  EXPECT_EQ(vfs_of(other), default_vfs);
  sqlite3_close(other);
}

// The path is a name, whatever it holds: SQLite takes '?', '#' and '%' in a URI for syntax,
// and SOCI a space for the end of the value.
TEST(BufferedLogVfs, APathOfAnyCharactersIsOneFile) {
  EXPECT_EQ(sqlite_uri("/tmp/a b?c#d%e.db", "v"), "file:/tmp/a%20b%3Fc%23d%25e.db?vfs=v");
  EXPECT_EQ(sqlite_uri("allocation.db", "v"), "file:allocation.db?vfs=v");
  const auto folder =
      std::filesystem::temp_directory_path() / ("alloc vfs?#%-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  {
    Database database("sqlite:" + (folder / "a b.db").string(), {.pool_size = 1});
    database.acquire().session() << "CREATE TABLE notes (body TEXT)";
  }
  EXPECT_TRUE(std::filesystem::exists(folder / "a b.db"));
  std::filesystem::remove_all(folder);
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
