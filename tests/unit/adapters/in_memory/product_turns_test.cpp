#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <thread>
#include <vector>

#include "allocation/adapters/in_memory/in_memory_unit_of_work.hpp"
#include "allocation/service_layer/errors.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters {
namespace {

using domain::Batch;
using domain::OrderLine;
using domain::Product;
using service_layer::ConcurrencyError;
using service_layer::UnitOfWork;

// The in-memory units of work of one store take turns per product in perform(), as the
// units of work of a process on a database do: writers of a hot product wait for each other
// instead of losing races to each other. Real threads throughout.
class ProductTurns : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* sku : {"LAMP", "DESK"}) {
      units_of_work.perform([&](UnitOfWork& uow) {
        uow.products().add(
            Product(sku, {Batch(std::string(sku) + "-b1", sku, 1000, std::nullopt)}));
        uow.commit();
      });
    }
  }

  // Allocates one unit of `sku` to `orderid` in a unit of work of its own, telling perform()
  // the product or not; `inside` runs between the load and the commit.
  void allocate(std::optional<std::string_view> product, const std::string& sku,
                const std::string& orderid, const std::function<void()>& inside) {
    units_of_work.perform(product, [&](UnitOfWork& uow) {
      Product* loaded = uow.products().get(sku, orderid);
      loaded->allocate(OrderLine(orderid, sku, 1), kTestNow);
      inside();
      uow.commit();
    });
  }

  int allocated(const std::string& sku) const {
    return store->find(sku)->batches().front().allocated_quantity();
  }

  std::shared_ptr<InMemoryStore> store = std::make_shared<InMemoryStore>();
  InMemoryUnitsOfWork units_of_work{store};
};

TEST_F(ProductTurns, WritersOfOneProductTakeTurnsAndNoneLosesARace) {
  constexpr int kThreads = 8;
  constexpr int kEach = 50;
  std::atomic<int> inside = 0;
  std::atomic<int> overlaps = 0;
  std::atomic<int> lost = 0;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        try {
          // Appended, not "o" + ...: GCC 12's -Wrestrict misfires on operator+ here (Release).
          std::string orderid = "o";
          orderid += std::to_string(t) + "-" + std::to_string(i);
          allocate("LAMP", "LAMP", orderid, [&] {
            if (inside.fetch_add(1) != 0) ++overlaps;
            std::this_thread::yield();  // gives another writer time to come in, were it let
            inside.fetch_sub(1);
          });
        } catch (const ConcurrencyError&) {
          ++lost;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(overlaps, 0);
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(allocated("LAMP"), kThreads * kEach);
}

// The control: without its product, work is guarded by the version check alone, so two
// writers inside at once make one of them lose.
TEST_F(ProductTurns, WorkOfNoKnownProductTakesNoTurnAndLosesRacesToTheVersionCheck) {
  std::latch both_inside(2);
  auto writer = [&](std::string orderid) {
    try {
      allocate(std::nullopt, "LAMP", orderid, [&] { both_inside.arrive_and_wait(); });
      return true;
    } catch (const ConcurrencyError&) {
      return false;
    }
  };
  auto first = std::async(std::launch::async, writer, "o1");
  auto second = std::async(std::launch::async, writer, "o2");
  EXPECT_NE(first.get(), second.get()) << "exactly one commits";
  EXPECT_EQ(allocated("LAMP"), 1);
}

TEST_F(ProductTurns, AnotherProductDoesNotWaitForTheTurnOfOne) {
  std::promise<void> release;
  std::latch lamp_inside(1);
  auto lamp = std::async(std::launch::async, [&] {
    const auto held = release.get_future();
    allocate("LAMP", "LAMP", "o1", [&] {
      lamp_inside.count_down();
      held.wait();
    });
  });
  lamp_inside.wait();
  auto desk = std::async(std::launch::async, [&] { allocate("DESK", "DESK", "o2", [] {}); });
  EXPECT_EQ(desk.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "DESK waited for LAMP's turn";
  release.set_value();
  lamp.get();
  desk.get();
  EXPECT_EQ(allocated("LAMP"), 1);
  EXPECT_EQ(allocated("DESK"), 1);
}

}  // namespace
}  // namespace allocation::adapters
