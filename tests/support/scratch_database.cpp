#include "support/scratch_database.hpp"

#include <soci/session.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "allocation/adapters/sql/migrations.hpp"

namespace allocation::testing {

namespace {

std::string unique_name() {
  static std::atomic<int> counter = 0;
  // Appended, not "t" + ...: GCC 12's -Wrestrict misfires on operator+ here (Release).
  std::string name = "t";
  name += std::to_string(::getpid()) + "_" + std::to_string(counter++);
  return name;
}

void on_server(const std::string& sql) {
  adapters::sql::Database server(std::getenv("ALLOCATION_TEST_PG"), {.pool_size = 1});
  auto lease = server.acquire();
  lease.session() << "SET client_min_messages = warning";
  lease.session() << sql;
}

}  // namespace

ScratchDatabase::ScratchDatabase(Backend backend) : backend_(backend) {
  if (backend == Backend::sqlite) {
    url_ = "sqlite:" + folder_.emplace("allocation-test").file("allocation.db");
    return;
  }
  const char* server = std::getenv("ALLOCATION_TEST_PG");
  if (!server) return;
  schema_ = unique_name();
  on_server("CREATE SCHEMA " + schema_);
  url_ = std::string(server) + "?options=-csearch_path%3D" + schema_;
}

ScratchDatabase::~ScratchDatabase() {
  try {
    if (!schema_.empty()) on_server("DROP SCHEMA " + schema_ + " CASCADE");
  } catch (...) {
    // Left behind: the test server is thrown away at the end of the run anyway.
  }
}

std::shared_ptr<adapters::sql::Database> ScratchDatabase::open(
    adapters::sql::DatabaseOptions options) const {
  auto database = std::make_shared<adapters::sql::Database>(url_, options);
  adapters::sql::migrate(*database);
  return database;
}

}  // namespace allocation::testing
