#pragma once

#include <memory>
#include <optional>
#include <string>

#include "allocation/adapters/sql/database.hpp"
#include "support/temp_folder.hpp"

namespace allocation::testing {

using adapters::sql::Backend;

inline std::string backend_name(Backend backend) {
  return backend == Backend::sqlite ? "SQLite" : "PostgreSQL";
}

// Four connections unless a test asks for others: the service's 16 are 16 PostgreSQL server
// processes to start, and they took half the time of a test on PostgreSQL (docs/performance.md).
inline constexpr adapters::sql::DatabaseOptions kScratchOptions{.pool_size = 4};

// A fresh, empty database for one test, removed afterwards: a file in a temporary folder for
// SQLite; a schema of its own in the test server's database for PostgreSQL (the URL selects it
// through search_path), so that tests running in parallel do not see each other.
//
// PostgreSQL needs ALLOCATION_TEST_PG (tools/run-tests.sh starts a server and sets it). Without
// it the test is skipped, unless ALLOCATION_REQUIRE_SERVERS is set, as `make test` does.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(Backend backend);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  // False when the backend's server is not configured: call GTEST_SKIP().
  bool available() const { return !url_.empty(); }
  const std::string& url() const { return url_; }

  // Opens the database and migrates it.
  std::shared_ptr<adapters::sql::Database> open(
      adapters::sql::DatabaseOptions options = kScratchOptions) const;

 private:
  Backend backend_;
  std::string url_;
  std::optional<TempFolder> folder_;  // SQLite
  std::string schema_;                // PostgreSQL
};

// Skips the test when `database` is not available, fails it when servers are required.
#define SKIP_UNLESS_AVAILABLE(database)                                              \
  do {                                                                               \
    if (!(database).available()) {                                                   \
      if (std::getenv("ALLOCATION_REQUIRE_SERVERS")) FAIL() << "no test server set"; \
      GTEST_SKIP() << "ALLOCATION_TEST_PG is not set";                               \
    }                                                                                \
  } while (false)

}  // namespace allocation::testing
