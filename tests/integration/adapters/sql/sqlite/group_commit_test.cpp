#include "allocation/adapters/sql/sqlite/group_commit.hpp"

#include <gtest/gtest.h>
#include <soci/into.h>
#include <soci/rowset.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <latch>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "allocation/adapters/in_memory/recording_clock.hpp"
#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/sqlite/sqlite_unit_of_work.hpp"
#include "allocation/service_layer/errors.hpp"
#include "support/scratch_database.hpp"
#include "support/test_time.hpp"

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
      uow.products()
          .add(Product(sku))
          .add_batch(Batch(sku + "-b1", sku, qty, std::nullopt), kTestNow);
      uow.commit();
    });
  }

  void allocate(const std::string& orderid, const std::string& sku, int qty) {
    units_of_work.perform([&](UnitOfWork& uow) {
      uow.products().get(sku, orderid)->allocate(OrderLine(orderid, sku, qty), kTestNow);
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
  SqliteUnitsOfWork units_of_work{database, std::make_shared<adapters::RecordingClock>()};
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
        uow.products().get("LAMP", orderid)->allocate(OrderLine(orderid, "LAMP", 1), kTestNow);
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
      uow.products().get("TABLE")->add_batch(Batch("LAMP-b1", "TABLE", 5, std::nullopt), kTestNow);
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
// 40,000 allocations write about 150 MiB of log, which would all stay in the file if it never
// started over; it starts over once past 16 MiB, and the writer copies it all itself at 20 MiB.
// The log starts over only when no reader and no other copy is still on it, so it grows on
// while a copy is slowed (checkpointer.hpp), by what the writer commits meanwhile: on a loaded
// machine it has been seen at 26 MiB (a CI run beside a build), 56 MiB (a CI run, other tests
// beside it) and 68 MiB (the same, with a writer that loads known products faster). The bound,
// 100 MiB, is what a copy stalled for about 2 s at this test's rate would leave, and two thirds
// of a log that never started over.
TEST_F(GroupCommitTest, TheWriteAheadLogStartsOverUnderContinuousWrites) {
  constexpr int kThreads = 8, kEach = 5000, kProducts = 40;
  for (int p = 0; p < kProducts; ++p) add_product("SKU-" + std::to_string(p), 1000);
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // Appended, not "o" + ...: GCC 12's -Wrestrict misfires on operator+ here (Release).
        std::string orderid = "o", sku = "SKU-";
        orderid += std::to_string(t) + "-" + std::to_string(i);
        sku += std::to_string(i % kProducts);
        allocate(orderid, sku, 1);
      }
    });
  }
  threads.clear();  // joined
  EXPECT_EQ(available("SKU-0"), 1000 - kThreads * ((kEach + kProducts - 1) / kProducts));
  const std::string wal = scratch.url().substr(std::string("sqlite:").size()) + "-wal";
  EXPECT_LT(std::filesystem::file_size(wal), 100u << 20);
}

// A group smaller than the one before waits for more units of work before it commits: their
// callers are likely on their way back (each answers its client and gets the next request).
// Here the wait is long enough (10 s) for the test to set the order of events: after a group of
// 5, five callers coming one after another, each once the one before is in its turn, share one
// commit. Without the wait, each would commit alone.
TEST(GroupCommitGathering, AGroupSmallerThanTheLastWaitsForMoreBeforeItCommits) {
  ScratchDatabase scratch{Backend::sqlite};
  auto database = scratch.open();
  database->acquire().session() << "CREATE TABLE notes (body TEXT NOT NULL)";
  GroupCommit group_commit(database, std::chrono::seconds(10));
  const auto note = [&](const std::function<void()>& inside) {
    group_commit.perform([&](GroupCommit::Turn& turn) {
      inside();
      turn.run([](Connection& connection) {
        connection.execute("INSERT INTO notes (body) VALUES (:body)", std::string("note"));
      });
      turn.commit();
    });
  };
  constexpr int kGroup = 5;
  {
    // The first group: its first turn holds the writer until the others have queued.
    std::latch first_inside(1);
    std::promise<void> release;
    std::vector<std::future<void>> callers;
    callers.push_back(
        std::async(std::launch::async, note, [&, released = release.get_future().share()] {
          first_inside.count_down();
          released.wait();
        }));
    first_inside.wait();
    for (int i = 1; i < kGroup; ++i) callers.push_back(std::async(std::launch::async, note, [] {}));
    while (group_commit.queued() < kGroup - 1) std::this_thread::yield();
    release.set_value();
    for (auto& caller : callers) caller.get();
  }
  ASSERT_EQ(group_commit.groups_committed(), 1);

  std::vector<std::future<void>> callers;
  for (int i = 0; i < kGroup; ++i) {
    // Shared: the caller may still be in count_down() when this wait returns.
    auto inside = std::make_shared<std::latch>(1);
    callers.push_back(std::async(std::launch::async, note, [inside] { inside->count_down(); }));
    inside->wait();  // in its turn, alone in the queue: the group has not committed
  }
  for (auto& caller : callers) caller.get();
  int notes = 0;
  database->acquire().session() << "SELECT COUNT(*) FROM notes", soci::into(notes);
  EXPECT_EQ(notes, 2 * kGroup);
  EXPECT_EQ(group_commit.groups_committed(), 2) << "the five one after another did not share";
}

