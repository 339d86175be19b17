#include <gtest/gtest.h>

#include <future>
#include <latch>
#include <thread>

#include "allocation/adapters/in_memory/in_memory_unit_of_work.hpp"
#include "allocation/service_layer/errors.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters {
namespace {

using domain::Batch;
using domain::OrderLine;
using domain::Product;
using service_layer::UnitOfWork;

class InMemoryUnitOfWorkTest : public ::testing::Test {
 protected:
  std::shared_ptr<InMemoryStore> store = std::make_shared<InMemoryStore>();
  InMemoryUnitsOfWork units_of_work{store};

  void add_product(const std::string& sku, int qty) {
    units_of_work.perform([&](UnitOfWork& uow) {
      auto& product = uow.products().add(Product(sku));
      product.add_batch(Batch(sku + "-b1", sku, qty, std::nullopt), kTestNow);
      uow.commit();
    });
  }

  // Two units of work side by side, each on a thread of its own: both run `load`, then the
  // first commits, then the second. Returns the second's error, if any.
  std::exception_ptr side_by_side(const std::function<void(UnitOfWork&)>& first,
                                  const std::function<void(UnitOfWork&)>& second) {
    std::latch both_loaded(2);
    std::promise<void> first_committed;
    std::thread other([&] {
      units_of_work.perform([&](UnitOfWork& uow) {
        first(uow);
        both_loaded.arrive_and_wait();
        uow.commit();
      });
      first_committed.set_value();
    });
    std::exception_ptr error;
    try {
      units_of_work.perform([&](UnitOfWork& uow) {
        second(uow);
        both_loaded.arrive_and_wait();
        first_committed.get_future().wait();
        uow.commit();
      });
    } catch (...) {
      error = std::current_exception();
    }
    other.join();
    return error;
  }
};

TEST_F(InMemoryUnitOfWorkTest, RollsBackUnlessCommitted) {
  add_product("LAMP", 10);
  const auto events = units_of_work.perform([](UnitOfWork& uow) {
    uow.products().get("LAMP")->allocate(OrderLine("o1", "LAMP", 3), kTestNow);
  });
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(store->find("LAMP")->batch("LAMP-b1")->available_quantity(), 10);
}

TEST_F(InMemoryUnitOfWorkTest, RollsBackOnException) {
  add_product("LAMP", 10);
  EXPECT_THROW(units_of_work.perform([](UnitOfWork& uow) {
    uow.products().get("LAMP")->allocate(OrderLine("o1", "LAMP", 3), kTestNow);
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(store->find("LAMP")->batch("LAMP-b1")->available_quantity(), 10);
}

TEST_F(InMemoryUnitOfWorkTest, CommitWritesAndHandsOverEvents) {
  add_product("LAMP", 10);
  const auto events = units_of_work.perform([](UnitOfWork& uow) {
    uow.products().get("LAMP")->allocate(OrderLine("o1", "LAMP", 3), kTestNow);
    EXPECT_TRUE(uow.collect_new_events().empty()) << "no events before commit";
    uow.commit();
  });
  EXPECT_EQ(store->find("LAMP")->batch("LAMP-b1")->available_quantity(), 7);
  EXPECT_EQ(events.size(), 1u);
  EXPECT_TRUE(store->find("LAMP")->events().empty()) << "events are not stored";
}

TEST_F(InMemoryUnitOfWorkTest, ConcurrentChangeOfTheSameProductConflicts) {
  add_product("LAMP", 10);
  const auto error = side_by_side(
      [](UnitOfWork& uow) {
        uow.products().get("LAMP")->allocate(OrderLine("o1", "LAMP", 3), kTestNow);
      },
      [](UnitOfWork& uow) {
        uow.products().get("LAMP")->allocate(OrderLine("o2", "LAMP", 3), kTestNow);
      });
  EXPECT_THROW(std::rethrow_exception(error), service_layer::ConcurrencyError);
  auto stored = store->find("LAMP");
  EXPECT_EQ(stored->batch("LAMP-b1")->available_quantity(), 7);
  EXPECT_EQ(stored->version_number(), 2);
}

TEST_F(InMemoryUnitOfWorkTest, ConcurrentCreationOfTheSameProductConflicts) {
  const auto add = [](UnitOfWork& uow) { uow.products().add(Product("LAMP")); };
  const auto error = side_by_side(add, add);
  EXPECT_THROW(std::rethrow_exception(error), service_layer::ConcurrencyError);
}

TEST_F(InMemoryUnitOfWorkTest, RepositoryHandsOutEachProductOnce) {
  add_product("LAMP", 10);
  units_of_work.perform([](UnitOfWork& uow) {
    auto* by_sku = uow.products().get("LAMP");
    EXPECT_EQ(uow.products().get_by_batchref("LAMP-b1"), by_sku);
    EXPECT_EQ(uow.products().get("LAMP"), by_sku);
    EXPECT_EQ(uow.products().get("DESK"), nullptr);
    EXPECT_EQ(uow.products().get_by_batchref("nope"), nullptr);
    EXPECT_THROW(uow.products().add(Product("LAMP")), std::logic_error);
  });
}

}  // namespace
}  // namespace allocation::adapters
