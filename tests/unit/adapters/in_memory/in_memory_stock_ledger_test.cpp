#include "allocation/adapters/in_memory/in_memory_stock_ledger.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <tuple>

#include "support/fake_service.hpp"

namespace allocation::adapters {
namespace {

using domain::commands::Allocate;
using domain::commands::ChangeBatchQuantity;
using domain::commands::CreateBatch;
using service_layer::StoredMovement;

// The in-memory store keeps the ledger at its commits from the same table as the databases, so
// that service-layer tests see movements without one.
class InMemoryStockLedgerTest : public ::testing::Test {
 protected:
  testing::FakeService service;
  InMemoryStockLedger ledger{service.store};
};

TEST_F(InMemoryStockLedgerTest, TheStoreKeepsTheMovementsOfEachCommitNumberedAndStamped) {
  service.clock->set_now(std::chrono::sys_days{std::chrono::year{2031} / 5 / 1});
  service.bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  service.clock->set_now(service.clock->now() + std::chrono::seconds(2));
  service.bus.handle(Allocate{"o1", "LAMP", 3});
  service.bus.handle(Allocate{"o2", "LAMP", 4});
  service.bus.handle(ChangeBatchQuantity{"b1", 5});  // o2 taken off, and out of stock

  const auto page = ledger.movements("LAMP", 0, 100).value();
  EXPECT_EQ(
      page.movements,
      (std::vector<StoredMovement>{
          {1, "2031-05-01T00:00:00.000Z", "LAMP", "b1", "received", 10, {}, {}},
          {2, "2031-05-01T00:00:02.000Z", "LAMP", "b1", "allocated", -3, "o1", {}},
          {3, "2031-05-01T00:00:02.000Z", "LAMP", "b1", "allocated", -4, "o2", {}},
          {4, "2031-05-01T00:00:02.000Z", "LAMP", "b1", "adjusted", -5, {}, {}},
          {5, "2031-05-01T00:00:02.000Z", "LAMP", "b1", "released", 4, "o2", "batch_changed"}}));
  EXPECT_FALSE(page.next);
  EXPECT_TRUE(ledger.verify().differences.empty());
}

TEST_F(InMemoryStockLedgerTest, PagesAfterASeqAndKnowsNoUnknownProduct) {
  service.bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  service.bus.handle(CreateBatch{"d1", "DESK", 10, std::nullopt});
  service.bus.handle(Allocate{"o1", "LAMP", 1});
  service.bus.handle(Allocate{"o2", "LAMP", 1});

  const auto first = ledger.movements("LAMP", 0, 2).value();
  ASSERT_EQ(first.movements.size(), 2u);
  EXPECT_EQ(first.next, first.movements[1].seq);
  const auto second = ledger.movements("LAMP", *first.next, 2).value();
  ASSERT_EQ(second.movements.size(), 1u);
  EXPECT_EQ(second.movements[0].orderid, "o2");
  EXPECT_FALSE(second.next);
  EXPECT_FALSE(ledger.movements("NOTHING", 0, 100));
}

// Holds move units too (reserved, unreserved, with the hold's id), and verify accounts for each
// batch's reserved from them and from its live holds.
TEST_F(InMemoryStockLedgerTest, HoldsMoveUnitsAndVerifyAccountsForThem) {
  using domain::commands::Reserve;
  using std::chrono::seconds;
  service.clock->set_now(std::chrono::sys_days{std::chrono::year{2031} / 5 / 1});
  service.bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  service.bus.handle(CreateBatch{"b2", "LAMP", 10, domain::parse_date("2032-01-01")});
  service.bus.handle(Reserve{"kept", "LAMP", 2, seconds(600)});
  service.bus.handle(Reserve{"released", "LAMP", 1, seconds(60)});
  service.bus.handle(Reserve{"consumed", "LAMP", 3, seconds(60)});
  service.bus.handle(Reserve{"expired", "LAMP", 1, seconds(60)});
  service.bus.handle(Reserve{"moved", "LAMP", 2, seconds(600)});
  EXPECT_TRUE(ledger.verify().differences.empty());
  service.bus.handle(domain::commands::ReleaseReservation{"released"});
  service.bus.handle(Allocate{"o1", "LAMP", 3, "consumed"});
  service.clock->advance(seconds(60));
  EXPECT_EQ(service.bus.handle(domain::commands::ExpireReservations{}), 1);
  service.bus.handle(ChangeBatchQuantity{"b1", 6});  // 3 allocated + 4 held: moved goes to b2

  std::vector<std::tuple<std::string, std::string, int, std::string>>
      holds;  // id, kind, qty, batch
  const auto page = ledger.movements("LAMP", 0, 100).value();
  for (const auto& m : page.movements) {
    if (m.reservation) holds.emplace_back(*m.reservation, m.kind, m.qty, m.batchref);
  }
  EXPECT_EQ(holds, (std::vector<std::tuple<std::string, std::string, int, std::string>>{
                       {"kept", "reserved", -2, "b1"},
                       {"released", "reserved", -1, "b1"},
                       {"consumed", "reserved", -3, "b1"},
                       {"expired", "reserved", -1, "b1"},
                       {"moved", "reserved", -2, "b1"},
                       {"released", "unreserved", 1, "b1"},
                       {"consumed", "unreserved", 3, "b1"},
                       {"expired", "unreserved", 1, "b1"},
                       {"moved", "unreserved", 2, "b1"},
                       {"moved", "reserved", -2, "b2"}}));
  const auto check = ledger.verify();
  EXPECT_TRUE(check.differences.empty());
  EXPECT_EQ(check.batches, 2);
  EXPECT_EQ(service.store->find("LAMP")->batch("b1")->reserved_quantity(), 2);
  EXPECT_EQ(service.store->find("LAMP")->batch("b2")->reserved_quantity(), 2);
}

}  // namespace
}  // namespace allocation::adapters