// The upkeep runs once per group, in its transaction after every turn: what it writes is
// committed with them. What it throws fails the group like a failed COMMIT: every staged turn's
// caller hears Unavailable, and none of their writes stays.
TEST(GroupCommitUpkeep, RunsInEachGroupsTransactionAndItsFailureFailsTheGroup) {
  ScratchDatabase scratch{Backend::sqlite};
  auto database = scratch.open();
  database->acquire().session() << "CREATE TABLE notes (body TEXT NOT NULL)";
  std::atomic<bool> fail = false;
  GroupCommit group_commit(database, GroupCommit::kGatherWait, [&](Connection& connection) {
    const long long notes =
        *std::get<0>(connection.query<long long>("SELECT COUNT(*) FROM notes").at(0));
    connection.execute("INSERT INTO notes (body) VALUES (:body)",
                       "upkeep after " + std::to_string(notes));
    if (fail) throw std::runtime_error("disk full");
  });
  const auto note = [&](const std::string& body) {
    group_commit.perform([&](GroupCommit::Turn& turn) {
      turn.run([&](Connection& connection) {
        connection.execute("INSERT INTO notes (body) VALUES (:body)", body);
      });
      turn.commit();
    });
  };
  const auto bodies = [&] {
    std::vector<std::string> all;
    auto lease = database->acquire();
    soci::rowset<std::string> rows = lease.session().prepare
                                     << "SELECT body FROM notes ORDER BY rowid";
    for (const auto& body : rows) all.push_back(body);
    return all;
  };
  note("first");
  EXPECT_EQ(bodies(), (std::vector<std::string>{"first", "upkeep after 1"}));
  fail = true;
  EXPECT_THROW(note("second"), service_layer::Unavailable);
  EXPECT_EQ(bodies(), (std::vector<std::string>{"first", "upkeep after 1"}));
  fail = false;
  note("third");
  EXPECT_EQ(bodies(),
            (std::vector<std::string>{"first", "upkeep after 1", "third", "upkeep after 3"}));
  // A group whose turns only read commits nothing, and runs no upkeep.
  group_commit.perform([&](GroupCommit::Turn& turn) {
    turn.run([](Connection& connection) { connection.query<long long>("SELECT 1"); });
  });
  EXPECT_EQ(bodies().size(), 4u);
}

// What runs first in a group's transaction fails: the group is not left open without it. A
// turn queued meanwhile begins a group of its own, and it runs there.
TEST(GroupCommitBegan, ItsFailureEndsTheGroupItWasToBegin) {
  ScratchDatabase scratch{Backend::sqlite};
  auto database = scratch.open();
  database->acquire().session() << "CREATE TABLE notes (body TEXT NOT NULL)";
  std::atomic<int> began = 0;
  GroupCommit* commits = nullptr;
  GroupCommit group_commit(database, GroupCommit::kGatherWait, {}, [&](Connection&) {
    if (++began > 1) return;
    // The second note is queued behind the first, for the same group.
    while (commits->queued() == 0) std::this_thread::yield();
    throw std::runtime_error("data_version unreadable");
  });
  commits = &group_commit;
  const auto note = [&](const std::string& body) {
    group_commit.perform([&](GroupCommit::Turn& turn) {
      turn.run([&](Connection& connection) {
        connection.execute("INSERT INTO notes (body) VALUES (:body)", body);
      });
      turn.commit();
    });
  };
  auto first = std::async(std::launch::async, [&] { note("first"); });
  while (began == 0) std::this_thread::yield();
  note("second");
  EXPECT_ANY_THROW(first.get());
  EXPECT_EQ(began, 2) << "the second note ran in the group whose beginning failed";
  auto lease = database->acquire();
  long long notes = -1;
  lease.session() << "SELECT COUNT(*) FROM notes", soci::into(notes);
  EXPECT_EQ(notes, 1);
}

}  // namespace
}  // namespace allocation::adapters::sql
