#include "allocation/adapters/sql/postgresql/product_group_commit.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <latch>
#include <set>
#include <stdexcept>
#include <thread>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/service_layer/errors.hpp"
#include "support/scratch_database.hpp"

namespace allocation::adapters::sql {
namespace {

using namespace std::chrono_literals;
using testing::ScratchDatabase;

// PostgreSQL's turns of one product: the first caller leads a group, and those who queue
// meanwhile run in the next one, in one transaction. Rows of a table of the test's own tell
// which turns were committed, and their xmin which transaction wrote them.
class ProductGroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_AVAILABLE(scratch);
    database = scratch.open();
    auto lease = database->acquire();
    lease.session() << "CREATE TABLE turns (name TEXT PRIMARY KEY)";
    groups.emplace(*database);
  }

  // A turn that inserts `name`, then does `after` and commits.
  static std::function<void(ProductGroupCommit::Turn&)> inserting(
      std::string name, std::function<void()> after = [] {}) {
    return [name = std::move(name), after = std::move(after)](ProductGroupCommit::Turn& turn) {
      turn.write([&](Connection& c) { c.execute("INSERT INTO turns (name) VALUES (:n)", name); });
      after();
      turn.commit();
    };
  }

  // Runs `first` in a turn that waits until `others` (started in order, each once the one
  // before has queued) have queued behind it, so that they run as one group after it.
  // Returns each caller's error, empty when its perform() returned normally.
  std::vector<std::string> group_of(
      std::function<void(ProductGroupCommit::Turn&)> first,
      std::vector<std::function<void(ProductGroupCommit::Turn&)>> others) {
    std::vector<std::future<std::string>> outcomes;
    const auto run = [&](std::function<void(ProductGroupCommit::Turn&)> work) {
      return [this, work = std::move(work)]() -> std::string {
        try {
          groups->perform("LAMP", work);
          return "";
        } catch (const service_layer::ConcurrencyError&) {
          return "ConcurrencyError";
        } catch (const std::exception& error) {
          return error.what();
        }
      };
    };
    std::latch first_inside(1);
    std::promise<void> all_queued;
    outcomes.push_back(std::async(
        std::launch::async, run([&, first, queued = all_queued.get_future().share()](auto& turn) {
          first_inside.count_down();
          queued.wait();
          first(turn);
        })));
    first_inside.wait();
    for (std::size_t i = 0; i < others.size(); ++i) {
      outcomes.push_back(std::async(std::launch::async, run(others[i])));
      while (groups->queued("LAMP") < i + 1) std::this_thread::yield();
    }
    all_queued.set_value();
    std::vector<std::string> errors;
    for (auto& outcome : outcomes) errors.push_back(outcome.get());
    return errors;
  }

  // What a turn may do after writing: start `names` in threads of their own, each once the one
  // before has queued for the product, and wait until all have. Their outcomes go to `outcomes`.
  std::function<void()> queueing(std::vector<std::string> names,
                                 std::vector<std::future<void>>& outcomes) {
    return [this, names = std::move(names), &outcomes] {
      for (const std::string& name : names) {
        outcomes.push_back(std::async(std::launch::async,
                                      [this, name] { groups->perform("LAMP", inserting(name)); }));
        while (groups->queued("LAMP") < outcomes.size()) std::this_thread::yield();
      }
    };
  }

  long long transactions_with_two_queued_while_a_group_runs();

  std::set<std::string> rows() {
    std::set<std::string> names;
    auto lease = database->acquire();
    for (const auto& [name] : lease.connection().query<std::string>("SELECT name FROM turns"))
      names.insert(*name);
    return names;
  }

  long long transactions() {
    auto lease = database->acquire();
    return *std::get<0>(
        lease.connection().query<long long>("SELECT COUNT(DISTINCT xmin::text) FROM turns")[0]);
  }

  ScratchDatabase scratch{Backend::postgresql};
  std::shared_ptr<Database> database;
  std::optional<ProductGroupCommit> groups;
};

TEST_F(ProductGroupCommitTest, TurnsQueuedMeanwhileShareOneTransaction) {
  const auto errors = group_of(inserting("first"),
                               {inserting("a"), inserting("b"), inserting("c"), inserting("d")});
  EXPECT_EQ(errors, std::vector<std::string>(5, ""));
  EXPECT_EQ(rows(), (std::set<std::string>{"first", "a", "b", "c", "d"}));
  EXPECT_EQ(transactions(), 2);  // the first alone, then the four queued behind it
}

