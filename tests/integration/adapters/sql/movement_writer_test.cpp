#include "allocation/adapters/sql/movement_writer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "allocation/adapters/sql/sql_stock_ledger.hpp"
#include "support/sql_test.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::OrderLine;
using service_layer::StoredMovement;
using service_layer::UnitOfWork;

// The ledger's movements are written by the unit of work with its change, in its transaction:
// on both databases, on PostgreSQL's one-statement allocation too.
class MovementWriter : public testing::SqlTest {
 protected:
  void SetUp() override {
    SqlTest::SetUp();
    if (!database) return;  // skipped
    clock->set_now(std::chrono::sys_days{std::chrono::year{2031} / 5 / 1} + std::chrono::hours{9});
  }

  // Every movement of `sku`, oldest first.
  std::vector<StoredMovement> movements(const std::string& sku) {
    return SqlStockLedger(database).movements(sku, 0, 1000).value().movements;
  }

  void allocate(const std::string& sku, const std::string& orderid, int qty) {
    units_of_work->perform(sku, [&](UnitOfWork& uow) {
      uow.products().get(sku, orderid)->allocate(OrderLine(orderid, sku, qty), kTestNow);
      uow.commit();
    });
  }
};

TEST_P(MovementWriter, EachChangeOfStockIsAMovementStampedWithTheClocksTime) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  clock->set_now(clock->now() + std::chrono::milliseconds(1500));
  allocate("LAMP", "o1", 3);  // PostgreSQL: the one-statement allocation
  allocate("LAMP", "o2", 4);
  units_of_work->perform([](UnitOfWork& uow) {
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 5, kTestNow);  // takes o2 off
    uow.commit();
  });

  const auto all = movements("LAMP");
  ASSERT_EQ(all.size(), 5u);
  const auto at = [](const StoredMovement& m) { return m.at; };
  EXPECT_EQ(at(all[0]), "2031-05-01T09:00:00.000Z");
  EXPECT_EQ(at(all[1]), "2031-05-01T09:00:01.500Z");
  const auto without_seq_and_at = [](StoredMovement m) {
    m.seq = 0;
    m.at.clear();
    return m;
  };
  const std::vector<StoredMovement> expected = {
      {0, "", "LAMP", "b1", "received", 10, std::nullopt, std::nullopt},
      {0, "", "LAMP", "b1", "allocated", -3, "o1", std::nullopt},
      {0, "", "LAMP", "b1", "allocated", -4, "o2", std::nullopt},
      {0, "", "LAMP", "b1", "adjusted", -5, std::nullopt, std::nullopt},
      {0, "", "LAMP", "b1", "released", 4, "o2", "batch_changed"},
  };
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(without_seq_and_at(all[i]), expected[i]) << "movement #" << i;
    if (i > 0) {
      EXPECT_GT(all[i].seq, all[i - 1].seq);
    }
  }
  const auto check = SqlStockLedger(database).verify();
  EXPECT_TRUE(check.differences.empty());
}

TEST_P(MovementWriter, AUnitOfWorkRolledBackWritesNoMovement) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  units_of_work->perform("LAMP", [](UnitOfWork& uow) {
    uow.products().get("LAMP", "o1")->allocate(OrderLine("o1", "LAMP", 3), kTestNow);  // no commit
  });
  EXPECT_THROW(
      units_of_work->perform(
          "LAMP",
          [](UnitOfWork& uow) {
            uow.products().get("LAMP", "o2")->allocate(OrderLine("o2", "LAMP", 3), kTestNow);
            throw std::runtime_error("handler failed");
          }),
      std::runtime_error);
  EXPECT_EQ(movements("LAMP").size(), 1u) << "only the batch received";
  EXPECT_TRUE(SqlStockLedger(database).verify().differences.empty());
}

INSTANTIATE_FOR_BOTH_DATABASES(MovementWriter);

}  // namespace
}  // namespace allocation::adapters::sql
