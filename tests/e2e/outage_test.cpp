#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "e2e/e2e_test.hpp"
#include "support/test_servers.hpp"

namespace allocation::testing {
namespace {

// Stops and starts the suite's PostgreSQL server under load: this binary's tests run alone
// (RUN_SERIAL).
TEST(DatabaseOutage, PostgresqlRestartedUnderLoadGives503ThenRecoversWithNothingHalfWritten) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_PG_STOP");
  ScratchDatabase db(Backend::postgresql);
  SKIP_UNLESS_AVAILABLE(db);
  ServiceProcess service({"--db", db.url()});
  auto client = service.client();
  const json batch = {{"ref", "b1"}, {"sku", "LAMP"}, {"qty", 1'000'000}};
  ASSERT_EQ(client.Post("/add_batch", batch.dump(), "application/json")->status, 201);

  std::atomic<bool> stop = false;
  std::thread outage([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(std::system(std::getenv("ALLOCATION_TEST_PG_STOP")), 0);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    EXPECT_EQ(std::system(std::getenv("ALLOCATION_TEST_PG_START")), 0);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    stop = true;
  });
  const auto load = allocate_until(stop, service.port(), "LAMP", /*until_gone=*/false);
  outage.join();

  EXPECT_GT(load.others.count(503), 0u) << "the outage was not seen";
  for (const auto& [status, count] : load.others) {
    EXPECT_EQ(status, 503) << count << " answers with status " << status;
  }
  // Back without a restart of the service.
  const json line = {{"orderid", "after"}, {"sku", "LAMP"}, {"qty", 1}};
  EXPECT_EQ(client.Post("/allocate", line.dump(), "application/json")->status, 202);
  EXPECT_EQ(client.Get("/health")->status, 200);

  // Nothing half-written: the batch's total is exactly the lines the read model shows, and
  // every acknowledged line is among them. (A 503 whose COMMIT reached the server before the
  // connection broke may have landed too: that is allowed, a half of one is not.)
  const auto allocated = [&](const std::string& orderid) {
    return client.Get("/allocations/" + orderid)->status == 200;
  };
  const auto present = std::count_if(load.attempted.begin(), load.attempted.end(), allocated);
  for (const auto& orderid : load.acknowledged) EXPECT_TRUE(allocated(orderid)) << orderid;
  const json product = json::parse(client.Get("/products/LAMP")->body);
  EXPECT_EQ(product["batches"][0]["allocated"], present + 1);
  EXPECT_GE(present, std::ssize(load.acknowledged));

  // libpq's errors span lines, with tabs: each is logged on one line all the same.
  const std::string log = service.log();
  EXPECT_NE(log.find("database connection lost"), std::string::npos) << log;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.starts_with("[")) << "not a log line: " << line;
    EXPECT_EQ(line.find('\t'), std::string::npos) << line;
  }
  // Nothing half-written in the ledger either: it accounts for all the stock.
  expect_ledger_verified(db.url());
}

}  // namespace
}  // namespace allocation::testing
