#include <soci/into.h>
#include <soci/session.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "e2e/e2e_test.hpp"

// The sweep of expired holds (SPEC §7.3) in real processes on one database: however many
// processes sweep, and even when one is killed in the middle of a sweep, each hold ends once,
// and none stays held past its expiry plus a sweep once a process runs.
//
// No test waits for time to pass: a hold's stored expiry is moved to the past, which is what
// the passing of its ttl would do. What the tests wait for is the sweepers' next turn.
namespace allocation::testing {
namespace {

using namespace std::chrono_literals;

class ReservationSweep : public ::testing::TestWithParam<Backend> {
 protected:
  ScratchDatabase scratch{GetParam()};

  long long count(const std::string& sql) const {
    auto lease = database()->acquire();
    long long n = 0;
    lease.session() << "SELECT CAST(COUNT(*) AS BIGINT) FROM (" + sql + ") AS c", soci::into(n);
    return n;
  }
  void execute(const std::string& sql) const {
    auto lease = database()->acquire();
    lease.session() << sql;
  }
  // Opened once: the kill test polls it every few milliseconds.
  const std::shared_ptr<adapters::sql::Database>& database() const {
    if (!database_) database_ = scratch.open();
    return database_;
  }
  mutable std::shared_ptr<adapters::sql::Database> database_;

  // `per_sku` holds of 1 to 3 units in each of `skus` SKUs, made through the processes in turn.
  int make_holds(const std::vector<std::unique_ptr<ServiceProcess>>& processes, int skus,
                 int per_sku) const {
    std::vector<httplib::Client> clients;
    for (const auto& process : processes) clients.push_back(process->client());
    for (int s = 0; s < skus; ++s) {
      const std::string sku = "SKU-" + std::to_string(s);
      EXPECT_EQ(
          clients[0]
              .Post("/add_batch", json{{"ref", sku + "-b"}, {"sku", sku}, {"qty", 10'000}}.dump(),
                    "application/json")
              ->status,
          201);
    }
    int made = 0;
    for (int h = 0; h < skus * per_sku; ++h) {
      auto& client = clients[static_cast<std::size_t>(h) % clients.size()];
      const json hold = {{"id", "h" + std::to_string(h)},
                         {"sku", "SKU-" + std::to_string(h % skus)},
                         {"qty", 1 + h % 3},
                         {"ttl_s", 3600}};
      if (auto reply = client.Post("/reservations", hold.dump(), "application/json");
          reply && reply->status == 201) {
        ++made;
      }
    }
    return made;
  }

  // Waits for the sweepers until no hold is live, or `patience` passed; true when none is.
  bool swept_within(std::chrono::milliseconds patience) const {
    const auto until = std::chrono::steady_clock::now() + patience;
    while (count("SELECT id FROM reservations WHERE ended IS NULL") > 0) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  // Every hold ended once, by expiry: its row ended, one unreserved movement, one message each;
  // no batch holds anything; the ledger accounts for it all.
  void expect_each_expired_once(long long holds) const {
    EXPECT_EQ(count("SELECT id FROM reservations WHERE ended = 'expired'"), holds);
    EXPECT_EQ(count("SELECT id FROM reservations WHERE ended IS NOT NULL"), holds);
    EXPECT_EQ(count("SELECT seq FROM movements WHERE kind = 'unreserved' AND reason = 'expired'"),
              holds);
    EXPECT_EQ(count("SELECT DISTINCT reservation FROM movements WHERE kind = 'unreserved'"), holds);
    EXPECT_EQ(count("SELECT id FROM outbox WHERE channel = 'reservation_expired'"), holds);
    EXPECT_EQ(count("SELECT reference FROM batches WHERE reserved_quantity <> 0"), 0);
    expect_ledger_verified(scratch.url());
  }
};

// The holds each process says it expired ("expired N reservations" lines of its log).
long long expired_in_log(const std::string& log) {
  static const std::regex line(R"(expired (\d+) reservations)");
  long long total = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator();
       ++it) {
    total += std::stoll((*it)[1]);
  }
  return total;
}

TEST_P(ReservationSweep, EachExpiredHoldEndsOnceHoweverManyProcessesSweep) {
  SKIP_UNLESS_AVAILABLE(scratch);
  const int process_count = GetParam() == Backend::postgresql ? 3 : 1;
  std::vector<std::unique_ptr<ServiceProcess>> processes;
  for (int p = 0; p < process_count; ++p) {
    processes.push_back(std::make_unique<ServiceProcess>(
        std::vector<std::string>{"--db", scratch.url(), "--reservation-sweep", "1"}));
  }
  const int holds = make_holds(processes, 10, 30);
  ASSERT_EQ(holds, 300);
  execute("UPDATE reservations SET expires_at = 0");  // their time ran out

  ASSERT_TRUE(swept_within(10s)) << "the sweep runs every second";
  expect_each_expired_once(holds);
  long long told = 0;
  for (const auto& process : processes) told += expired_in_log(process->log());
  EXPECT_EQ(told, holds) << "each hold is expired by one process, once";
}

TEST_P(ReservationSweep, AKillMinus9InTheMiddleOfASweepEndsNothingTwiceAndTheNextProcessFinishes) {
  SKIP_UNLESS_AVAILABLE(scratch);
  std::vector<std::unique_ptr<ServiceProcess>> first;
  first.push_back(std::make_unique<ServiceProcess>(
      std::vector<std::string>{"--db", scratch.url(), "--reservation-sweep", "1"}));
  const int holds = make_holds(first, 400, 5);
  ASSERT_EQ(holds, 2000);
  execute("UPDATE reservations SET expires_at = 0");
  // Killed as soon as its sweep has ended some holds, one product at a time, and not all.
  long long live = holds;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while ((live = count("SELECT id FROM reservations WHERE ended IS NULL")) == holds &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  first[0]->signal(SIGKILL);
  first[0]->wait();
  ASSERT_LT(live, holds) << "the sweep began";
  const long long left = count("SELECT id FROM reservations WHERE ended IS NULL");
  std::cout << "killed with " << left << " of " << holds << " holds still live\n";
  EXPECT_EQ(count("SELECT id FROM reservations WHERE ended IS NOT NULL") + left, holds)
      << "a killed sweep commits whole products or nothing";

  ServiceProcess next({"--db", scratch.url(), "--reservation-sweep", "1"});
  ASSERT_TRUE(swept_within(5s)) << "within a sweep of the next process (every second)";
  expect_each_expired_once(holds);
}

INSTANTIATE_FOR_BOTH_DATABASES(ReservationSweep);

}  // namespace
}  // namespace allocation::testing
