#include <gtest/gtest.h>

#include <functional>
#include <future>

#include "allocation/domain/errors.hpp"
#include "support/sql_test.hpp"
#include "support/test_time.hpp"

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
        uow.products().get("LAMP", orderid)->allocate(OrderLine(orderid, "LAMP", qty), kTestNow);
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
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 5, kTestNow);
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

// Allocates or deallocates in a unit of work of its own, as a handler would.
TEST_P(SqlRepository, KeepsThePolicyAndWhetherTheProductRanOut) {
  add_product("LAMP", {{"b1", 1, std::nullopt}});
  change_product("LAMP", "o1", [](domain::Product& lamp) {
    lamp.set_policy({.backorders = false, .low_stock_threshold = 4});
    lamp.allocate(OrderLine("o1", "LAMP", 5), kTestNow);
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* lamp = uow.products().get("LAMP");
    EXPECT_EQ(lamp->policy(),
              (domain::ProductPolicy{.backorders = false, .low_stock_threshold = 4}));
    EXPECT_TRUE(lamp->out_of_stock());
  });
}

// On PostgreSQL an allocation alone is one statement that writes the line and its batch: a
// policy set in the same unit of work must not be lost on that path.
TEST_P(SqlRepository, APolicySetWithASuccessfulAllocationIsKeptWithIt) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  change_product("LAMP", "o1", [](domain::Product& lamp) {
    lamp.set_policy({.backorders = true, .low_stock_threshold = 2});
    lamp.allocate(OrderLine("o1", "LAMP", 5), kTestNow);
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* lamp = uow.products().get("LAMP");
    EXPECT_EQ(lamp->policy(),
              (domain::ProductPolicy{.backorders = true, .low_stock_threshold = 2}));
    EXPECT_EQ(lamp->batches().front().allocated_quantity(), 5);
  });
}

TEST_P(SqlRepository, KeepsTheBackorderQueueAndServesItFromAnotherUnitOfWork) {
  add_product("LAMP", {{"b1", 1, std::nullopt}});
  change_product("LAMP", "", [](domain::Product& lamp) {
    lamp.set_policy({.backorders = true, .low_stock_threshold = std::nullopt});
  });
  for (const auto& [orderid, qty] : {std::pair{"big", 9}, {"o1", 2}, {"o2", 3}}) {
    change_product("LAMP", orderid, [&](domain::Product& lamp) {
      lamp.allocate(OrderLine(orderid, "LAMP", qty), kTestNow);
    });
  }
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* lamp = uow.products().get("LAMP", "o2");
    ASSERT_NE(lamp->waiting_line("o2"), nullptr) << "the order's waiting line comes with it";
    EXPECT_EQ(*lamp->waiting_line("o2"), OrderLine("o2", "LAMP", 3));
    EXPECT_EQ(lamp->waiting_line("o1"), nullptr) << "not the others'";
  });
  // Raised to 6: o1 and o2 fit (big does not), in the order they came.
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 6, kTestNow);
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    auto* lamp = uow.products().get_by_batchref("b1");
    EXPECT_EQ(lamp->batch("b1")->loaded_lines(),
              (std::vector<OrderLine>{OrderLine("o1", "LAMP", 2), OrderLine("o2", "LAMP", 3)}));
    EXPECT_EQ(lamp->batch("b1")->available_quantity(), 1);
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    EXPECT_NE(uow.products().get("LAMP", "big")->waiting_line("big"), nullptr);
    EXPECT_EQ(uow.products().get("LAMP", "o1")->waiting_line("o1"), nullptr);
  });
}

TEST_P(SqlRepository, AReleasedLineIsKeptAndNotAllocatedAgain) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  allocate_lamps({"o1"}, 4);
  change_product("LAMP", "o1", [](domain::Product& lamp) {
    EXPECT_EQ(lamp.deallocate("o1"),
              (std::vector<domain::events::Released>{{"o1", "LAMP", 4, "b1"}}));
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    auto* lamp = uow.products().get("LAMP", "o1");
    EXPECT_EQ(lamp->batch("b1")->available_quantity(), 10);
    EXPECT_EQ(lamp->deallocate("o1"), std::vector<domain::events::Released>{});
    EXPECT_THROW(lamp->allocate(OrderLine("o1", "LAMP", 4), kTestNow), domain::ReleasedLine);
  });
}

// PostgreSQL's group may take the product it knows for an order it assumes has no line: an order
// whose line was released must not be allocated by that shortcut.
TEST_P(SqlRepository, AReleasedLineQueuedInAGroupIsNotAllocatedAgain) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  allocate_lamps({"o1"}, 4);
  change_product("LAMP", "o1", [](domain::Product& lamp) { lamp.deallocate("o1"); });
  // o2 leads a group alone while the others queue; o3 starts the next group, reading the
  // product; o1 comes after it in that group, which knows the product.
  const std::vector<std::string> orders = {"o2", "o3", "o1"};
  std::vector<std::future<std::string>> outcomes;
  queue_behind_first("LAMP", orders.size(), [&](std::size_t i, std::function<void()> inside) {
    outcomes.push_back(std::async(std::launch::async, [this, orderid = orders[i], inside] {
      std::string outcome;
      units_of_work->perform("LAMP", [&](UnitOfWork& uow) {
        inside();
        try {
          auto batch = uow.products()
                           .get("LAMP", orderid)
                           ->allocate(OrderLine(orderid, "LAMP", 3), kTestNow);
          outcome = batch.value_or("none");
          uow.commit();
        } catch (const domain::ReleasedLine&) {
          outcome = "released";
        }
      });
      return outcome;
    }));
  });
  EXPECT_EQ(outcomes[0].get(), "b1");
  EXPECT_EQ(outcomes[1].get(), "b1");
  EXPECT_EQ(outcomes[2].get(), "released");
  units_of_work->perform([&](UnitOfWork& uow) {
    EXPECT_EQ(uow.products().get("LAMP")->batch("b1")->allocated_quantity(), 6);
  });
}

TEST_P(SqlRepository, StringsThatLookLikeSqlAreData) {
  const std::string sku = "'; DROP TABLE products; --";
  add_product(sku, {{"b'1", 10, std::nullopt}});
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get(sku, "o\"1")->allocate(OrderLine("o\"1", sku, 1), kTestNow);
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& check) {
    EXPECT_EQ(check.products().get(sku)->batch("b'1")->allocated_quantity(), 1);
  });
}

INSTANTIATE_FOR_BOTH_DATABASES(SqlRepository);

}  // namespace
}  // namespace allocation::adapters::sql
