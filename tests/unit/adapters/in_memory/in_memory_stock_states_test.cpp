#include "allocation/adapters/in_memory/in_memory_stock_states.hpp"

#include <gtest/gtest.h>

#include "support/fake_service.hpp"
#include "support/stock_states_contract.hpp"

namespace allocation::adapters {
namespace {

using domain::commands::Allocate;
using domain::commands::ChangeBatchQuantity;
using domain::commands::CreateBatch;
using domain::commands::SetProductPolicy;
using service_layer::BatchStock;

const auto kTomorrow = domain::parse_date("2030-01-02");

class InMemoryStockStatesTest : public ::testing::Test {
 protected:
  testing::FakeService service;
  const service_layer::MessageBus& bus = service.bus;
  InMemoryStockStates states{service.store};
};

TEST_F(InMemoryStockStatesTest, UnknownSkuOrBatchIsNothing) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_FALSE(states.product("RUG", kTestToday));
  EXPECT_FALSE(states.batch("b2"));
}

TEST_F(InMemoryStockStatesTest, ShowsEachBatchInTheOrderAddedAndTheProductsSums) {
  bus.handle(CreateBatch{"shipment", "LAMP", 20, kTomorrow});
  bus.handle(CreateBatch{"warehouse", "LAMP", 10, std::nullopt});
  bus.handle(Allocate{"o1", "LAMP", 3});  // warehouse stock first
  bus.handle(Allocate{"o2", "LAMP", 8});  // more than is left there: the shipment

  const auto lamp = states.product("LAMP", kTestToday);
  ASSERT_TRUE(lamp);
  EXPECT_EQ(lamp->sku, "LAMP");
  EXPECT_EQ(lamp->batches,
            (std::vector<BatchStock>{
                {"shipment", "LAMP", kTomorrow, "main", std::nullopt, 20, 8, 0, 12},
                {"warehouse", "LAMP", std::nullopt, "main", std::nullopt, 10, 3, 0, 7}}));
  EXPECT_EQ(lamp->on_hand, 10);
  EXPECT_EQ(lamp->incoming, 20);
  EXPECT_EQ(lamp->allocated, 11);
  EXPECT_EQ(lamp->reserved, 0);
  EXPECT_EQ(lamp->available, 19);
  EXPECT_EQ(lamp->backordered, 0);
  EXPECT_EQ(states.batch("warehouse"), lamp->batches[1]);
}

TEST_F(InMemoryStockStatesTest, BackorderedCountsTheUnitsOfTheWaitingLinesWithThePolicy) {
  bus.handle(CreateBatch{"b1", "LAMP", 5, std::nullopt});
  bus.handle(SetProductPolicy{"LAMP", true, std::optional<int>(2)});
  bus.handle(Allocate{"o1", "LAMP", 4});
  bus.handle(Allocate{"o2", "LAMP", 3});  // waits
  bus.handle(Allocate{"o3", "LAMP", 6});  // waits

  const auto lamp = states.product("LAMP", kTestToday);
  EXPECT_EQ(lamp->backordered, 9);
  EXPECT_EQ(lamp->available, 1);
  EXPECT_TRUE(lamp->backorders);
  EXPECT_EQ(lamp->low_stock_threshold, 2);

  bus.handle(ChangeBatchQuantity{"b1", 8});  // o2 fits now
  EXPECT_EQ(states.product("LAMP", kTestToday)->backordered, 6);
}

TEST_F(InMemoryStockStatesTest, VersionCountsTheProductsChanges) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  const int created = states.product("LAMP", kTestToday)->version;
  bus.handle(Allocate{"o1", "LAMP", 3});
  EXPECT_EQ(states.product("LAMP", kTestToday)->version, created + 1);
  bus.handle(Allocate{"o1", "LAMP", 3});  // the same line again changes nothing
  EXPECT_EQ(states.product("LAMP", kTestToday)->version, created + 1);
}

TEST_F(InMemoryStockStatesTest, PagesProductsInByteOrderOfTheirSku) {
  for (const auto& sku : testing::kPagedSkus) bus.handle(CreateBatch{sku + "-1", sku, 1, {}});
  testing::expect_pages_in_byte_order(states);
}

TEST_F(InMemoryStockStatesTest, ReadingChangesNothing) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  const int commits = service.store->commits();
  states.product("LAMP", kTestToday);
  states.product("RUG", kTestToday);
  states.products("", 10, kTestToday);
  states.batch("b1");
  EXPECT_EQ(service.store->commits(), commits);
}

}  // namespace
}  // namespace allocation::adapters