// "first" alone, then a group of a and b, for which c and d queue while a runs; every turn
// lands. Returns how many transactions wrote them.
long long ProductGroupCommitTest::transactions_with_two_queued_while_a_group_runs() {
  std::vector<std::future<void>> late;
  const auto errors =
      group_of(inserting("first"), {inserting("a", queueing({"c", "d"}, late)), inserting("b")});
  for (auto& outcome : late) outcome.get();
  EXPECT_EQ(errors, std::vector<std::string>(3, ""));
  EXPECT_EQ(rows(), (std::set<std::string>{"first", "a", "b", "c", "d"}));
  return transactions();
}

// A group of several turns also runs those that queue while it runs them, in its transaction.
TEST_F(ProductGroupCommitTest, TurnsQueuedWhileAGroupRunsJoinIt) {
  // The first alone, then a and b with c and d.
  EXPECT_EQ(transactions_with_two_queued_while_a_group_runs(), 2);
}

TEST_F(ProductGroupCommitTest, AGroupTakesAtMostItsBoundOfTurns) {
  groups.emplace(*database, /*most_turns=*/3);
  // The first alone, a and b with c, then d.
  EXPECT_EQ(transactions_with_two_queued_while_a_group_runs(), 3);
}

// A group of one (a lone write, in autocommit) has no commit to share: those that queue while it
// runs wait for the next group.
TEST_F(ProductGroupCommitTest, AGroupOfOneTakesNoneThatQueueMeanwhile) {
  std::vector<std::future<void>> late;
  const auto errors = group_of(inserting("first", queueing({"a", "b"}, late)), {});
  for (auto& outcome : late) outcome.get();
  EXPECT_EQ(errors, std::vector<std::string>(1, ""));
  EXPECT_EQ(rows(), (std::set<std::string>{"first", "a", "b"}));
  EXPECT_EQ(transactions(), 2);  // the first alone, then a and b
}

TEST_F(ProductGroupCommitTest, ATurnSeesTheWritesOfTheTurnsBeforeItInItsGroup) {
  long long seen = -1;
  const auto errors =
      group_of(inserting("first"),
               {inserting("a"), [&](auto& turn) {
                  turn.read([&](Connection& c) {
                    seen = *std::get<0>(c.query<long long>("SELECT COUNT(*) FROM turns")[0]);
                  });
                }});
  EXPECT_EQ(errors, std::vector<std::string>(3, ""));
  EXPECT_EQ(seen, 2);  // "a", not committed yet when it read
}

TEST_F(ProductGroupCommitTest, ATurnThatFailsBeforeWritingLeavesTheOthersBe) {
  const auto errors = group_of(
      inserting("first"),
      {inserting("a"), [](auto&) { throw std::invalid_argument("no such sku"); }, inserting("c")});
  EXPECT_EQ(errors, (std::vector<std::string>{"", "", "no such sku", ""}));
  EXPECT_EQ(rows(), (std::set<std::string>{"first", "a", "c"}));
}

// Its writes cannot be taken back alone: the group's transaction is rolled back, the turns
// staged in it fail with ConcurrencyError (to be tried again), and the turns after it go on
// in a new transaction.
TEST_F(ProductGroupCommitTest, ATurnThatFailsAfterWritingRollsItsGroupBack) {
  const auto errors = group_of(
      inserting("first"),
      {inserting("a"), inserting("b", [] { throw std::runtime_error("failed after writing"); }),
       inserting("c")});
  EXPECT_EQ(errors, (std::vector<std::string>{"", "ConcurrencyError", "failed after writing", ""}));
  EXPECT_EQ(rows(), (std::set<std::string>{"first", "c"}));
}

// A write of several statements may lose its race after the first of them wrote (a key
// answered meanwhile, after the product's row was saved): what it wrote is not committed.
TEST_F(ProductGroupCommitTest, ALostRaceAfterAWriteOfSeveralStatementsRollsItsGroupBack) {
  const auto errors = group_of(inserting("first"),
                               {inserting("a"),
                                [](auto& turn) {
                                  turn.write([](Connection& c) {
                                    c.execute("INSERT INTO turns VALUES ('b')");
                                    throw service_layer::ConcurrencyError("key answered meanwhile");
                                  });
                                  turn.commit();
                                },
                                inserting("c")});
  EXPECT_EQ(errors, (std::vector<std::string>{"", "ConcurrencyError", "ConcurrencyError", ""}));
  EXPECT_EQ(rows(), (std::set<std::string>{"first", "c"}));
}

TEST_F(ProductGroupCommitTest, AFailedStatementRollsItsGroupBack) {
  // The duplicate key aborts PostgreSQL's transaction: nothing more can run in it.
  const auto errors =
      group_of(inserting("first"), {inserting("a"), inserting("first"), inserting("c")});
  EXPECT_EQ(errors, (std::vector<std::string>{"", "ConcurrencyError", "ConcurrencyError", ""}));
  EXPECT_EQ(rows(), (std::set<std::string>{"first", "c"}));
}

