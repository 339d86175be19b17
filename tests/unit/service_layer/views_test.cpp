#include "allocation/service_layer/views.hpp"

#include <gtest/gtest.h>

#include "support/fake_service.hpp"

namespace allocation::service_layer::views {
namespace {

using domain::commands::Allocate;
using domain::commands::ChangeBatchQuantity;
using domain::commands::CreateBatch;

const auto kTomorrow = domain::parse_date("2030-01-02");

class ProductViewTest : public ::testing::Test {
 protected:
  testing::FakeService service;
  const MessageBus& bus = service.bus;

  std::optional<ProductView> view(std::string_view sku) {
    return product(sku, *service.units_of_work);
  }
};

TEST_F(ProductViewTest, UnknownSkuIsNothing) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_FALSE(view("RUG"));
}

TEST_F(ProductViewTest, ShowsEachBatchInTheOrderAddedWithWhatIsTakenAndWhatIsLeft) {
  bus.handle(CreateBatch{"shipment", "LAMP", 20, kTomorrow});
  bus.handle(CreateBatch{"warehouse", "LAMP", 10, std::nullopt});
  bus.handle(Allocate{"o1", "LAMP", 3});  // warehouse stock first
  bus.handle(Allocate{"o2", "LAMP", 8});  // more than is left there: the shipment

  const auto lamp = view("LAMP");
  ASSERT_TRUE(lamp);
  EXPECT_EQ(lamp->sku, "LAMP");
  ASSERT_EQ(lamp->batches.size(), 2u);
  const BatchView& shipment = lamp->batches[0];
  EXPECT_EQ(shipment.reference, "shipment");
  EXPECT_EQ(shipment.eta, kTomorrow);
  EXPECT_EQ(shipment.purchased, 20);
  EXPECT_EQ(shipment.allocated, 8);
  EXPECT_EQ(shipment.available, 12);
  const BatchView& warehouse = lamp->batches[1];
  EXPECT_EQ(warehouse.reference, "warehouse");
  EXPECT_EQ(warehouse.eta, std::nullopt);
  EXPECT_EQ(warehouse.purchased, 10);
  EXPECT_EQ(warehouse.allocated, 3);
  EXPECT_EQ(warehouse.available, 7);
}

TEST_F(ProductViewTest, VersionCountsTheProductsChanges) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  const int created = view("LAMP")->version;
  bus.handle(Allocate{"o1", "LAMP", 3});
  EXPECT_EQ(view("LAMP")->version, created + 1);
  bus.handle(Allocate{"o1", "LAMP", 3});  // the same line again changes nothing
  EXPECT_EQ(view("LAMP")->version, created + 1);
}

TEST_F(ProductViewTest, AfterAReductionShowsTheLinesThatStayedAndNoneReallocatedThere) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  bus.handle(Allocate{"o1", "LAMP", 4});
  bus.handle(Allocate{"o2", "LAMP", 4});
  bus.handle(ChangeBatchQuantity{"b1", 5});  // o2 no longer fits, nor anywhere else
  const auto lamp = view("LAMP");
  ASSERT_EQ(lamp->batches.size(), 1u);
  EXPECT_EQ(lamp->batches[0].purchased, 5);
  EXPECT_EQ(lamp->batches[0].allocated, 4);
  EXPECT_EQ(lamp->batches[0].available, 1);
}

TEST_F(ProductViewTest, ReadingChangesNothing) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  const int commits = service.store->commits();
  const int version = service.store->find("LAMP")->version_number();
  view("LAMP");
  view("RUG");
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(service.store->find("LAMP")->version_number(), version);
}

}  // namespace
}  // namespace allocation::service_layer::views
