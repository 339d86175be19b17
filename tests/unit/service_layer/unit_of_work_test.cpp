#include <gtest/gtest.h>

#include "allocation/adapters/in_memory/in_memory_unit_of_work.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters {
namespace {

using domain::Batch;
using domain::OrderLine;
using domain::Product;

class InMemoryUnitOfWorkTest : public ::testing::Test {
 protected:
  std::shared_ptr<InMemoryStore> store = std::make_shared<InMemoryStore>();
  service_layer::UnitOfWorkFactory factory = in_memory_unit_of_work(store);

  void add_product(const std::string& sku, int qty) {
    auto uow = factory();
    auto& product = uow->products().add(Product(sku));
    product.add_batch(Batch(sku + "-b1", sku, qty, std::nullopt));
    uow->commit();
  }
};

TEST_F(InMemoryUnitOfWorkTest, RollsBackUnlessCommitted) {
  add_product("LAMP", 10);
  {
    auto uow = factory();
    uow->products().get("LAMP")->allocate(OrderLine("o1", "LAMP", 3));
  }
  EXPECT_EQ(store->find("LAMP")->batch("LAMP-b1")->available_quantity(), 10);
}

TEST_F(InMemoryUnitOfWorkTest, RollsBackOnException) {
  add_product("LAMP", 10);
  try {
    auto uow = factory();
    uow->products().get("LAMP")->allocate(OrderLine("o1", "LAMP", 3));
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(store->find("LAMP")->batch("LAMP-b1")->available_quantity(), 10);
}

TEST_F(InMemoryUnitOfWorkTest, CommitWritesAndHandsOverEvents) {
  add_product("LAMP", 10);
  auto uow = factory();
  uow->products().get("LAMP")->allocate(OrderLine("o1", "LAMP", 3));
  EXPECT_TRUE(uow->collect_new_events().empty()) << "no events before commit";
  uow->commit();
  EXPECT_EQ(store->find("LAMP")->batch("LAMP-b1")->available_quantity(), 7);
  EXPECT_EQ(uow->collect_new_events().size(), 1u);
  EXPECT_TRUE(store->find("LAMP")->events().empty()) << "events are not stored";
}

TEST_F(InMemoryUnitOfWorkTest, ConcurrentChangeOfTheSameProductConflicts) {
  add_product("LAMP", 10);
  auto first = factory();
  auto second = factory();
  first->products().get("LAMP")->allocate(OrderLine("o1", "LAMP", 3));
  second->products().get("LAMP")->allocate(OrderLine("o2", "LAMP", 3));
  first->commit();
  EXPECT_THROW(second->commit(), service_layer::ConcurrencyError);
  auto stored = store->find("LAMP");
  EXPECT_EQ(stored->batch("LAMP-b1")->available_quantity(), 7);
  EXPECT_EQ(stored->version_number(), 2);
}

TEST_F(InMemoryUnitOfWorkTest, ConcurrentCreationOfTheSameProductConflicts) {
  auto first = factory();
  auto second = factory();
  first->products().add(Product("LAMP"));
  second->products().add(Product("LAMP"));
  first->commit();
  EXPECT_THROW(second->commit(), service_layer::ConcurrencyError);
}

TEST_F(InMemoryUnitOfWorkTest, RepositoryHandsOutEachProductOnce) {
  add_product("LAMP", 10);
  auto uow = factory();
  auto* by_sku = uow->products().get("LAMP");
  EXPECT_EQ(uow->products().get_by_batchref("LAMP-b1"), by_sku);
  EXPECT_EQ(uow->products().get("LAMP"), by_sku);
  EXPECT_EQ(uow->products().get("DESK"), nullptr);
  EXPECT_EQ(uow->products().get_by_batchref("nope"), nullptr);
  EXPECT_THROW(uow->products().add(Product("LAMP")), std::logic_error);
}

}  // namespace
}  // namespace allocation::adapters