TEST_F(ProductGroupCommitTest, ATurnThatLeavesItsWritesUncommittedRollsItsGroupBack) {
  const auto errors = group_of(
      inserting("first"),
      {inserting("a"), [](auto& turn) {
         turn.write([](Connection& c) { c.execute("INSERT INTO turns (name) VALUES ('b')"); });
       }});
  EXPECT_EQ(errors, (std::vector<std::string>{"", "ConcurrencyError", ""}));
  EXPECT_EQ(rows(), (std::set<std::string>{"first"}));
}

// What a group knows of its product lasts from turn to turn until a write or a rollback, and
// into the product's next group, not held there.
TEST_F(ProductGroupCommitTest, TheKnownProductLastsUntilAWriteOrARollbackAndIntoTheNextGroup) {
  const auto known_version = [](ProductGroupCommit::Turn& turn) {
    const auto& known = turn.known_product();
    return known ? known->product.version_number() * (known->held ? 1 : -1) : 0;
  };
  const auto knowing = [](int version) {
    return KnownProduct{
        .product = domain::Product("LAMP", {}, version), .priorities_version = 0, .held = true};
  };
  std::vector<int> seen;
  const auto errors =
      group_of([&](auto& turn) { turn.known_product() = knowing(7); },
               {[&](auto& turn) {
                  seen.push_back(known_version(turn));  // -7: what the last group left, not held
                  turn.known_product() = knowing(8);
                  inserting("a")(turn);
                  seen.push_back(known_version(turn));  // 0: written since
                  turn.known_product() = knowing(9);
                },
                [&](auto& turn) {
                  seen.push_back(known_version(turn));  // 9
                  try {
                    turn.write_alone(
                        [](Connection&) { throw service_layer::ConcurrencyError("lost a race"); });
                  } catch (const service_layer::ConcurrencyError&) {
                  }
                  seen.push_back(known_version(turn));  // 9: nothing written
                  throw std::runtime_error("gave up");
                },
                [&](auto& turn) {
                  seen.push_back(known_version(turn));  // 9
                  inserting("a")(turn);                 // a duplicate key: the group rolls back
                },
                [&](auto& turn) {
                  seen.push_back(known_version(turn));  // 0
                  inserting("d")(turn);
                  turn.known_product() = knowing(10);
                }});
  EXPECT_EQ(errors,
            (std::vector<std::string>{"", "ConcurrencyError", "gave up", "ConcurrencyError", ""}));
  EXPECT_EQ(seen, (std::vector<int>{-7, 0, 9, 9, 9, 0}));
  EXPECT_EQ(rows(), (std::set<std::string>{"d"}));
  // The next group starts from what the last one committed; a group that rolls back leaves
  // nothing known.
  const auto next =
      group_of([&](auto& turn) { seen.push_back(known_version(turn)); }, {[&](auto& turn) {
                 seen.push_back(known_version(turn));
                 inserting("d")(turn);  // a duplicate key
               }});
  EXPECT_EQ(next, (std::vector<std::string>{"", "ConcurrencyError"}));
  group_of([&](auto& turn) { seen.push_back(known_version(turn)); }, {});
  EXPECT_EQ(seen, (std::vector<int>{-7, 0, 9, 9, 9, 0, -10, -10, 0}));
}

TEST_F(ProductGroupCommitTest, ProductsDoNotShareGroups) {
  std::promise<void> lamp_started, desk_done;
  std::future_status desk_while_lamp_ran = std::future_status::timeout;
  auto lamp = std::async(std::launch::async, [&] {
    groups->perform("LAMP", [&](auto& turn) {
      lamp_started.set_value();
      desk_while_lamp_ran = desk_done.get_future().wait_for(10s);
      inserting("lamp")(turn);
    });
  });
  lamp_started.get_future().wait();
  groups->perform("DESK", inserting("desk"));
  desk_done.set_value();
  lamp.get();
  EXPECT_EQ(desk_while_lamp_ran, std::future_status::ready) << "DESK waited for LAMP's turn";
  EXPECT_EQ(rows(), (std::set<std::string>{"lamp", "desk"}));
  EXPECT_EQ(transactions(), 2);
}

// Many threads, one product: every turn lands, in fewer transactions than turns.
TEST_F(ProductGroupCommitTest, ManyThreadsOnOneProductShareCommits) {
  constexpr int kThreads = 8, kTurns = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kTurns; ++i)
        groups->perform("LAMP", inserting(std::to_string(t) + "-" + std::to_string(i)));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(rows().size(), std::size_t{kThreads * kTurns});
  EXPECT_LT(transactions(), kThreads * kTurns);
}

}  // namespace
}  // namespace allocation::adapters::sql
