#include <gtest/gtest.h>

#include "support/sql_test.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::OrderLine;
using service_layer::UnitOfWork;
using testing::SqlTest;

class SqlRepository : public SqlTest {
 protected:
  // Allocates `qty` of LAMP to each order, in a unit of work each.
  void allocate_lamps(std::initializer_list<const char*> orderids, int qty) {
    for (const char* orderid : orderids) {
      units_of_work->perform([&](UnitOfWork& uow) {
        uow.products().get("LAMP", orderid)->allocate(OrderLine(orderid, "LAMP", qty));
        uow.commit();
      });
    }
  }
};

TEST_P(SqlRepository, SavesAndLoadsAProductWithItsBatches) {
  add_product("RUSTY-SOAPDISH",
              {{"b1", 100, std::nullopt}, {"b2", 50, domain::parse_date("2030-03-04")}});
  units_of_work->perform([&](UnitOfWork& uow) {
    const domain::Product* product = uow.products().get("RUSTY-SOAPDISH");
    ASSERT_TRUE(product);
    EXPECT_EQ(product->version_number(), 2);
    ASSERT_EQ(product->batches().size(), 2u);
    const auto& b1 = product->batches()[0];
    EXPECT_EQ(b1.reference(), "b1");
    EXPECT_EQ(b1.sku(), "RUSTY-SOAPDISH");
    EXPECT_EQ(b1.purchased_quantity(), 100);
    EXPECT_EQ(b1.eta(), std::nullopt);
    const auto& b2 = product->batches()[1];
    EXPECT_EQ(b2.reference(), "b2");
    EXPECT_EQ(b2.eta(), domain::parse_date("2030-03-04"));
    EXPECT_EQ(uow.products().get("NOPE"), nullptr);
  });
}

TEST_P(SqlRepository, AllocationLoadsTotalsAndOnlyTheLinesOfTheOrder) {
  add_product("LAMP", {{"b1", 100, std::nullopt}});
  allocate_lamps({"o1", "o2", "o3"}, 2);
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* product = uow.products().get("LAMP", "o2");
    const auto& batch = product->batches()[0];
    EXPECT_EQ(batch.allocated_quantity(), 6);
    EXPECT_EQ(batch.available_quantity(), 94);
    EXPECT_EQ(batch.loaded_lines(), std::vector<OrderLine>{OrderLine("o2", "LAMP", 2)});
    EXPECT_EQ(product->version_number(), 4);
  });
}

TEST_P(SqlRepository, GetByBatchrefLoadsEveryLineOfThatBatchOldestFirst) {
  add_product("LAMP", {{"b1", 100, std::nullopt}, {"b2", 100, domain::parse_date("2030-01-01")}});
  allocate_lamps({"o1", "o2", "o3"}, 1);
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* product = uow.products().get_by_batchref("b1");
    ASSERT_TRUE(product);
    EXPECT_EQ(product->batch("b1")->loaded_lines(),
              (std::vector<OrderLine>{OrderLine("o1", "LAMP", 1), OrderLine("o2", "LAMP", 1),
                                      OrderLine("o3", "LAMP", 1)}));
    EXPECT_TRUE(product->batch("b1")->all_lines_loaded());
    EXPECT_EQ(uow.products().get("LAMP"), product) << "one product per unit of work";
    EXPECT_EQ(uow.products().get_by_batchref("nope"), nullptr);
  });
}

TEST_P(SqlRepository, ChangeOfQuantityDeallocatesAndPersistsTheRemoval) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  allocate_lamps({"o1", "o2", "o3"}, 3);
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 5);
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* product = uow.products().get_by_batchref("b1");
    EXPECT_EQ(product->batch("b1")->purchased_quantity(), 5);
    EXPECT_EQ(product->batch("b1")->allocated_quantity(), 3);
    EXPECT_EQ(product->batch("b1")->loaded_lines(),
              std::vector<OrderLine>{OrderLine("o1", "LAMP", 3)});
  });
}

TEST_P(SqlRepository, StringsThatLookLikeSqlAreData) {
  const std::string sku = "'; DROP TABLE products; --";
  add_product(sku, {{"b'1", 10, std::nullopt}});
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get(sku, "o\"1")->allocate(OrderLine("o\"1", sku, 1));
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& check) {
    EXPECT_EQ(check.products().get(sku)->batch("b'1")->allocated_quantity(), 1);
  });
}

INSTANTIATE_FOR_BOTH_DATABASES(SqlRepository);

}  // namespace
}  // namespace allocation::adapters::sql
