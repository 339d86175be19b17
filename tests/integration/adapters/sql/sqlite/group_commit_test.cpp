#include "allocation/adapters/sql/sqlite/group_commit.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <latch>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/sqlite/sqlite_unit_of_work.hpp"
#include "allocation/service_layer/errors.hpp"
#include "support/scratch_database.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::Batch;
using domain::OrderLine;
using domain::Product;
using service_layer::UnitOfWork;
using testing::ScratchDatabase;

// SQLite's units of work, handed to the group commit's writer thread with perform().
class GroupCommitTest : public ::testing::Test {
 protected:
  void add_product(const std::string& sku, int qty) {
    units_of_work.perform([&](UnitOfWork& uow) {
      uow.products().add(Product(sku)).add_batch(Batch(sku + "-b1", sku, qty, std::nullopt));
      uow.commit();
    });
  }

  void allocate(const std::string& orderid, const std::string& sku, int qty) {
    units_of_work.perform([&](UnitOfWork& uow) {
      uow.products().get(sku, orderid)->allocate(OrderLine(orderid, sku, qty));
      uow.commit();
    });
  }

  int available(const std::string& sku) {
    int available = 0;
    units_of_work.perform([&](UnitOfWork& uow) {
      available = uow.products().get(sku)->batch(sku + "-b1")->available_quantity();
    });
    return available;
  }

  ScratchDatabase scratch{Backend::sqlite};
  std::shared_ptr<Database> database = scratch.open();
  SqliteUnitsOfWork units_of_work{database};
};

TEST_F(GroupCommitTest, RunsTheWorkOfEveryThreadOnItsOneWriterThread) {
  add_product("LAMP", 100);
  std::mutex mutex;
  std::set<std::thread::id> callers, ran_on;
  std::latch start(8);
  std::vector<std::jthread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const std::string orderid = "o" + std::to_string(i);
      start.arrive_and_wait();
      units_of_work.perform([&](UnitOfWork& uow) {
        {
          std::lock_guard lock(mutex);
          ran_on.insert(std::this_thread::get_id());
        }
        uow.products().get("LAMP", orderid)->allocate(OrderLine(orderid, "LAMP", 1));
        uow.commit();
      });
      std::lock_guard lock(mutex);
      callers.insert(std::this_thread::get_id());
    });
  }
  threads.clear();  // joined
  EXPECT_EQ(ran_on.size(), 1u);
  EXPECT_FALSE(callers.contains(*ran_on.begin()));
  EXPECT_EQ(available("LAMP"), 92);
}

// A commit that fails halfway (a batch reference another product has) takes back what it
// wrote before, and only that: turns of other threads, maybe in the same group, stay.
TEST_F(GroupCommitTest, ACommitThatFailsHalfwayTakesBackItsOwnWritesOnly) {
  add_product("LAMP", 100);
  add_product("TABLE", 100);
  std::latch start(2);
  std::jthread failing([&] {
    start.arrive_and_wait();
    EXPECT_ANY_THROW(units_of_work.perform([&](UnitOfWork& uow) {
      // Writes TABLE's new version, then fails on the batch.
      uow.products().get("TABLE")->add_batch(Batch("LAMP-b1", "TABLE", 5, std::nullopt));
      uow.commit();
    }));
  });
  std::jthread succeeding([&] {
    start.arrive_and_wait();
    allocate("good", "LAMP", 3);
  });
  failing.join();
  succeeding.join();
  EXPECT_EQ(available("LAMP"), 97);
  units_of_work.perform([&](UnitOfWork& uow) {
    const Product* table = uow.products().get("TABLE");
    EXPECT_EQ(table->version_number(), 1) << "its version update was taken back";
    EXPECT_EQ(table->batches().size(), 1u);
  });
}

TEST_F(GroupCommitTest, WorkThatThrowsReachesItsCallerAsItWas) {
  add_product("LAMP", 1);
  EXPECT_THROW(units_of_work.perform(
                   [](UnitOfWork&) { throw service_layer::ConcurrencyError("lost a race"); }),
               service_layer::ConcurrencyError);
  EXPECT_THROW(units_of_work.perform([](UnitOfWork&) { throw std::invalid_argument("bad"); }),
               std::invalid_argument);
  allocate("o1", "LAMP", 1);  // the writer goes on
  EXPECT_EQ(available("LAMP"), 0);
}

// The write-ahead log is copied back beside the writer (Checkpointer), and still starts over:
// 20,000 allocations write about 75 MiB of log, which would all stay in the file if it never
// started over; it starts over once past 16 MiB, and, however late the copies beside the writer
// are (the tests run side by side on 2 cores), the writer copies it all itself at 20 MiB.
TEST_F(GroupCommitTest, TheWriteAheadLogStartsOverUnderContinuousWrites) {
  constexpr int kThreads = 8, kEach = 2500, kProducts = 40;
  for (int p = 0; p < kProducts; ++p) add_product("SKU-" + std::to_string(p), 1000);
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        allocate("o" + std::to_string(t) + "-" + std::to_string(i),
                 "SKU-" + std::to_string(i % kProducts), 1);
      }
    });
  }
  threads.clear();  // joined
  EXPECT_EQ(available("SKU-0"), 1000 - kThreads * ((kEach + kProducts - 1) / kProducts));
  const std::string wal = scratch.url().substr(std::string("sqlite:").size()) + "-wal";
  EXPECT_LT(std::filesystem::file_size(wal), 24u << 20);
}

// Callers that come back one after another, a little apart (each answers its client and gets
// the next request), share a commit: a group smaller than the last one waits for them. Caller
// k comes back k x 30 us after the commit; without the wait, most groups would hold one turn.
TEST(GroupCommitGathering, CallersComingBackShareOneCommit) {
  ScratchDatabase scratch{Backend::sqlite};
  auto database = scratch.open();
  database->acquire().session() << "CREATE TABLE notes (body TEXT NOT NULL)";
  GroupCommit group_commit(database);
  constexpr int kCallers = 8, kEach = 50;
  std::latch start(kCallers);
  std::vector<std::jthread> callers;
  for (int k = 0; k < kCallers; ++k) {
    callers.emplace_back([&, k] {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        std::this_thread::sleep_for(std::chrono::microseconds(30 * k));
        group_commit.perform([&](GroupCommit::Turn& turn) {
          turn.run([&](Connection& connection) {
            connection.execute("INSERT INTO notes (body) VALUES (:body)", std::to_string(k));
          });
          turn.commit();
        });
      }
    });
  }
  callers.clear();  // joined
  int notes = 0;
  database->acquire().session() << "SELECT COUNT(*) FROM notes", soci::into(notes);
  EXPECT_EQ(notes, kCallers * kEach);
  EXPECT_LE(group_commit.groups_committed(), kCallers * kEach / 4)
      << "fewer than 4 turns per commit on average";
}

}  // namespace
}  // namespace allocation::adapters::sql
