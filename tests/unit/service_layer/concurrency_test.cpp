#include <gtest/gtest.h>

#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "allocation/adapters/in_memory/in_memory_stock_ledger.hpp"
#include "support/fake_service.hpp"

namespace allocation::service_layer {
namespace {

using domain::commands::Allocate;
using domain::commands::CreateBatch;

// 8 threads allocate through one bus at once, on a few SKUs, with demand above stock and every
// order sent twice (by two different threads). The store must end consistent.
TEST(Concurrency, EightThreadsAllocatingThroughOneBusNeverOverAllocate) {
  testing::FakeService service;
  const std::vector<std::string> skus = {"LAMP", "DESK", "CHAIR"};
  for (const auto& sku : skus) {
    service.bus.handle(CreateBatch{sku + "-wh", sku, 40, std::nullopt});
    service.bus.handle(CreateBatch{sku + "-ship", sku, 40, domain::parse_date("2031-01-01")});
  }

  constexpr int kThreads = 8;
  // 4 pairs of threads x 40 orders of 1..3 units, about 110 units per SKU against 80.
  constexpr int kOrdersPerThread = 40;
  std::mutex mutex;
  std::map<std::string, std::set<std::string>> answers;  // orderid -> batchrefs answered
  std::latch start(kThreads);  // all threads begin together, so they do race
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kOrdersPerThread; ++i) {
        // Thread t and thread t^1 send the same orders: each order is attempted twice.
        const int owner = t & ~1;
        // Appended, not "o" + ...: GCC 12's -Wrestrict misfires on operator+ here (Release).
        std::string orderid = "o";
        orderid += std::to_string(owner) + "-" + std::to_string(i);
        const std::string& sku = skus[i % skus.size()];
        auto batch = service.bus.handle(Allocate{orderid, sku, 1 + (i / 3) % 3});
        std::lock_guard lock(mutex);
        answers[orderid].insert(batch.batchref.value_or("out-of-stock"));
      }
    });
  }
  for (auto& thread : threads) thread.join();

  int allocated_lines = 0;
  for (const auto& sku : skus) {
    auto product = service.store->find(sku);
    ASSERT_TRUE(product);
    int total = 0;
    std::set<std::string> orders;
    for (const auto& batch : product->batches()) {
      EXPECT_LE(batch.allocated_quantity(), batch.purchased_quantity()) << batch.reference();
      EXPECT_TRUE(batch.all_lines_loaded());
      for (const auto& line : batch.loaded_lines()) {
        EXPECT_TRUE(orders.insert(line.orderid()).second) << line.orderid() << " allocated twice";
        total += line.qty();
        // Whoever was answered with a batch was answered with this one.
        EXPECT_TRUE(answers[line.orderid()].contains(batch.reference()));
        EXPECT_EQ(service.read_model->allocations(line.orderid()),
                  (std::vector<AllocationRow>{{sku, batch.reference()}}));
        ++allocated_lines;
      }
    }
    EXPECT_EQ(total, 80 - (product->batches()[0].available_quantity() +
                           product->batches()[1].available_quantity()));
    // Demand exceeded stock, so conflicts must not have left stock idle: at most 2 units
    // (less than the biggest line) stay in any batch.
    for (const auto& batch : product->batches()) EXPECT_LT(batch.available_quantity(), 3);
  }
  // The second attempt of an order got the same answer as the first, unless the first was out
  // of stock (the second may then have found stock freed by nobody: there is none here).
  for (const auto& [orderid, batches] : answers) {
    EXPECT_EQ(batches.size(), 1u) << orderid;
  }
  EXPECT_EQ(service.publisher->published(channels::kLineAllocated).size(),
            static_cast<size_t>(allocated_lines));
  // The ledger the store kept at its commits accounts for all the stock, as `allocation verify`
  // checks on a database: 6 batches received, one movement per line.
  const auto check = adapters::InMemoryStockLedger(service.store).verify();
  EXPECT_TRUE(check.differences.empty());
  EXPECT_EQ(check.movements, 6 + allocated_lines);
}

}  // namespace
}  // namespace allocation::service_layer
