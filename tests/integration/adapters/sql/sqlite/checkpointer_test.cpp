#include "allocation/adapters/sql/sqlite/checkpointer.hpp"

#include <gtest/gtest.h>
#include <soci/session.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/scratch_database.hpp"

namespace allocation::adapters::sql {
namespace {

using testing::ScratchDatabase;

// SQLite's write-ahead log copied back to the database file by the Checkpointer's thread
// instead of by the writer's commits. What was copied shows in the size of the database file:
// a fresh database holds nothing but its schema until a checkpoint copies the log into it.
class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database = scratch.open({.pool_size = 1});
    writer = database->connect();
    *writer << "CREATE TABLE filler (data BLOB NOT NULL)";
  }

  std::uintmax_t database_bytes() const { return std::filesystem::file_size(file); }

  // Commits about `pages` pages of 1 KiB to the log: rows of 900 bytes, a page each, 200 to a
  // transaction.
  void write_log(int pages) {
    for (int written = 0; written < pages; written += 200) {
      *writer << "INSERT INTO filler (data) SELECT randomblob(900) FROM"
                 " (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)"
                 " SELECT i FROM n)";
    }
  }

  // Whether the database file grows past `bytes` within 10 s (the thread copies the log).
  bool database_grows_past(std::uintmax_t bytes) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (database_bytes() > bytes) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  ScratchDatabase scratch{Backend::sqlite};
  const std::string file = scratch.url().substr(std::string("sqlite:").size());
  std::shared_ptr<Database> database;
  std::unique_ptr<soci::session> writer;
};

TEST_F(CheckpointerTest, WithoutItTheWritersCommitsCopyTheLogPast1000Pages) {
  const auto before = database_bytes();
  write_log(2000);  // SQLite's own threshold: 1000 pages
  EXPECT_GT(database_bytes(), before);
}

TEST_F(CheckpointerTest, TheWritersCommitsNoLongerCopyTheLog) {
  Checkpointer checkpointer(*database);
  checkpointer.attach(*writer);
  const auto before = database_bytes();
  write_log(3000);  // past SQLite's threshold, short of 4 MiB
  EXPECT_EQ(database_bytes(), before);
  checkpointer.detach(*writer);
}

TEST_F(CheckpointerTest, ItsThreadCopiesTheLogOnce4MiBMoreWereCommitted) {
  Checkpointer checkpointer(*database);
  checkpointer.attach(*writer);
  const auto before = database_bytes();
  write_log(4400);
  EXPECT_TRUE(database_grows_past(before + (2u << 20))) << database_bytes() << " bytes";
  checkpointer.detach(*writer);
}

TEST_F(CheckpointerTest, ADetachedWriterCopiesTheLogItselfAgainEvery4MiB) {
  Checkpointer checkpointer(*database);
  checkpointer.attach(*writer);
  checkpointer.detach(*writer);
  const auto before = database_bytes();
  write_log(3000);
  EXPECT_EQ(database_bytes(), before) << "the threshold stays at 4 MiB, not SQLite's 1000 pages";
  write_log(1200);
  // The commit that passed 4 MiB copied the log before it returned; the thread is told of no
  // commit any more.
  EXPECT_GT(database_bytes(), before + (2u << 20));
}

}  // namespace
}  // namespace allocation::adapters::sql
