// What the service prints for its operator: one line per event.
#include <sstream>

#include "e2e/e2e_test.hpp"

namespace allocation::testing {
namespace {

TEST(Logging, PostgresqlNoticesGoToTheLogAtDebugLevel) {
  ScratchDatabase db(Backend::postgresql);
  SKIP_UNLESS_AVAILABLE(db);
  ASSERT_EQ(run_allocation({"migrate", "--db", db.url()}).exit_code, 0);
  // Migrating again: CREATE TABLE IF NOT EXISTS schema_migrations finds it, and says so.
  const auto quiet = run_allocation({"migrate", "--db", db.url()});
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.err, "");
  const auto debug = run_allocation({"--log-level", "debug", "migrate", "--db", db.url()});
  EXPECT_EQ(debug.exit_code, 0);
  EXPECT_NE(debug.err.find("[debug] PostgreSQL NOTICE:  relation \"schema_migrations\" already "
                           "exists, skipping\n"),
            std::string::npos)
      << debug.err;
  std::istringstream lines(debug.err);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.starts_with("[")) << "not a log line: " << line;
  }
}

}  // namespace
}  // namespace allocation::testing
